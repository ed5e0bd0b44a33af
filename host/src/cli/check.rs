//! `check`: a preflight a person runs once after configuring. It starts the
//! host as every command does (configuration, secrets, allow-list), then
//! makes one read-only call for each permission the actions and the daemon
//! need, and prints what works and what is missing, with the component's own
//! message for each failure (which names the role or grant to add).

use super::app::App;
use super::output::print_serialized;
use crate::error::{Failure, Kind};
use crate::secrets::Redactor;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON document instead of a table
    #[arg(long)]
    json: bool,
}

/// One row: what it proves, the call that proves it, and whether every
/// configuration needs it (eDiscovery does not).
struct Probe {
    name: &'static str,
    proves: &'static str,
    action: &'static str,
    params: Value,
    required: bool,
}

#[derive(Serialize)]
struct Row {
    check: &'static str,
    proves: &'static str,
    ok: bool,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Serialize)]
struct Report {
    ok: bool,
    mailbox: String,
    checks: Vec<Row>,
}

fn probes(mailbox: &str, folder: &str) -> Vec<Probe> {
    vec![
        Probe {
            name: "sign-in and mailbox",
            proves: "the credentials work and the account may act on the mailbox (impersonation)",
            action: "get-out-of-office",
            params: json!({"mailbox": mailbox}),
            required: true,
        },
        Probe {
            name: "read mail",
            proves: "the daemon's folder exists and its mail can be read (search, daemon, EML, attachments)",
            action: "search-emails-extended",
            params: json!({"folder": folder, "limit": 1}),
            required: true,
        },
        Probe {
            name: "contacts",
            proves: "get-contacts can read the Contacts folder",
            action: "get-contacts",
            params: json!({"limit": 1}),
            required: true,
        },
        Probe {
            name: "eDiscovery",
            proves: "get-searchable-mailboxes may list mailboxes (Discovery Management role; optional)",
            action: "get-searchable-mailboxes",
            params: json!({"search_filter": mailbox}),
            required: false,
        },
    ]
}

/// The exit code: 0 when everything required works, else the first
/// required failure's (as `invoke` would exit for it).
pub fn run(
    config: Option<&Path>,
    component: Option<&Path>,
    args: &Args,
) -> Result<i32, (Failure, Option<Arc<Redactor>>)> {
    let app = App::start(config, component).map_err(|e| (e, None))?;
    let guest = &app.config.guest;
    let mailbox = guest
        .get("primary_smtp_address")
        .or_else(|| guest.get("username"))
        .cloned()
        .unwrap_or_default();
    let folder = guest
        .get("folder")
        .map(|f| f.trim_matches('"').to_string())
        .unwrap_or_else(|| "inbox".into());
    let mut rows = Vec::new();
    let mut first_failure: Option<Kind> = None;
    for p in probes(&mailbox, &folder) {
        let result = app
            .runtime
            .invoke(&app.caps, p.action, &p.params.to_string(), &[]);
        let (ok, kind, message) = match result {
            Ok(_) => (true, None, None),
            Err(f) => {
                if p.required && first_failure.is_none() {
                    first_failure = Some(f.kind);
                }
                (
                    false,
                    Some(f.kind.as_str()),
                    Some(app.redactor.redact(&f.message).into_owned()),
                )
            }
        };
        rows.push(Row {
            check: p.name,
            proves: p.proves,
            ok,
            required: p.required,
            kind,
            message,
        });
    }
    let ok = rows.iter().all(|r| r.ok || !r.required);
    let report = Report {
        ok,
        mailbox,
        checks: rows,
    };
    if args.json {
        print_serialized(&report);
    } else {
        print_table(&report);
    }
    Ok(first_failure.map_or(0, Kind::exit_code))
}

fn print_table(r: &Report) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "mailbox: {}", r.mailbox);
    for row in &r.checks {
        let mark = match (row.ok, row.required) {
            (true, _) => "ok     ",
            (false, true) => "MISSING",
            (false, false) => "missing",
        };
        let _ = writeln!(out, "{mark}  {:<20} {}", row.check, row.proves);
        if let Some(m) = &row.message {
            let _ = writeln!(out, "         {}: {m}", row.kind.unwrap_or(""));
        }
    }
    let _ = writeln!(
        out,
        "{}",
        if r.ok {
            "everything the configuration needs works"
        } else {
            "something the configuration needs is missing: see above"
        }
    );
}
