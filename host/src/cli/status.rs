//! `status`: one JSON line per mailbox the daemon serves or served from this
//! state file, by name: which host and process, since when, the last step's
//! time, result and counts, and how many emails it delivered since it started.
//! Only the host keys are read, as for `dead-letters`: it works while the
//! daemon runs, from another process, with no component.

use super::output;
use super::CmdResult;
use crate::config::{process_env, RawConfig};
use crate::daemon::status;
use crate::error::Failure;
use std::path::Path;

pub fn run(config: Option<&Path>) -> CmdResult {
    let host = RawConfig::load(config)
        .and_then(|raw| raw.host(&process_env))
        .map_err(|e| (e, None))?;
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
