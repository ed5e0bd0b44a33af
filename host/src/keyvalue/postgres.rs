//! `storage = "postgres"`: the component's keyvalue in a PostgreSQL database
//! that several hosts can share (issue 12; docs/fleet.md). The same contract
//! as the SQLite store: a call's writes are one transaction, committed by
//! `flush` before anything leaves the sandbox, and its reads see its writes.
//!
//! Connections come from a pool. A call runs on one thread, so the thread's
//! connection is the call's: it holds one from its first read or write to
//! its flush (one checkout per call, not per key), its first write begins
//! the transaction, and the calls of other mailboxes, on other threads, have
//! their own. A lost connection (the server restarted, a network cut)
//! fails the call that meets it, with its uncommitted writes gone, as in a
//! crash, which the component's write order makes safe; the pool connects
//! again for the next.
//!
//! With leases (crate::fleet), the first write of a transaction to a
//! mailbox's buckets asks the `Fence` first, on the same connection, so that
//! the check and the writes commit together or not at all.

use anyhow::Context;
use postgres::{Client, NoTls};
use r2d2_postgres::PostgresConnectionManager;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

pub type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;
/// A connection checked out of the pool (the store's, the leases', the
/// status rows' and the dead letters').
pub type Pooled = r2d2::PooledConnection<PostgresConnectionManager<NoTls>>;

