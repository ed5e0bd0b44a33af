//! What each mailbox's daemon did last, kept after every step, so that
//! `ews-host status` can show an operator, from another process, which host
//! and process serve a mailbox, since when, the last step's result and counts.
//! In the state file (`state_path`, table `daemon_status`), or with
//! `storage = "postgres"` in the fleet's database (`ews_status`, beside the
//! leases: every host's mailboxes in one place). Informational: a row that
//! cannot be written never fails a step.

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
    /// With `storage = "postgres"`: the mailbox's lease now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
}

/// A lease row, as `status` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lease {
    /// `<hostname>/<pid>/<random>`; `null` when let go.
    pub holder: Option<String>,
    pub token: i64,
    /// When its holder took it.
    pub since: String,
    pub expires: String,
    /// Not expired, by the database's clock.
    pub live: bool,
}

pub struct StatusBook {
    conn: Backend,
    mailbox: String,
}

enum Backend {
    File(Connection),
    /// The fleet's database, and the mailbox's scope (the lease's key).
    Postgres(crate::keyvalue::postgres::Pool, String),
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
            conn: Backend::File(conn),
            mailbox: mailbox.to_string(),
        })
    }

    /// A fleet member's, in the shared database: the row changes hands with
    /// the mailbox's lease, at the first step of its new holder.
    pub fn postgres(pool: crate::keyvalue::postgres::Pool, mailbox: &str, scope: &str) -> Self {
        StatusBook {
            conn: Backend::Postgres(pool, scope.to_string()),
            mailbox: mailbox.to_string(),
        }
    }

    pub fn record(&self, report: &Result<StepReport, Failure>) -> Result<(), String> {
        let (failure, r) = match report {
            Ok(r) => (r.failure.as_ref().map(describe), Some(r)),
            Err(f) => (Some(describe(f)), None),
        };
        let count = |f: fn(&StepReport) -> usize| r.map_or(0, f) as i64;
        let counts = [
            count(|r| r.polled),
            count(|r| r.stored),
            count(|r| r.acked),
            count(|r| r.dead_lettered.len()),
        ];
        let conn = match &self.conn {
            Backend::File(conn) => conn,
            Backend::Postgres(pool, scope) => {
                let mut c = pool.get().map_err(|e| e.to_string())?;
                return record_postgres(&mut c, &self.mailbox, scope, failure, counts)
                    .map_err(|e| e.to_string());
            }
        };
        conn.execute(
            "UPDATE daemon_status SET last_step = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
             steps = steps + 1,
             failures_in_a_row = CASE WHEN ?2 IS NULL THEN 0 ELSE failures_in_a_row + 1 END,
             failure = ?2, polled = ?3, stored = ?4, acked = ?5, dead_lettered = ?6,
             delivered = delivered + ?5
             WHERE mailbox = ?1",
            params![
                self.mailbox,
                failure,
                counts[0],
                counts[1],
                counts[2],
                counts[3]
            ],
        )
        .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// The row of a mailbox in the fleet's database. A host that was not the
/// last to write it starts it afresh: it serves the mailbox since now.
fn record_postgres(
    c: &mut postgres::Client,
    mailbox: &str,
    scope: &str,
    failure: Option<String>,
    [polled, stored, acked, dead]: [i64; 4],
) -> Result<(), postgres::Error> {
    c.execute(
        "INSERT INTO ews_status AS s (mailbox, scope, host, pid, since, last_step, steps,
             failures_in_a_row, failure, polled, stored, acked, dead_lettered, delivered)
         VALUES ($1, $2, $3, $4, now(), now(), 1, CASE WHEN $5::text IS NULL THEN 0 ELSE 1 END,
             $5, $6, $7, $8, $9, $8)
         ON CONFLICT (mailbox) DO UPDATE SET
             since = CASE WHEN s.host = excluded.host AND s.pid = excluded.pid
                     THEN s.since ELSE excluded.since END,
             steps = CASE WHEN s.host = excluded.host AND s.pid = excluded.pid
                     THEN s.steps + 1 ELSE 1 END,
             delivered = CASE WHEN s.host = excluded.host AND s.pid = excluded.pid
                     THEN s.delivered + excluded.acked ELSE excluded.acked END,
             failures_in_a_row = CASE WHEN excluded.failure IS NULL THEN 0
                     ELSE s.failures_in_a_row + 1 END,
             scope = excluded.scope, host = excluded.host, pid = excluded.pid,
             last_step = excluded.last_step, failure = excluded.failure,
             polled = excluded.polled, stored = excluded.stored, acked = excluded.acked,
             dead_lettered = excluded.dead_lettered",
        &[
            &mailbox,
            &scope,
            &host_name(),
            &i64::from(std::process::id()),
            &failure,
            &polled,
            &stored,
            &acked,
            &dead,
        ],
    )
    .map(drop)
}

/// Every mailbox's row in the fleet's database, with its lease, by name.
pub fn list_postgres(c: &mut postgres::Client) -> Result<Vec<Row>, postgres::Error> {
    use crate::keyvalue::postgres::utc_text as utc;
    let sql = format!(
        "SELECT s.mailbox, s.host, s.pid, {}, {}, s.steps, s.failure, s.failures_in_a_row,
             s.polled, s.stored, s.acked, s.dead_lettered, s.delivered,
             l.scope IS NOT NULL, l.holder, l.token, {}, {}, l.expires_at > now()
         FROM ews_status s LEFT JOIN ews_lease l ON l.scope = s.scope
         ORDER BY s.mailbox",
        utc("s.since"),
        utc("s.last_step"),
        utc("l.since"),
        utc("l.expires_at"),
    );
    Ok(c.query(&sql, &[])?
        .iter()
        .map(|r| Row {
            mailbox: r.get(0),
            host: r.get(1),
            pid: r.get(2),
            since: r.get(3),
            last_step: r.get(4),
            steps: r.get(5),
            failure: r.get(6),
            failures_in_a_row: r.get(7),
            polled: r.get(8),
            stored: r.get(9),
            acked: r.get(10),
            dead_lettered: r.get(11),
            delivered: r.get(12),
            lease: r.get::<_, bool>(13).then(|| Lease {
                holder: r.get(14),
                token: r.get(15),
                since: r.get(16),
                expires: r.get(17),
                live: r.get(18),
            }),
        })
        .collect())
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
            lease: None,
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
