//! `check`: a preflight a person runs once after configuring. It starts the
//! host as every command does (configuration, secrets, allow-list), then
//! makes one read-only call for each permission the actions and the daemon
//! need, and prints what works and what is missing, with the component's own
//! message for each failure (which names the role or grant to add).
//!
//! It goes through the configured transport (`api`): the same calls, but on
//! EWS they prove impersonation (and the Discovery Management role), on
//! Microsoft Graph one application permission each. Sending is not probed:
//! no read-only call proves Mail.Send, and the report says so.

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

/// The transport `check` went through: the component's `api` setting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Ews,
    Graph,
}

/// One row: what it proves, the permission it needs on the transport, the
/// call that proves it, and whether every configuration needs it
/// (get-searchable-mailboxes does not).
struct Probe {
    name: &'static str,
    proves: &'static str,
    grant: &'static str,
    action: &'static str,
    params: Value,
    required: bool,
}

#[derive(Serialize)]
struct Row {
    check: &'static str,
    proves: &'static str,
    /// The role (EWS) or application permission (Graph) the call needs.
    grant: &'static str,
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
    /// `ews` or `graph`: the transport every probe went through.
    api: String,
    /// The `ews_url` or `graph_url` in use.
    url: String,
    mailbox: String,
    checks: Vec<Row>,
    /// What the configuration may need that no read-only call can prove.
    not_checked: Vec<&'static str>,
}

/// The same four calls on both transports; what each proves differs: EWS
/// acts on the mailbox by impersonation (one grant for everything but
/// eDiscovery), Graph by one application permission per kind of data.
fn probes(api: Api, mailbox: &str, folder: &str) -> Vec<Probe> {
    let ews = api == Api::Ews;
    vec![
        Probe {
            name: "sign-in and mailbox",
            proves: if ews {
                "the credentials work and the account may act on the mailbox (impersonation)"
            } else {
                "the token works, the app reaches the mailbox and may read its automatic replies (MailboxSettings.Read: get-out-of-office)"
            },
            grant: if ews {
                "impersonation"
            } else {
                "MailboxSettings.Read"
            },
            action: "get-out-of-office",
            params: json!({"mailbox": mailbox}),
            required: true,
        },
        Probe {
            name: "read mail",
            proves: if ews {
                "the daemon's folder exists and its mail can be read (search, daemon, EML, attachments)"
            } else {
                "the daemon's folder exists and its mail can be read (Mail.ReadWrite: search, daemon, EML, attachments)"
            },
            grant: if ews {
                "impersonation"
            } else {
                "Mail.ReadWrite"
            },
            action: "search-emails-extended",
            params: json!({"folder": folder, "limit": 1}),
            required: true,
        },
        Probe {
            name: "contacts",
            proves: if ews {
                "get-contacts can read the Contacts folder"
            } else {
                "get-contacts can read the mailbox's contacts (Contacts.Read)"
            },
            grant: if ews {
                "impersonation"
            } else {
                "Contacts.Read"
            },
            action: "get-contacts",
            params: json!({"limit": 1}),
            required: true,
        },
        Probe {
            name: "eDiscovery",
            proves: if ews {
                "get-searchable-mailboxes may list mailboxes (Discovery Management role; optional)"
            } else {
                "get-searchable-mailboxes may list the directory's users (User.Read.All; optional)"
            },
            grant: if ews {
                "Discovery Management"
            } else {
                "User.Read.All"
            },
            action: "get-searchable-mailboxes",
            params: json!({"search_filter": mailbox}),
            required: false,
        },
    ]
}

/// Graph permissions no read-only call proves (EWS impersonation, proven by
/// the first row, covers sending and writing).
fn not_checked(api: Api) -> Vec<&'static str> {
    match api {
        Api::Ews => vec![],
        Api::Graph => vec![
            "Mail.Send (send-email, reply-to-email): only sending mail would prove it",
            "Mail.ReadWrite rather than Mail.Read (mark-read by the daemon, delete, copy, junk, delete-attachments): only a change would prove it",
        ],
    }
}

/// A component setting as the component sees it: the configured value, else
/// the manifest's default.
fn setting(app: &App, key: &str) -> Option<String> {
    app.config.guest.get(key).cloned().or_else(|| {
        app.manifest
            .config
            .iter()
            .find(|f| f.key == key)
            .and_then(|f| f.default_string())
    })
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
    let folder = setting(&app, "folder")
        .map(|f| f.trim_matches('"').to_string())
        .unwrap_or_else(|| "inbox".into());
    // An `api` the component refuses makes every probe fail with its
    // invalid-input message; the rows then read as EWS's.
    let api_name = setting(&app, "api").unwrap_or_else(|| "ews".into());
    let api = match api_name.trim() {
        "graph" => Api::Graph,
        _ => Api::Ews,
    };
    let url = setting(
        &app,
        if api == Api::Graph {
            "graph_url"
        } else {
            "ews_url"
        },
    )
    .unwrap_or_default();
    let mut rows = Vec::new();
    let mut first_failure: Option<Kind> = None;
    for p in probes(api, &mailbox, &folder) {
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
            grant: p.grant,
            ok,
            required: p.required,
            kind,
            message,
        });
    }
    let ok = rows.iter().all(|r| r.ok || !r.required);
    let report = Report {
        ok,
        api: api_name.trim().to_string(),
        url,
        mailbox,
        checks: rows,
        not_checked: not_checked(api),
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
    let transport = match r.api.as_str() {
        "graph" => "Microsoft Graph",
        "ews" => "EWS",
        _ => "an unknown transport",
    };
    let _ = writeln!(out, "api: {} ({transport} at {})", r.api, r.url);
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
    for n in &r.not_checked {
        let _ = writeln!(out, "not checked: {n}");
    }
}
