//! What the CLI prints: one JSON line on stdout, keys in the order
//! docs/contract.md shows them (structs, since serde_json's maps sort keys),
//! every string passed through the redactor first.

use crate::error::Failure;
use crate::secrets::Redactor;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

#[derive(Serialize)]
struct Success<'a> {
    ok: bool,
    output: &'a Value,
    files: &'a [FileInfo],
}

/// A returned file as `invoke` describes it.
#[derive(Serialize)]
pub struct FileInfo {
    pub name: String,
    pub media_type: String,
    pub size: usize,
    pub sha256: String,
    /// Where it was written under `--out`, else null.
    pub path: Option<String>,
}

#[derive(Serialize)]
struct FailureOut<'a> {
    ok: bool,
    error: ErrorOut<'a>,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    kind: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_ms: Option<u64>,
}

fn line(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        format!(r#"{{"ok":false,"error":{{"kind":"internal","message":"cannot print the result: {e}"}}}}"#)
    })
}

fn print_line(text: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// `{"ok":true,"output":{...},"files":[...]}`.
pub fn success(output: Value, files: Vec<FileInfo>, redactor: &Redactor) {
    print_line(success_line(output, files, redactor));
}

pub fn success_line(mut output: Value, mut files: Vec<FileInfo>, redactor: &Redactor) -> String {
    redactor.redact_json(&mut output);
    for f in &mut files {
        f.name = redactor.redact(&f.name).into_owned();
        f.media_type = redactor.redact(&f.media_type).into_owned();
        f.path = f.path.as_deref().map(|p| redactor.redact(p).into_owned());
    }
    line(&Success {
        ok: true,
        output: &output,
        files: &files,
    })
}

/// `{"ok":false,"error":{"kind":...,"message":...,"retry_after_ms":N?}}`.
pub fn failure(failure: &Failure, redactor: Option<&Redactor>) {
    print_line(failure_line(failure, redactor));
}

pub fn failure_line(failure: &Failure, redactor: Option<&Redactor>) -> String {
    let message = match redactor {
        Some(r) => r.redact(&failure.message).into_owned(),
        None => failure.message.clone(),
    };
    line(&FailureOut {
        ok: false,
        error: ErrorOut {
            kind: failure.kind.as_str(),
            message: &message,
            retry_after_ms: failure.retry_after_ms,
        },
    })
}

/// Anything else (bench): printed as is.
pub fn print_json(value: Value) {
    print_line(line(&value));
}

/// A struct as one line, keys in its field order (`dead-letters list`).
pub fn print_serialized(value: &impl Serialize) {
    print_line(line(value));
}

/// The failure line on stderr: for the daemon, whose stdout may be the
/// stdout sink's record stream, where a reader would take it for a record.
pub fn failure_on_stderr(failure: &Failure, redactor: Option<&Redactor>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", failure_line(failure, redactor));
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    #[test]
    fn keys_in_contract_order_and_redacted() {
        let r = Redactor::new(["s3cret".to_string()]);
        let f = Failure {
            kind: Kind::Throttled,
            message: "slow s3cret".into(),
            retry_after_ms: Some(500),
        };
        assert_eq!(
            failure_line(&f, Some(&r)),
            r#"{"ok":false,"error":{"kind":"throttled","message":"slow ***","retry_after_ms":500}}"#
        );
        assert_eq!(
            failure_line(&Failure::invalid_input("x"), None),
            r#"{"ok":false,"error":{"kind":"invalid-input","message":"x"}}"#
        );
        let files = vec![FileInfo {
            name: "a.eml".into(),
            media_type: "message/rfc822".into(),
            size: 3,
            sha256: "ab".into(),
            path: None,
        }];
        assert_eq!(
            success_line(serde_json::json!({"token": "s3cret"}), files, &r),
            r#"{"ok":true,"output":{"token":"***"},"files":[{"name":"a.eml","media_type":"message/rfc822","size":3,"sha256":"ab","path":null}]}"#
        );
    }
}