/// The schema's versions, applied in order; `ews_schema` says how far.
/// Version 2: the fleet's leases and hosts (crate::fleet); 3: `status` rows;
/// 4: dead letters.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS ews_kv (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        value BYTEA NOT NULL,
        PRIMARY KEY (bucket, key)
    )",
    "CREATE TABLE IF NOT EXISTS ews_lease (
        scope TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        holder TEXT,
        token BIGINT NOT NULL,
        since TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ews_host (
        id TEXT PRIMARY KEY,
        seen TIMESTAMPTZ NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS ews_status (
        mailbox TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        host TEXT NOT NULL,
        pid BIGINT NOT NULL,
        since TIMESTAMPTZ NOT NULL,
        last_step TIMESTAMPTZ NOT NULL,
        steps BIGINT NOT NULL,
        failures_in_a_row BIGINT NOT NULL,
        failure TEXT,
        polled BIGINT NOT NULL,
        stored BIGINT NOT NULL,
        acked BIGINT NOT NULL,
        dead_lettered BIGINT NOT NULL,
        delivered BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS ews_dead_letter (
        id TEXT PRIMARY KEY,
        seq BIGSERIAL NOT NULL,
        time TIMESTAMPTZ NOT NULL,
        host TEXT NOT NULL,
        sink TEXT NOT NULL,
        reason TEXT NOT NULL,
        subject TEXT,
        record TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ews_dead_letter_file (
        id TEXT NOT NULL REFERENCES ews_dead_letter (id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        name TEXT NOT NULL,
        media_type TEXT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (id, n)
    )",
];

/// Whether a write to a mailbox's buckets may commit: the lease keeper
/// (crate::fleet::Fleet) answers, on the transaction's own connection.
pub trait Fence: Send + Sync {
    /// `Err` refuses the write: this host does not hold the scope's lease.
    fn check(&self, tx: &mut Client, scope: &str) -> anyhow::Result<()>;
}

/// The scope whose lease guards a bucket: the daemon's two per scope.
pub fn fenced_scope(bucket: &str) -> Option<&str> {
    ["ews-daemon-", "ews-pending-"]
        .iter()
        .find_map(|p| bucket.strip_prefix(p))
        .filter(|s| !s.is_empty())
}

pub struct PostgresStore {
    pool: Pool,
    /// Each thread's open transaction (a call in progress that wrote).
    open: Mutex<HashMap<ThreadId, Txn>>,
    fence: OnceLock<Arc<dyn Fence>>,
}

/// A call's hold on a connection: from its first read or write to its
/// flush (one checkout per call rather than per key), and the transaction
/// its first write began.
struct Txn {
    conn: Pooled,
    begun: bool,
    /// Scopes whose fence this transaction passed (and holds a lock on).
    fenced: HashSet<String>,
}

/// How the pool connects and what each new session is set to.
#[derive(Debug)]
struct Session {
    idle_in_transaction: Duration,
}

impl r2d2::CustomizeConnection<Client, postgres::Error> for Session {
    fn on_acquire(&self, conn: &mut Client) -> Result<(), postgres::Error> {
        // A paused or hung process must not hold a lease's row lock for
        // ever: the server ends a session idle inside a transaction.
        conn.batch_execute(&format!(
            "SET idle_in_transaction_session_timeout = {}",
            self.idle_in_transaction.as_millis().max(1)
        ))
    }
}

impl PostgresStore {
    /// Connects, and creates or migrates the schema. `url`: a `postgresql://`
    /// URL or `key=value` pairs; `password`, when given, wins over the URL's.
    /// `connections`: the pool's size; `idle_in_transaction`: how long the
    /// server lets a session sit in an open transaction.
    pub fn open(
        url: &str,
        password: Option<&str>,
        connections: u32,
        idle_in_transaction: Duration,
    ) -> anyhow::Result<Self> {
        let config = config(url, password)?;
        let pool = r2d2::Pool::builder()
            .max_size(connections.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(10))
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .connection_customizer(Box::new(Session {
                idle_in_transaction,
            }))
            .build_unchecked(PostgresConnectionManager::new(config.clone(), NoTls));
        // The first connection outside the pool: its error says why (the
        // pool's says only that it timed out).
        connect(&config)?;
        Ok(PostgresStore {
            pool,
            open: Mutex::new(HashMap::new()),
            fence: OnceLock::new(),
        })
    }

    /// The pool, for the lease keeper's own statements.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// From now on, writes to a mailbox's buckets ask `fence` first. Set
    /// once, before the first step.
    pub fn set_fence(&self, fence: Arc<dyn Fence>) {
        let _ = self.fence.set(fence);
    }

    fn take(&self) -> Option<Txn> {
        let me = std::thread::current().id();
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&me)
    }

    fn put(&self, txn: Txn) {
        let me = std::thread::current().id();
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(me, txn);
    }

    fn connection(&self) -> anyhow::Result<Pooled> {
        self.pool
            .get()
            .context("cannot connect to PostgreSQL (postgres_url)")
    }

    /// A read: on the thread's transaction if it has one (to see its own
    /// writes), else on any connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> anyhow::Result<T> {
        let txn = self.held()?;
        self.in_txn(txn, None, f)
    }

    /// The thread's connection, checked out at its first use in the call.
    fn held(&self) -> anyhow::Result<Txn> {
        Ok(match self.take() {
            Some(txn) => txn,
            None => Txn {
                conn: self.connection()?,
                begun: false,
                fenced: HashSet::new(),
            },
        })
    }

    /// A write to `bucket`, in the thread's transaction (begun if need be),
    /// after the fence of the bucket's scope, once per transaction.
    fn write(
        &self,
        bucket: &str,
        f: impl FnOnce(&mut Client) -> Result<(), postgres::Error>,
    ) -> anyhow::Result<()> {
        let mut txn = self.held()?;
        if !txn.begun {
            txn.conn.batch_execute("BEGIN").context("PostgreSQL")?;
            txn.begun = true;
        }
        let scope = self
            .fence
            .get()
            .and_then(|fence| Some((fence, fenced_scope(bucket)?)));
        self.in_txn(txn, scope, f)
    }

    /// Runs `f` in `txn`; an error ends the transaction (its writes are
    /// gone, as in a crash).
    fn in_txn<T>(
        &self,
        mut txn: Txn,
        fence: Option<(&Arc<dyn Fence>, &str)>,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> anyhow::Result<T> {
        if let Some((fence, scope)) = fence {
            if !txn.fenced.contains(scope) {
                if let Err(e) = fence.check(&mut txn.conn, scope) {
                    // The call fails; what it wrote before goes with it.
                    rollback(txn);
                    return Err(e);
                }
                txn.fenced.insert(scope.to_string());
            }
        }
        match f(&mut txn.conn) {
            Ok(v) => {
                self.put(txn);
                Ok(v)
            }
            Err(e) => {
                rollback(txn);
                Err(e).context("PostgreSQL")
            }
        }
    }
}

/// SQL for timestamp column `col` as `status` and `dead-letters` print
/// times: RFC 3339 UTC to the second, as the SQLite tables hold them.
pub fn utc_text(col: &str) -> String {
    format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
}

/// Ends `txn` without its writes, and gives its connection back.
fn rollback(mut txn: Txn) {
    if txn.begun && !txn.conn.is_closed() {
        let _ = txn.conn.batch_execute("ROLLBACK");
    }
}

fn config(url: &str, password: Option<&str>) -> anyhow::Result<postgres::Config> {
    let mut config: postgres::Config = url
        .parse()
        .context("postgres_url: expected postgresql://user@host/db or key=value pairs")?;
    if let Some(p) = password {
        config.password(p);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    Ok(config)
}

/// One connection, outside the pool, with the schema created or migrated.
/// Its error names the server, never the password (postgres leaves it out).
fn connect(config: &postgres::Config) -> anyhow::Result<Client> {
    let mut client = config
        .connect(NoTls)
        .context("cannot connect to PostgreSQL (postgres_url)")?;
    migrate(&mut client)?;
    Ok(client)
}

fn migrate(client: &mut Client) -> anyhow::Result<()> {
    let mut tx = client.transaction()?;
    // Hosts of a fleet start together: `CREATE TABLE IF NOT EXISTS` is not
    // safe against itself, so one of them migrates at a time.
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(7140375526839152416);
         CREATE TABLE IF NOT EXISTS ews_schema (version INTEGER NOT NULL);",
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
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT value FROM ews_kv WHERE bucket = $1 AND key = $2",
                &[&bucket, &key],
            )?
            .map(|r| r.get(0)))
        })
    }

    fn set(&self, bucket: &str, key: &str, value: &[u8]) -> anyhow::Result<()> {
        self.write(bucket, |c| {
            c.execute(
                "INSERT INTO ews_kv (bucket, key, value) VALUES ($1, $2, $3)
                 ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value",
                &[&bucket, &key, &value],
            )
            .map(drop)
        })
    }

    fn delete(&self, bucket: &str, key: &str) -> anyhow::Result<()> {
        self.write(bucket, |c| {
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
        self.read(|c| {
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

    /// Commits the calling thread's transaction (its call's writes) and
    /// gives its connection back.
    fn flush(&self) -> anyhow::Result<()> {
        match self.take() {
            Some(mut txn) if txn.begun => txn
                .conn
                .batch_execute("COMMIT")
                .context("PostgreSQL: commit"),
            _ => Ok(()),
        }
    }
}

impl Drop for PostgresStore {
    /// As the SQLite store: writes not yet flushed are kept, every thread's.
    fn drop(&mut self) {
        let open = std::mem::take(self.open.get_mut().unwrap_or_else(|p| p.into_inner()));
        for (_, mut txn) in open.into_iter().filter(|(_, t)| t.begun) {
            let _ = txn.conn.batch_execute("COMMIT");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(url: &str, password: Option<&str>) -> anyhow::Result<PostgresStore> {
        PostgresStore::open(url, password, 2, Duration::from_secs(15))
    }

    #[test]
    fn a_bad_url_names_postgres_url_and_an_absent_server_says_so() {
        let Err(e) = open("postgresql://ews@[::1", None) else {
            panic!("a URL that does not parse")
        };
        assert!(format!("{e:#}").contains("postgres_url: expected"), "{e:#}");
        let dir = std::env::temp_dir().join(format!("ews-no-pg-{}", std::process::id()));
        let url = format!("host={} port=1 user=ews dbname=ews", dir.display());
        let Err(e) = open(&url, Some("s3cret-password")) else {
            panic!("no server there")
        };
        let text = format!("{e:#}");
        assert!(
            text.contains("cannot connect to PostgreSQL (postgres_url)"),
            "{text}"
        );
        assert!(!text.contains("s3cret-password"), "{text}");
    }

    #[test]
    fn only_the_daemons_buckets_are_fenced() {
        assert_eq!(fenced_scope("ews-daemon-0123abcd"), Some("0123abcd"));
        assert_eq!(fenced_scope("ews-pending-0123abcd"), Some("0123abcd"));
        assert_eq!(fenced_scope("ews"), None);
        assert_eq!(fenced_scope("ews-daemon-"), None);
    }
}
