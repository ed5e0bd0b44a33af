//! Dead letters: the items a sink refused for good (an engine's 413 or 422,
//! a record the dir sink cannot hold), kept with the sink's reason, the
//! record and its files. Writing one is what allows the daemon to ack such
//! an item, so that one email the engine rejects does not stop ingestion;
//! `ews-host dead-letters` lists, exports and deletes them.
//!
//! Where: the state file (`state_path`), on a connection of its own beside
//! the guest's keyvalue (WAL lets the two share it, and `synchronous=FULL`
//! makes a dead letter as durable as the checkpoint that the ack writes
//! after it); or, with `storage = "postgres"`, the fleet's database
//! (`ews_dead_letter`), so that an acked email never lives only on the disk
//! of one host of a fleet, and every host's are in one place.

use super::state_file;
use crate::bindings::exports::soar::integration::daemon::Item;
use crate::bindings::soar::integration::types::File;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS dead_letters (
    id TEXT PRIMARY KEY,
    time TEXT NOT NULL,
    sink TEXT NOT NULL,
    reason TEXT NOT NULL,
    subject TEXT,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letter_files (
    id TEXT NOT NULL,
    n INTEGER NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (id, n)
) WITHOUT ROWID;";

/// One dead letter as `dead-letters list` prints it (keys in this order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: String,
    /// When it was refused, RFC 3339 UTC.
    pub time: String,
    pub sink: String,
    pub reason: String,
    /// The record's `subject`, when it has one.
    pub subject: Option<String>,
    pub files: u64,
    pub bytes: u64,
    /// With `storage = "postgres"`: the host whose sink refused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

pub struct DeadLetters {
    conn: Backend,
}

enum Backend {
    File(Connection),
    Postgres(crate::keyvalue::postgres::Pool),
}

/// A failure of either database, as text for the daemon's log and the CLI.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error(e.to_string())
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error(format!("PostgreSQL: {e}"))
    }
}

type Result<T> = std::result::Result<T, Error>;

impl DeadLetters {
    /// The daemon's: creates the file if needed.
    pub fn open(path: &Path) -> Result<DeadLetters> {
        let conn = state_file::open(path, SCHEMA)?;
        Ok(DeadLetters {
            conn: Backend::File(conn),
        })
    }

    /// The CLI's: `None` when the state file is not there.
    pub fn open_existing(path: &Path) -> Result<Option<DeadLetters>> {
        Ok(
            state_file::open_existing(path, SCHEMA)?.map(|conn| DeadLetters {
                conn: Backend::File(conn),
            }),
        )
    }

    /// In the fleet's database (its schema made by keyvalue::postgres).
    pub fn postgres(pool: crate::keyvalue::postgres::Pool) -> DeadLetters {
        DeadLetters {
            conn: Backend::Postgres(pool),
        }
    }

