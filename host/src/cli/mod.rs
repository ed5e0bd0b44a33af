//! The command line (docs/contract.md "The reference host's command line").
//! Every outcome is one JSON document on stdout and an exit code; logs go
//! to stderr.

mod app;
mod batch;
mod bench;
mod check;
mod daemon;
mod dead_letters;
mod describe;
mod invoke;
mod output;
mod status;
mod version;

use crate::error::Failure;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "ews-host",
    version,
    about = "Runs the EWS integration component in a sandbox (wasmtime)",
    after_help = "Configuration: --config FILE (TOML), each key overridable by EWS_<KEY>.\nLogs: stderr, level from EWS_LOG (trace|debug|info|warn|error)."
)]
struct Cli {
    /// TOML configuration file
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The component (.wasm); default: config `component`, EWS_COMPONENT, target/components/ews_guest.wasm
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the component's manifest (JSON)
    Describe,
    /// Run one action
    Invoke(invoke::Args),
    /// Run many actions in one process: a JSON request per stdin line, an answer per stdout line
    Batch(batch::Args),
    /// Hand new emails to a sink, step after step (docs/daemon.md)
    Daemon(daemon::Args),
    /// Preflight: try each permission the actions and the daemon need, and say what is missing
    Check(check::Args),
    /// See, export and delete the emails a sink refused for good (docs/daemon.md)
    DeadLetters(dead_letters::Args),
    /// Each mailbox the daemon serves: host, process, since when, last step, counts (a JSON line each)
    Status,
    /// Measure compile, cache load and per-call instantiation
    #[command(hide = true)]
    Bench(bench::Args),
}

/// Runs the CLI; returns the process exit code.
pub fn main() -> i32 {
    let args: Vec<OsString> = std::env::args_os().collect();
    if subcommand(&args).is_none() && args.iter().skip(1).any(|a| a == "--version" || a == "-V") {
        version::print(flag(&args, "--config"), flag(&args, "--component"));
        return 0;
    }
    let mut command = Cli::command();
    if wants_help(&args) {
        // Help lists the actions, so it needs the manifest: load it if we
        // can, and say why not if we cannot.
        let help =
            match app::App::describe_only(flag(&args, "--config"), flag(&args, "--component")) {
                Ok((_, m, _, _)) => m.actions_help(),
                Err(e) => format!("Actions: unavailable ({})", e.message),
            };
        command = command
            .mut_subcommand("invoke", |c| c.after_help(help.clone()))
            .after_help(format!("{help}\nConfiguration: --config FILE (TOML), each key overridable by EWS_<KEY>.\nLogs: stderr, level from EWS_LOG (trace|debug|info|warn|error)."));
    }
    let cli = match command
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            // Help and version are answers, not failures.
            if !e.use_stderr() {
                let _ = e.print();
                return 0;
            }
            // clap's text without the usage and tips, on one line.
            let text = e.render().to_string();
            let text = text.split("\n\nUsage:").next().unwrap_or_default();
            let msg = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let msg = msg.trim_start_matches("error: ").to_string();
            let failure = Failure::invalid_input(msg);
            if subcommand(&args).is_some_and(|s| s == "daemon") {
                output::failure_on_stderr(&failure, None);
            } else {
                output::failure(&failure, None);
            }
            return if code == 0 { 0 } else { 2 };
        }
    };
    if let Command::Check(args) = &cli.command {
        return match check::run(cli.config.as_deref(), cli.component.as_deref(), args) {
            Ok(code) => code,
            Err((failure, redactor)) => {
                output::failure(&failure, redactor.as_deref());
                failure.kind.exit_code()
            }
        };
    }
    let result = match &cli.command {
        Command::Describe => describe::run(cli.config.as_deref(), cli.component.as_deref()),
        Command::Invoke(args) => invoke::run(cli.config.as_deref(), cli.component.as_deref(), args),
        Command::Batch(args) => batch::run(cli.config.as_deref(), cli.component.as_deref(), args),
        Command::Daemon(args) => daemon::run(cli.config.as_deref(), cli.component.as_deref(), args),
        Command::DeadLetters(args) => dead_letters::run(cli.config.as_deref(), args),
        Command::Status => status::run(cli.config.as_deref()),
        Command::Bench(args) => bench::run(cli.config.as_deref(), cli.component.as_deref(), args),
        // Answered above, with its own exit code.
        Command::Check(_) => Ok(()),
    };
    match result {
        Ok(()) => 0,
        Err((failure, redactor)) => {
            // The daemon's stdout may be the stdout sink's record stream.
            if matches!(cli.command, Command::Daemon(_)) {
                output::failure_on_stderr(&failure, redactor.as_deref());
            } else {
                output::failure(&failure, redactor.as_deref());
            }
            failure.kind.exit_code()
        }
    }
}

/// A failure and, once secrets are loaded, the redactor to print it with.
pub type CmdResult = Result<(), (Failure, Option<std::sync::Arc<crate::secrets::Redactor>>)>;

fn wants_help(args: &[OsString]) -> bool {
    args.iter().skip(1).any(|a| a == "--help" || a == "-h")
        || args.get(1).is_some_and(|a| a == "help")
}

/// The first word that is neither a global option nor its value, before
/// clap has parsed anything.
fn subcommand(args: &[OsString]) -> Option<String> {
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--config" || a == "--component" {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a.into_owned());
        }
    }
    None
}

/// `--name VALUE` or `--name=VALUE`, before clap has parsed anything.
fn flag(args: &[OsString], name: &str) -> Option<PathBuf> {
    let prefix = format!("{name}=");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == name {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = s.strip_prefix(&prefix) {
            return Some(PathBuf::from(v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subcommand_is_found_past_the_global_options() {
        let args = |a: &[&str]| -> Vec<OsString> { a.iter().map(OsString::from).collect() };
        let daemon = Some("daemon".to_string());
        assert_eq!(subcommand(&args(&["ews-host", "daemon", "--once"])), daemon);
        assert_eq!(
            subcommand(&args(&["ews-host", "--config", "daemon.toml", "daemon"])),
            daemon
        );
        assert_eq!(
            subcommand(&args(&[
                "ews-host",
                "--config=x",
                "--component",
                "c",
                "daemon"
            ])),
            daemon
        );
        assert_eq!(
            subcommand(&args(&["ews-host", "--config", "daemon", "invoke"])),
            Some("invoke".to_string())
        );
        assert_eq!(subcommand(&args(&["ews-host", "--config", "x"])), None);
    }
}
