//! The mock's own paths and the request recorder, for benchmarks (`bench/run`).
//!
//! - `GET /_mock/stats[?unread=MAILBOX:FOLDER_PATH]` (only with `MockOptions::control`):
//!   `{"http_requests", "token_requests", "operations": {op: n}, "request_bytes",
//!   "graph_bad_requests", "schema_failures", "unread"}`. `http_requests` counts HTTP
//!   requests (a Graph `$batch` is one; the control paths are not counted);
//!   `operations` counts the log's entries (a `$batch`'s requests each).
//! - `MockOptions::record_requests`: each HTTP request as one JSON line
//!   `{"method", "target", "headers": [[name, value]...], "body_b64"}`, in the
//!   order they were answered.

use std::collections::BTreeMap;
use std::io::Write as _;

use base64::Engine as _;
use hyper::body::Incoming;
use hyper::Request;

use crate::server::{respond, HttpResponse, Shared};

pub const PREFIX: &str = "/_mock/";

pub fn handle(shared: &Shared, req: &Request<Incoming>) -> HttpResponse {
    if req.uri().path() != "/_mock/stats" || req.method() != hyper::Method::GET {
        return respond(404, "text/plain", "Not Found");
    }
    let unread_of = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("folder="))
        .map(percent_decode);
    let state = shared.lock();
    let mut operations: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &state.log {
        *operations.entry(r.operation.as_str()).or_default() += 1;
    }
    let unread = unread_of.and_then(|spec| {
        let (mailbox, path) = spec.split_once(':')?;
        let store = &state.model.mailbox(mailbox)?.store;
        let folder = &store.resolve(path)?.id;
        let bytes: usize = store.in_folder(folder).map(|m| m.mime.len()).sum();
        let (messages, unread) = store.counts(folder);
        Some(serde_json::json!({"messages": messages, "unread": unread, "bytes": bytes}))
    });
    let stats = serde_json::json!({
        "http_requests": state.arrivals,
        "token_requests": state.token_requests,
        "operations": operations,
        "request_bytes": state.log.iter().filter_map(|r| r.body_len).sum::<usize>(),
        "graph_bad_requests": state.log.iter()
            .filter(|r| r.operation.starts_with("graph") && r.status == 400).count(),
        "schema_failures": state.log.iter().filter(|r| !r.schema_errors.is_empty()).count(),
        "folder": unread,
    });
    respond(200, "application/json; charset=utf-8", stats.to_string())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(if c == b'+' { b' ' } else { c });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the recorder keeps of a request before its body is read.
pub struct RecordedHead {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl RecordedHead {
    pub fn of(req: &Request<Incoming>) -> RecordedHead {
        RecordedHead {
            method: req.method().to_string(),
            target: req
                .uri()
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.to_string()),
            headers: req
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
                .collect(),
        }
    }
}

pub fn record(shared: &Shared, head: RecordedHead, body: Option<&[u8]>) {
    let Some(recorder) = &shared.recorder else {
        return;
    };
    let line = serde_json::json!({
        "method": head.method,
        "target": head.target,
        "headers": head.headers,
        "body_b64": base64::engine::general_purpose::STANDARD.encode(body.unwrap_or_default()),
    });
    let mut out = recorder.lock().unwrap_or_else(|p| p.into_inner());
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_query() {
        assert_eq!(
            percent_decode("a%40b.example:Inbox%2FBench"),
            "a@b.example:Inbox/Bench"
        );
        assert_eq!(percent_decode("x+y%"), "x y%");
    }
}
