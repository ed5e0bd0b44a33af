//! What each mailbox's daemon did last, kept in the state database
//! (`state_path`, table `daemon_status`) after every step, so that
//! `ews-host status` can show an operator, from another process, which host
//! and process serve a mailbox, since when, the last step's result and counts.
//! Informational: a row that cannot be written never fails a step.

use super::scheduler::StepReport;
use super::state_file;
use crate::error::Failure;
use rusqlite::{params, Connection};
use serde::Serialize;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS daemon_status (
    mailbox TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    since TEXT NOT NULL,
    last_step TEXT NOT NULL,
    steps INTEGER NOT NULL,
    failures_in_a_row INTEGER NOT NULL,
    failure TEXT,
    polled INTEGER NOT NULL,
    stored INTEGER NOT NULL,
    acked INTEGER NOT NULL,
    dead_lettered INTEGER NOT NULL,
    delivered INTEGER NOT NULL
);";

/// One mailbox as `ews-host status` prints it (keys in this order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The `[[mailboxes]]` entry's name, or `<address> <folder>`.
    pub mailbox: String,
    pub host: String,
    pub pid: i64,
    /// When this process started serving it, RFC 3339 UTC.
    pub since: String,
    pub last_step: String,
    pub steps: i64,
    /// `null` when the last step succeeded: `"<kind>: <message>"` otherwise.
    pub failure: Option<String>,
    pub failures_in_a_row: i64,
    /// The last step's counts.
    pub polled: i64,
    pub stored: i64,
    pub acked: i64,
    pub dead_lettered: i64,
    /// Acked by this process since `since`.
    pub delivered: i64,
}

pub struct StatusBook {
    conn: Connection,
    mailbox: String,
}

impl StatusBook {
    /// The daemon's, for one mailbox: its row now says this process serves it.
    pub fn open(path: &Path, mailbox: &str) -> rusqlite::Result<StatusBook> {
        let conn = state_file::open(path, SCHEMA)?;
        conn.execute(
            "INSERT OR REPLACE INTO daemon_status (mailbox, host, pid, since, last_step, steps,
             failures_in_a_row, failure, polled, stored, acked, dead_lettered, delivered)
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), '', 0, 0, NULL, 0, 0, 0, 0, 0)",
            params![mailbox, host_name(), std::process::id()],
        )?;
        Ok(StatusBook {
            conn,
            mailbox: mailbox.to_string(),
        })
    }

    pub fn record(&self, report: &Result<StepReport, Failure>) -> rusqlite::Result<()> {
        let (failure, r) = match report {
            Ok(r) => (r.failure.as_ref().map(describe), Some(r)),
            Err(f) => (Some(describe(f)), None),
        };
        let count = |f: fn(&StepReport) -> usize| r.map_or(0, f) as i64;
        self.conn.execute(
            "UPDATE daemon_status SET last_step = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
             steps = steps + 1,
             failures_in_a_row = CASE WHEN ?2 IS NULL THEN 0 ELSE failures_in_a_row + 1 END,
             failure = ?2, polled = ?3, stored = ?4, acked = ?5, dead_lettered = ?6,
             delivered = delivered + ?5
             WHERE mailbox = ?1",
            params![
                self.mailbox,
                failure,
                count(|r| r.polled),
                count(|r| r.stored),
                count(|r| r.acked),
                count(|r| r.dead_lettered.len()),
            ],
        )?;
        Ok(())
    }
}

fn describe(f: &Failure) -> String {
    format!("{}: {}", f.kind.as_str(), f.message)
}

/// Every mailbox's row, by name; `None` when the state file does not exist.
pub fn list(path: &Path) -> rusqlite::Result<Option<Vec<Row>>> {
    let Some(conn) = state_file::open_existing(path, SCHEMA)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT mailbox, host, pid, since, last_step, steps, failure, failures_in_a_row,
         polled, stored, acked, dead_lettered, delivered FROM daemon_status ORDER BY mailbox",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Row {
            mailbox: r.get(0)?,
            host: r.get(1)?,
            pid: r.get(2)?,
            since: r.get(3)?,
            last_step: r.get(4)?,
            steps: r.get(5)?,
            failure: r.get(6)?,
            failures_in_a_row: r.get(7)?,
            polled: r.get(8)?,
            stored: r.get(9)?,
            acked: r.get(10)?,
            dead_lettered: r.get(11)?,
            delivered: r.get(12)?,
        })
    })?;
    rows.collect::<Result<Vec<_>, _>>().map(Some)
}

/// This machine's name, as `hostname` prints it.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}
