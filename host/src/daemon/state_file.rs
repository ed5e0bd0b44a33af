//! Connections to the state file (`state_path`) for the host's own tables
//! (dead letters, status), beside the guest's keyvalue: WAL lets them share
//! the file, `synchronous=FULL` makes a row as durable as the checkpoint.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// The daemon's: creates the file (and its directory) if needed, then `schema`.
pub fn open(path: &Path, schema: &str) -> rusqlite::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Connection::open says why if this did not work.
        let _ = std::fs::create_dir_all(dir);
    }
    setup(Connection::open(path)?, schema)
}

/// The CLI's: `None` when the file is not there, a wrong `state_path` that
/// an empty answer would hide.
pub fn open_existing(path: &Path, schema: &str) -> rusqlite::Result<Option<Connection>> {
    if !path.exists() {
        return Ok(None);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    setup(Connection::open_with_flags(path, flags)?, schema).map(Some)
}

fn setup(conn: Connection, schema: &str) -> rusqlite::Result<Connection> {
    // The daemon may hold the write lock briefly.
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(schema)?;
    Ok(conn)
}
