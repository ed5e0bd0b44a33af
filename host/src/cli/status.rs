//! `status`: one JSON line per mailbox the daemon serves or served from this
//! state file, by name: which host and process, since when, the last step's
//! time, result and counts, and how many emails it delivered since it started.
//! Only the host keys are read, as for `dead-letters`: it works while the
//! daemon runs, from another process, with no component. With
//! `storage = "postgres"`, every host's rows, each with its mailbox's lease.

use super::output;
use super::CmdResult;
use crate::config::{process_env, RawConfig};
use crate::daemon::status;
use crate::error::{Failure, Kind};
use std::path::Path;

pub fn run(config: Option<&Path>) -> CmdResult {
    let host = RawConfig::load(config)
        .and_then(|raw| raw.host(&process_env))
        .map_err(|e| (e, None))?;
    // A fleet's rows are in its database, every host's, with the leases.
    if let Some(pool) = super::app::fleet_database(&host, "status").map_err(|e| (e, None))? {
        let rows = pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut c| status::list_postgres(&mut c).map_err(|e| e.to_string()))
            .map_err(|e| {
                (
                    Failure::new(Kind::Unavailable, format!("status: {e}")),
                    None,
                )
            })?;
        for row in &rows {
            output::print_serialized(row);
        }
        return Ok(());
    }
    let state = &host.state_path;
    let rows = status::list(state)
        .map_err(|e| {
            (
                Failure::internal(format!(
                    "cannot read the state file {} (state_path): {e}",
                    state.display()
                )),
                None,
            )
        })?
        .ok_or_else(|| (super::dead_letters::no_state_file(state), None))?;
    for row in &rows {
        output::print_serialized(row);
    }
    Ok(())
}
