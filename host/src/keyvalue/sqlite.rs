//! The default keyvalue backend: one SQLite file (`state_path`). WAL mode for
//! readers beside a writer, `synchronous=FULL` so that what is committed
//! survives a crash or power loss (the daemon's checkpoint depends on it).
//!
//! Writes are committed in groups (`Store::flush`), at the points where the
//! guest's effects leave the sandbox: before each outgoing HTTP request and
//! when a call returns. A crash loses at most the writes made since the
//! last such point, which leaves the state a crash at that point would
//! have: nothing outside saw what followed. The checkpoint's writes are
//! ordered so that a crash anywhere is safe, so this is too, and a poll of
//! 1,000 emails costs one commit instead of thousands.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

pub struct SqliteStore {
    conn: Mutex<Conn>,
}

struct Conn {
    conn: Connection,
    /// A write transaction is open, to be committed by `flush`.
    writing: bool,
}

impl Conn {
    /// Opens the write transaction if none is: IMMEDIATE, so that waiting
    /// for another process's write lock happens here, under busy_timeout,
    /// rather than at the commit.
    fn for_write(&mut self) -> anyhow::Result<&Connection> {
        if !self.writing {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.writing = true;
        }
        Ok(&self.conn)
    }
}

impl SqliteStore {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        // Another ews-host process may hold the write lock briefly.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS kv (
                bucket TEXT NOT NULL,
                key TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (bucket, key)
            ) WITHOUT ROWID;",
        )?;
        Ok(SqliteStore {
            conn: Mutex::new(Conn {
                conn,
                writing: false,
            }),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Conn> {
        // A panic while holding the lock cannot leave SQLite inconsistent:
        // an open transaction is committed or rolled back as a whole.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl super::Store for SqliteStore {
    fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let conn = &self.conn().conn;
        let mut stmt =
            conn.prepare_cached("SELECT value FROM kv WHERE bucket = ?1 AND key = ?2")?;
        Ok(stmt
            .query_row(params![bucket, key], |r| r.get(0))
            .optional()?)
    }

    fn set(&self, bucket: &str, key: &str, value: &[u8]) -> anyhow::Result<()> {
        let mut guard = self.conn();
        let conn = guard.for_write()?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO kv (bucket, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value",
        )?;
        stmt.execute(params![bucket, key, value])?;
        Ok(())
    }

    fn delete(&self, bucket: &str, key: &str) -> anyhow::Result<()> {
        let mut guard = self.conn();
        let conn = guard.for_write()?;
        let mut stmt = conn.prepare_cached("DELETE FROM kv WHERE bucket = ?1 AND key = ?2")?;
        stmt.execute(params![bucket, key])?;
        Ok(())
    }

    fn exists(&self, bucket: &str, key: &str) -> anyhow::Result<bool> {
        let conn = &self.conn().conn;
        let mut stmt = conn.prepare_cached("SELECT 1 FROM kv WHERE bucket = ?1 AND key = ?2")?;
        Ok(stmt.exists(params![bucket, key])?)
    }

    fn list_keys(&self, bucket: &str, offset: u64, limit: u64) -> anyhow::Result<Vec<String>> {
        let conn = &self.conn().conn;
        let mut stmt = conn.prepare_cached(
            "SELECT key FROM kv WHERE bucket = ?1 ORDER BY key LIMIT ?2 OFFSET ?3",
        )?;
        let rows = stmt.query_map(params![bucket, limit as i64, offset as i64], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<String>, _>>()?)
    }

    fn flush(&self) -> anyhow::Result<()> {
        let mut guard = self.conn();
        if guard.writing {
            // Whatever COMMIT answers, the transaction is over: a failed
            // one is rolled back (and the caller fails the call).
            guard.writing = false;
            if let Err(e) = guard.conn.execute_batch("COMMIT") {
                let _ = guard.conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
        Ok(())
    }
}

impl Drop for SqliteStore {
    /// A store dropped with writes open keeps them, as it would have
    /// before writes were grouped.
    fn drop(&mut self) {
        let _ = super::Store::flush(self);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ews-host-kv-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("state.sqlite3")
    }

    #[test]
    fn survives_reopen() {
        let path = temp_db("reopen");
        {
            let s = SqliteStore::open(&path).unwrap();
            s.set("ews", "oauth-token/x", b"v1").unwrap();
            s.set("ews", "oauth-token/x", b"v2").unwrap();
            s.set("ews", "gone", b"x").unwrap();
            s.delete("ews", "gone").unwrap();
            s.set("other", "k", b"o").unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(
            s.get("ews", "oauth-token/x").unwrap().as_deref(),
            Some(&b"v2"[..])
        );
        assert!(!s.exists("ews", "gone").unwrap());
        assert!(s.exists("other", "k").unwrap());
        assert_eq!(s.get("ews", "k").unwrap(), None, "buckets are separate");
    }

    #[test]
    fn writes_are_committed_as_a_group_at_flush() {
        let path = temp_db("group");
        let writer = SqliteStore::open(&path).unwrap();
        let reader = SqliteStore::open(&path).unwrap();
        writer.set("ews", "a", b"1").unwrap();
        writer.set("ews", "b", b"2").unwrap();
        writer.delete("ews", "a").unwrap();
        // The writer reads its own writes; another process does not, yet.
        assert_eq!(writer.get("ews", "b").unwrap().as_deref(), Some(&b"2"[..]));
        assert!(!reader.exists("ews", "b").unwrap());
        writer.flush().unwrap();
        assert_eq!(reader.get("ews", "b").unwrap().as_deref(), Some(&b"2"[..]));
        assert!(!reader.exists("ews", "a").unwrap());
        // Dropped with writes open: they are kept.
        writer.set("ews", "c", b"3").unwrap();
        drop(writer);
        assert!(reader.exists("ews", "c").unwrap());
    }

    #[test]
    fn lists_keys_in_pages() {
        let s = SqliteStore::open(&temp_db("list")).unwrap();
        for i in 0..5 {
            s.set("b", &format!("k{i}"), b"").unwrap();
        }
        assert_eq!(s.list_keys("b", 0, 2).unwrap(), ["k0", "k1"]);
        assert_eq!(s.list_keys("b", 4, 2).unwrap(), ["k4"]);
        assert!(s.list_keys("none", 0, 10).unwrap().is_empty());
    }
}
