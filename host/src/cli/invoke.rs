//! `invoke ACTION --params JSON|@FILE [--file PATH]... [--out DIR]`.

use super::app::App;
use super::output::{self, FileInfo};
use super::CmdResult;
use crate::bindings::soar::integration::types::File;
use crate::config::keys_closest;
use crate::error::Failure;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The action's name (listed below)
    action: String,
    /// Parameters: a JSON object, or @FILE to read it from a file (@- for stdin)
    #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
    params: String,
    /// An input file for the action (such as an attachment to send); repeatable
    #[arg(long = "file", value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Write returned files into this directory (otherwise they are only described)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(config: Option<&Path>, component: Option<&Path>, args: &Args) -> CmdResult {
    let app = App::start(config, component).map_err(|e| (e, None))?;
    let with = |e: Failure| (e, Some(app.redactor.clone()));
    let params = read_params(&args.params).map_err(with)?;
    let files = args
        .files
        .iter()
        .map(|p| read_file(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(with)?;
    let (output, described) =
        execute(&app, &args.action, &params, &files, args.out.as_deref()).map_err(with)?;
    output::success(output, described, &app.redactor);
    Ok(())
}

/// One action call on a started host: `invoke` runs it once, `batch` once a line.
pub fn execute(
    app: &App,
    action: &str,
    params: &str,
    files: &[File],
    out_dir: Option<&Path>,
) -> Result<(Value, Vec<FileInfo>), Failure> {
    check_action(app, action)?;
    let out = app.runtime.invoke(&app.caps, action, params, files)?;
    let output: Value = serde_json::from_str(&out.json).map_err(|e| {
        Failure::internal(format!("the component returned output that is not JSON: {e}"))
    })?;
    let mut described = Vec::new();
    let mut used = HashSet::new();
    for f in &out.files {
        let path = match out_dir {
            Some(dir) => Some(write_file(dir, &unique(safe_name(&f.name), &mut used), &f.data)?),
            None => None,
        };
        described.push(FileInfo {
            name: f.name.clone(),
            media_type: f.media_type.clone(),
            size: f.data.len(),
            sha256: hex(&Sha256::digest(&f.data)),
            path: path.map(|p| p.display().to_string()),
        });
    }
    Ok((output, described))
}

fn check_action(app: &App, name: &str) -> Result<(), Failure> {
    if app.manifest.action(name).is_some() {
        return Ok(());
    }
    let names: Vec<String> = app
        .manifest
        .actions
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let hint = keys_closest(name, &names)
        .map(|n| format!(" (did you mean {n}?)"))
        .unwrap_or_default();
    Err(Failure::invalid_input(format!(
        "unknown action {name:?}{hint}; actions: {}",
        names.join(", ")
    )))
}

fn read_params(arg: &str) -> Result<String, Failure> {
    let text = match arg.strip_prefix('@') {
        Some("-") => std::io::read_to_string(std::io::stdin())
            .map_err(|e| Failure::invalid_input(format!("--params @-: cannot read stdin: {e}")))?,
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::invalid_input(format!("--params: cannot read {path}: {e}")))?,
        None => arg.to_string(),
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(_)) => Ok(text),
        Ok(_) => Err(Failure::invalid_input("--params: expected a JSON object")),
        Err(e) => Err(Failure::invalid_input(format!(
            "--params: not valid JSON: {e}"
        ))),
    }
}

pub fn read_file(path: &Path) -> Result<File, Failure> {
    let data = std::fs::read(path)
        .map_err(|e| Failure::invalid_input(format!("--file {}: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(File {
        media_type: media_type(&name).to_string(),
        name,
        data,
    })
}

/// A guess from the extension; the component may know better.
fn media_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "eml" => "message/rfc822",
        "msg" => "application/vnd.ms-outlook",
        "txt" | "log" => "text/plain",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// The component promises safe names; the host does not rely on it.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() || c == ':' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

/// Two returned files of the same name both survive: `a.txt`, `a-1.txt`.
fn unique(name: String, used: &mut HashSet<String>) -> String {
    let mut candidate = name.clone();
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    let mut n = 1;
    while !used.insert(candidate.clone()) {
        candidate = format!("{stem}-{n}{ext}");
        n += 1;
    }
    candidate
}

/// Written beside the target and renamed: never a half-written file.
fn write_file(dir: &Path, name: &str, data: &[u8]) -> Result<PathBuf, Failure> {
    let fail = |e: std::io::Error| Failure::internal(format!("--out {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, data).map_err(fail)?;
    std::fs::rename(&tmp, &path).map_err(fail)?;
    Ok(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe_and_unique() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name(""), "file");
        assert_eq!(safe_name("a\nb.txt"), "a_b.txt");
        let mut used = HashSet::new();
        assert_eq!(unique("a.txt".into(), &mut used), "a.txt");
        assert_eq!(unique("a.txt".into(), &mut used), "a-1.txt");
        assert_eq!(unique("a.txt".into(), &mut used), "a-2.txt");
    }

    #[test]
    fn params_must_be_an_object() {
        assert!(read_params("{\"a\":1}").is_ok());
        assert_eq!(
            read_params("[1]").unwrap_err().kind,
            crate::error::Kind::InvalidInput
        );
        assert!(read_params("{")
            .unwrap_err()
            .message
            .starts_with("--params: not valid JSON"));
    }
}
