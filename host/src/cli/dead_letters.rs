//! `dead-letters list | export ID --out DIR | delete ID`: the items a sink
//! refused for good, as the daemon kept them in the state database
//! (`state_path`, or with `storage = "postgres"` the fleet's, every host's
//! in one place). Only the host keys are read: no component is loaded, so
//! that an operator can recover mail even with a configuration or a
//! component that no longer starts.

use super::output::{self, FileInfo};
use super::CmdResult;
use crate::config::{process_env, HostConfig, RawConfig};
use crate::daemon::dead_letters::{self, DeadLetters};
use crate::daemon::sinks::dir::{DirSink, RECORD};
use crate::daemon::sinks::sha256_hex;
use crate::error::{Failure, Kind};
use crate::secrets::Redactor;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// One JSON line per dead letter, oldest first: id, time, sink, reason, subject, files, bytes
    List,
    /// Write one as the dir sink would: DIR/<ID>/record.json and its files
    Export {
        /// The dead letter's id (as `list` prints it)
        id: String,
        /// Where to write it (created if needed); a dir sink's sink_dir works
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Forget one, once it has been recovered
    Delete {
        /// The dead letter's id (as `list` prints it)
        id: String,
    },
}

pub fn run(config: Option<&Path>, args: &Args) -> CmdResult {
    let host = RawConfig::load(config)
        .and_then(|raw| raw.host(&process_env))
        .map_err(|e| (e, None))?;
    let mut store = open(&host).map_err(|e| (e, None))?;
    // Reasons were redacted when they were kept; records are mail, which
    // holds none of our secrets.
    let none = Redactor::new(Vec::new());
    match &args.action {
        Action::List => {
            let entries = store.list().map_err(|e| (db(e), None))?;
            for entry in &entries {
                output::print_serialized(entry);
            }
        }
        Action::Export { id, out } => {
            let files = export(&mut store, id, out).map_err(|e| (e, None))?;
            let path = out.join(id);
            let result = serde_json::json!({"id": id, "path": path.display().to_string()});
            output::success(result, files, &none);
        }
        Action::Delete { id } => {
            if !store.delete(id).map_err(|e| (db(e), None))? {
                return Err((missing(id), None));
            }
            output::success(
                serde_json::json!({"id": id, "deleted": true}),
                vec![],
                &none,
            );
        }
    }
    Ok(())
}

/// The state file's, or with `storage = "postgres"` the fleet's.
fn open(host: &HostConfig) -> Result<DeadLetters, Failure> {
    if let Some(pool) = super::app::fleet_database(host, "dead letters")? {
        return Ok(DeadLetters::postgres(pool));
    }
    let state = &host.state_path;
    let cannot = |e: dead_letters::Error| {
        Failure::internal(format!(
            "cannot open the state file {} (state_path): {e}",
            state.display()
        ))
    };
    DeadLetters::open_existing(state)
        .map_err(cannot)?
        .ok_or_else(|| no_state_file(state))
}

/// The commands that read what the daemon kept: a state file that is not there
/// is a wrong `state_path`, which an empty answer would hide.
pub fn no_state_file(state: &Path) -> Failure {
    Failure::new(
        Kind::NotFound,
        format!(
            "state_path: {} does not exist (expected the state file the daemon uses)",
            state.display()
        ),
    )
}

fn db(e: dead_letters::Error) -> Failure {
    Failure::internal(format!("the dead letters: {e}"))
}

fn missing(id: &str) -> Failure {
    Failure::new(
        Kind::NotFound,
        format!("no dead letter {id:?} (ews-host dead-letters list shows them)"),
    )
}

/// Through the dir sink itself, so that the layout, the name checks and the
/// atomic write are the daemon's own.
fn export(store: &mut DeadLetters, id: &str, out: &Path) -> Result<Vec<FileInfo>, Failure> {
    let item = store.get(id).map_err(db)?.ok_or_else(|| missing(id))?;
    let mut sink = DirSink::new(out).map_err(|e| Failure::new(e.kind, e.message))?;
    let stored = sink
        .write(&item)
        .map_err(|e| Failure::new(e.kind, format!("cannot export {id:?}: {}", e.message)))?;
    let dir = &stored.folder;
    let record = FileInfo {
        name: RECORD.into(),
        media_type: "application/json".into(),
        size: stored.record.len(),
        sha256: sha256_hex(&stored.record),
        path: Some(dir.join(RECORD).display().to_string()),
    };
    let files = item
        .files
        .iter()
        .zip(&stored.files)
        .map(|(f, on_disk)| FileInfo {
            name: f.name.clone(),
            media_type: f.media_type.clone(),
            size: f.data.len(),
            sha256: sha256_hex(&f.data),
            path: Some(dir.join(on_disk).display().to_string()),
        });
    Ok(std::iter::once(record).chain(files).collect())
}
