//! `storage = "postgres"`: the component's keyvalue in a PostgreSQL database
//! that several hosts can share (issue 12; docs/fleet.md). The same contract
//! as the SQLite store: writes are grouped in one transaction, committed by
//! `flush` before anything leaves the sandbox; reads go through the same
//! connection, so a call sees its own writes.
//!
//! A lost connection (the server restarted, a network cut) is an error for
//! the call that meets it, with its uncommitted writes gone, as in a crash,
//! which the component's write order makes safe; the next call connects
//! again. The schema is created, and migrated, at start.

use anyhow::Context;
use postgres::{Client, NoTls};
use std::sync::Mutex;

/// The schema's versions, applied in order; `ews_schema` says how far.
const MIGRATIONS: &[&str] = &["CREATE TABLE IF NOT EXISTS ews_kv (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        value BYTEA NOT NULL,
        PRIMARY KEY (bucket, key)
    )"];

pub struct PostgresStore {
    config: postgres::Config,
    conn: Mutex<Conn>,
}

struct Conn {
    client: Option<Client>,
    /// A transaction is open, to be committed by `flush`.
    writing: bool,
}

impl PostgresStore {
    /// Connects, and creates or migrates the schema. `url`: a `postgresql://`
    /// URL or `key=value` pairs; `password`, when given, wins over the URL's.
    pub fn open(url: &str, password: Option<&str>) -> anyhow::Result<Self> {
        let mut config: postgres::Config = url
            .parse()
            .context("postgres_url: expected postgresql://user@host/db or key=value pairs")?;
        if let Some(p) = password {
            config.password(p);
        }
        let mut client = connect(&config)?;
        migrate(&mut client)?;
        Ok(PostgresStore {
            config,
            conn: Mutex::new(Conn {
                client: Some(client),
                writing: false,
            }),
        })
    }

    /// Runs `f` on the connection (connecting again if the last one broke);
    /// `write` opens the group's transaction first. A failure on a closed
    /// connection drops it, and any open transaction with it.
    fn with<T>(
        &self,
        write: bool,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> anyhow::Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if conn.client.as_ref().is_none_or(Client::is_closed) {
            conn.client = None;
            conn.writing = false;
            conn.client = Some(connect(&self.config)?);
        }
        let (result, closed) = {
            let Conn { client, writing } = &mut *conn;
            let Some(client) = client.as_mut() else {
                anyhow::bail!("no connection to PostgreSQL");
            };
            let run = || {
                if write && !*writing {
                    client.batch_execute("BEGIN")?;
                    *writing = true;
                }
                f(client)
            };
            let result = run();
            (result, client.is_closed())
        };
        if result.is_err() && closed {
            conn.client = None;
            conn.writing = false;
        }
        result.context("PostgreSQL")
    }
}

fn connect(config: &postgres::Config) -> anyhow::Result<Client> {
    // The error names the server, never the password (postgres leaves it out).
    config
        .connect(NoTls)
        .context("cannot connect to PostgreSQL (postgres_url)")
}

fn migrate(client: &mut Client) -> anyhow::Result<()> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ews_schema (version INTEGER NOT NULL);
         LOCK TABLE ews_schema IN EXCLUSIVE MODE;",
    )?;
    let done: i32 = tx
        .query_opt("SELECT version FROM ews_schema", &[])?
        .map_or(0, |r| r.get(0));
    for (n, step) in MIGRATIONS.iter().enumerate().skip(done as usize) {
        tx.batch_execute(step)
            .with_context(|| format!("migrating the schema to version {}", n + 1))?;
    }
    let now = MIGRATIONS.len() as i32;
    if done == 0 {
        tx.execute("INSERT INTO ews_schema (version) VALUES ($1)", &[&now])?;
    } else if done < now {
        tx.execute("UPDATE ews_schema SET version = $1", &[&now])?;
    }
    tx.commit()?;
    Ok(())
}

impl super::Store for PostgresStore {
    fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        self.with(false, |c| {
            Ok(c.query_opt(
                "SELECT value FROM ews_kv WHERE bucket = $1 AND key = $2",
                &[&bucket, &key],
            )?
            .map(|r| r.get(0)))
        })
    }

    fn set(&self, bucket: &str, key: &str, value: &[u8]) -> anyhow::Result<()> {
        self.with(true, |c| {
            c.execute(
                "INSERT INTO ews_kv (bucket, key, value) VALUES ($1, $2, $3)
                 ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value",
                &[&bucket, &key, &value],
            )
            .map(drop)
        })
    }

    fn delete(&self, bucket: &str, key: &str) -> anyhow::Result<()> {
        self.with(true, |c| {
            c.execute(
                "DELETE FROM ews_kv WHERE bucket = $1 AND key = $2",
                &[&bucket, &key],
            )
            .map(drop)
        })
    }

    fn exists(&self, bucket: &str, key: &str) -> anyhow::Result<bool> {
        Ok(self.get(bucket, key)?.is_some())
    }

    fn list_keys(&self, bucket: &str, offset: u64, limit: u64) -> anyhow::Result<Vec<String>> {
        let (offset, limit) = (offset as i64, limit as i64);
        self.with(false, |c| {
            // Byte order, as SQLite's: the same pages whatever the locale.
            Ok(c.query(
                "SELECT key FROM ews_kv WHERE bucket = $1 ORDER BY key COLLATE \"C\"
                 LIMIT $2 OFFSET $3",
                &[&bucket, &limit, &offset],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    fn flush(&self) -> anyhow::Result<()> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if !conn.writing {
            return Ok(());
        }
        // Whatever COMMIT answers, the transaction is over.
        conn.writing = false;
        let Some(client) = conn.client.as_mut() else {
            anyhow::bail!("the connection to PostgreSQL was lost before the commit");
        };
        let result = client.batch_execute("COMMIT");
        if result.is_err() && client.is_closed() {
            conn.client = None;
        }
        result.context("PostgreSQL: commit")
    }
}

impl Drop for PostgresStore {
    /// As the SQLite store: writes not yet flushed are kept.
    fn drop(&mut self) {
        let _ = super::Store::flush(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_names_postgres_url_and_an_absent_server_says_so() {
        let Err(e) = PostgresStore::open("postgresql://ews@[::1", None) else {
            panic!("a URL that does not parse")
        };
        assert!(format!("{e:#}").contains("postgres_url: expected"), "{e:#}");
        let dir = std::env::temp_dir().join(format!("ews-no-pg-{}", std::process::id()));
        let url = format!("host={} port=1 user=ews dbname=ews", dir.display());
        let Err(e) = PostgresStore::open(&url, Some("s3cret-password")) else {
            panic!("no server there")
        };
        let text = format!("{e:#}");
        assert!(
            text.contains("cannot connect to PostgreSQL (postgres_url)"),
            "{text}"
        );
        assert!(!text.contains("s3cret-password"), "{text}");
    }
}
