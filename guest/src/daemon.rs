//! The mail-ingest daemon is issue 4; this version says so plainly instead of
//! pretending to poll.

use crate::ews::error::Failure;

pub fn unavailable() -> Failure {
    Failure::InvalidInput(format!(
        "daemon: not available in ews {} (issue 4)",
        env!("CARGO_PKG_VERSION")
    ))
}
