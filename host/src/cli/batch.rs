//! `batch`: many calls in one host process, for an engine that keeps a worker
//! running. The component is compiled (or loaded) once; every call still gets a
//! fresh instance with its own limits, so one runaway call fails alone.

use super::app::App;
use super::invoke::{execute, read_file};
use super::output::{failure_line, success_line};
use super::CmdResult;
use crate::error::Failure;
use serde::Deserialize;
use serde_json::Value;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Write returned files into this directory (one sub-directory per request line)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// One stdin line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    action: String,
    #[serde(default = "empty_object")]
    params: Value,
    /// Input files, as `invoke --file` takes them (attachments to send).
    #[serde(default)]
    files: Vec<PathBuf>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

pub fn run(config: Option<&Path>, component: Option<&Path>, args: &Args) -> CmdResult {
    let app = App::start(config, component).map_err(|e| (e, None))?;
    let stdout = std::io::stdout();
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| {
            (Failure::invalid_input(format!("stdin: {e}")), Some(app.redactor.clone()))
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let out_dir = args.out.as_ref().map(|d| d.join(format!("{}", n + 1)));
        let answer = match call(&app, &line, out_dir.as_deref()) {
            Ok((output, files)) => success_line(output, files, &app.redactor),
            Err(failure) => failure_line(&failure, Some(&app.redactor)),
        };
        let mut out = stdout.lock();
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
    Ok(())
}

fn call(
    app: &App,
    line: &str,
    out_dir: Option<&Path>,
) -> Result<(Value, Vec<super::output::FileInfo>), Failure> {
    let request: Request = serde_json::from_str(line).map_err(|e| {
        Failure::invalid_input(format!(
            "batch line: expected {{\"action\": NAME, \"params\": {{...}}, \"files\": [PATH, ...]}}: {e}"
        ))
    })?;
    if !request.params.is_object() {
        return Err(Failure::invalid_input("batch line: params: expected a JSON object"));
    }
    let files = request
        .files
        .iter()
        .map(|p| read_file(p))
        .collect::<Result<Vec<_>, _>>()?;
    execute(app, &request.action, &request.params.to_string(), &files, out_dir)
}