    /// Keeps `item` (replacing an earlier letter of the same id: the item
    /// came again because its ack did not happen), committed before this
    /// returns.
    pub fn put(&mut self, item: &Item, sink: &str, reason: &str) -> Result<()> {
        let subject = serde_json::from_str::<serde_json::Value>(&item.json)
            .ok()
            .and_then(|v| v.get("subject")?.as_str().map(String::from));
        let conn = match &mut self.conn {
            Backend::File(conn) => conn,
            Backend::Postgres(pool) => {
                return pg::put(&mut *pg::client(pool)?, item, sink, reason, subject)
            }
        };
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM dead_letter_files WHERE id = ?1", [&item.id])?;
        tx.execute(
            "INSERT OR REPLACE INTO dead_letters (id, time, sink, reason, subject, record)
             VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3, ?4, ?5)",
            params![item.id, sink, reason, subject, item.json],
        )?;
        for (n, f) in item.files.iter().enumerate() {
            tx.execute(
                "INSERT INTO dead_letter_files (id, n, name, media_type, data)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![item.id, n as i64, f.name, f.media_type, f.data],
            )?;
        }
        Ok(tx.commit()?)
    }

    /// Oldest first: in the order they were kept (a replaced letter is
    /// inserted anew), which the time's whole seconds cannot tell.
    pub fn list(&mut self) -> Result<Vec<Entry>> {
        let conn = match &mut self.conn {
            Backend::File(conn) => conn,
            Backend::Postgres(pool) => return pg::list(&mut *pg::client(pool)?),
        };
        let mut stmt = conn.prepare(
            "SELECT d.id, d.time, d.sink, d.reason, d.subject,
                    COUNT(f.n), COALESCE(SUM(LENGTH(f.data)), 0)
             FROM dead_letters d LEFT JOIN dead_letter_files f ON f.id = d.id
             GROUP BY d.id ORDER BY d.rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Entry {
                id: r.get(0)?,
                time: r.get(1)?,
                sink: r.get(2)?,
                reason: r.get(3)?,
                subject: r.get(4)?,
                files: r.get(5)?,
                bytes: r.get(6)?,
                host: None,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The item as the sink was given it.
    pub fn get(&mut self, id: &str) -> Result<Option<Item>> {
        let conn = match &mut self.conn {
            Backend::File(conn) => conn,
            Backend::Postgres(pool) => return pg::get(&mut *pg::client(pool)?, id),
        };
        let json: Option<String> = conn
            .query_row("SELECT record FROM dead_letters WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(json) = json else {
            return Ok(None);
        };
        let mut stmt = conn.prepare(
            "SELECT name, media_type, data FROM dead_letter_files WHERE id = ?1 ORDER BY n",
        )?;
        let files = stmt
            .query_map([id], |r| {
                Ok(File {
                    name: r.get(0)?,
                    media_type: r.get(1)?,
                    data: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<File>>>()?;
        Ok(Some(Item {
            id: id.to_string(),
            json,
            files,
        }))
    }

    /// False when there was no such letter.
    pub fn delete(&mut self, id: &str) -> Result<bool> {
        let conn = match &mut self.conn {
            Backend::File(conn) => conn,
            Backend::Postgres(pool) => {
                let n = pg::client(pool)?
                    .execute("DELETE FROM ews_dead_letter WHERE id = $1", &[&id])?;
                return Ok(n > 0);
            }
        };
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM dead_letter_files WHERE id = ?1", [id])?;
        let n = tx.execute("DELETE FROM dead_letters WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    }
}

/// The same four operations on the fleet's tables; a letter's files go with
/// it (`ON DELETE CASCADE`), and `seq` orders them as they were kept.
mod pg {
    use super::{Entry, Error, Item, Result};
    use crate::bindings::soar::integration::types::File;
    use crate::keyvalue::postgres::{utc_text, Pool, Pooled};

    pub fn client(pool: &Pool) -> Result<Pooled> {
        pool.get()
            .map_err(|e| Error(format!("cannot reach PostgreSQL: {e}")))
    }

    pub fn put(
        c: &mut postgres::Client,
        item: &Item,
        sink: &str,
        reason: &str,
        subject: Option<String>,
    ) -> Result<()> {
        let mut tx = c.transaction()?;
        tx.execute("DELETE FROM ews_dead_letter WHERE id = $1", &[&item.id])?;
        tx.execute(
            "INSERT INTO ews_dead_letter (id, time, host, sink, reason, subject, record)
             VALUES ($1, now(), $2, $3, $4, $5, $6)",
            &[
                &item.id,
                &crate::daemon::status::host_name(),
                &sink,
                &reason,
                &subject,
                &item.json,
            ],
        )?;
        for (n, f) in item.files.iter().enumerate() {
            tx.execute(
                "INSERT INTO ews_dead_letter_file (id, n, name, media_type, data)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&item.id, &(n as i32), &f.name, &f.media_type, &f.data],
            )?;
        }
        Ok(tx.commit()?)
    }

    pub fn list(c: &mut postgres::Client) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT d.id, {}, d.sink, d.reason, d.subject, COUNT(f.n),
                    COALESCE(SUM(octet_length(f.data)), 0)::BIGINT, d.host
             FROM ews_dead_letter d LEFT JOIN ews_dead_letter_file f ON f.id = d.id
             GROUP BY d.seq, d.id ORDER BY d.seq",
            utc_text("d.time")
        );
        let rows = c.query(&sql, &[])?;
        Ok(rows
            .iter()
            .map(|r| Entry {
                id: r.get(0),
                time: r.get(1),
                sink: r.get(2),
                reason: r.get(3),
                subject: r.get(4),
                files: r.get::<_, i64>(5) as u64,
                bytes: r.get::<_, i64>(6) as u64,
                host: Some(r.get(7)),
            })
            .collect())
    }

    pub fn get(c: &mut postgres::Client, id: &str) -> Result<Option<Item>> {
        let Some(row) = c.query_opt("SELECT record FROM ews_dead_letter WHERE id = $1", &[&id])?
        else {
            return Ok(None);
        };
        let files = c
            .query(
                "SELECT name, media_type, data FROM ews_dead_letter_file WHERE id = $1 ORDER BY n",
                &[&id],
            )?
            .iter()
            .map(|r| File {
                name: r.get(0),
                media_type: r.get(1),
                data: r.get(2),
            })
            .collect();
        Ok(Some(Item {
            id: id.to_string(),
            json: row.get(0),
            files,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::sinks::test_items::{item, scratch};
    use super::*;

    fn temp_db(name: &str) -> std::path::PathBuf {
        scratch(&format!("dead-letters-{name}")).join("state.sqlite3")
    }

    #[test]
    fn keeps_lists_gives_back_and_deletes() {
        let path = temp_db("cycle");
        {
            let mut d = DeadLetters::open(&path).unwrap();
            d.put(
                &item("ews-1", &[("message.eml", b"mime"), ("a.pdf", b"%PDF")]),
                "http",
                "engine_api_url answered HTTP 422: bad",
            )
            .unwrap();
            let mut no_subject = item("ews-2", &[]);
            no_subject.json = "{not json".into();
            d.put(&no_subject, "dir", "the component's record is not JSON")
                .unwrap();
        }
        // Another process (the CLI) sees what the daemon committed.
        let mut d = DeadLetters::open_existing(&path).unwrap().unwrap();
        let list = d.list().unwrap();
        let ids: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["ews-1", "ews-2"]);
        let first = &list[0];
        assert_eq!(first.sink, "http");
        assert_eq!(first.reason, "engine_api_url answered HTTP 422: bad");
        assert_eq!(first.subject.as_deref(), Some("hi"));
        assert_eq!((first.files, first.bytes), (2, 8));
        assert!(
            first.time.ends_with('Z') && first.time.len() == 20,
            "{}",
            first.time
        );
        let second = &list[1];
        assert_eq!((second.subject.as_deref(), second.files), (None, 0));

        let back = d.get("ews-1").unwrap().unwrap();
        let original = item("ews-1", &[("message.eml", b"mime"), ("a.pdf", b"%PDF")]);
        assert_eq!(back.json, original.json);
        let names: Vec<&str> = back.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["message.eml", "a.pdf"], "in the item's order");
        assert_eq!(back.files[1].data, b"%PDF");
        assert_eq!(back.files[1].media_type, "application/octet-stream");
        assert_eq!(d.get("ews-9").unwrap().map(|i| i.id), None);

        assert!(d.delete("ews-1").unwrap());
        assert!(!d.delete("ews-1").unwrap());
        assert_eq!(d.list().unwrap().len(), 1);
        assert_eq!(d.get("ews-1").unwrap().map(|i| i.id), None);
    }

    #[test]
    fn the_same_item_again_replaces_its_letter() {
        let mut d = DeadLetters::open(&temp_db("again")).unwrap();
        d.put(
            &item("ews-1", &[("a", b"1"), ("b", b"2")]),
            "http",
            "HTTP 413",
        )
        .unwrap();
        d.put(&item("ews-2", &[]), "http", "HTTP 400").unwrap();
        d.put(&item("ews-1", &[("a", b"1")]), "http", "HTTP 422")
            .unwrap();
        let list = d.list().unwrap();
        let ids: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["ews-2", "ews-1"], "the latest refusal counts");
        assert_eq!((list[1].reason.as_str(), list[1].files), ("HTTP 422", 1));
    }

    #[test]
    fn a_missing_state_file_is_not_created_by_the_cli() {
        let path = temp_db("missing");
        assert!(DeadLetters::open_existing(&path).unwrap().is_none());
        assert!(!path.exists());
    }
}
