//! `wasi:keyvalue/store@0.2.0-draft` over a host-side `Store` trait, so that
//! the embedded SQLite file can be swapped for a shared database (Spin's
//! factor-key-value `StoreManager`/`Store` split).

pub mod postgres;
pub mod sqlite;

use crate::bindings::wasi::keyvalue::store::{Error, Host, HostBucket, KeyResponse};
use std::sync::Arc;
use wasmtime::component::{Resource, ResourceTable};

/// A durable key-value backend, shared by every call of the process.
pub trait Store: Send + Sync {
    fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    fn set(&self, bucket: &str, key: &str, value: &[u8]) -> anyhow::Result<()>;
    fn delete(&self, bucket: &str, key: &str) -> anyhow::Result<()>;
    fn exists(&self, bucket: &str, key: &str) -> anyhow::Result<bool>;
    /// Keys in a stable order, `limit` of them after the first `offset`.
    fn list_keys(&self, bucket: &str, offset: u64, limit: u64) -> anyhow::Result<Vec<String>>;
    /// Makes every write so far durable. A backend may hold writes until
    /// then; the host flushes before anything leaves the sandbox (an
    /// outgoing request, a call's result), so the guest can never have
    /// shown the world a state that a crash would lose.
    fn flush(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The guest's handle to an opened bucket.
pub struct Bucket {
    name: String,
}

/// Keys per `list-keys` page; the cursor is the count already returned.
const PAGE: u64 = 1000;

/// Per-store state: its own resource table, so keyvalue needs nothing from
/// the other capabilities.
pub struct KvState {
    pub table: ResourceTable,
    pub store: Arc<dyn Store>,
}

impl KvState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        KvState {
            table: ResourceTable::new(),
            store,
        }
    }

    fn name(&self, bucket: &Resource<Bucket>) -> wasmtime::Result<String> {
        Ok(self.table.get(bucket)?.name.clone())
    }
}

/// A backend failure is reported to the guest (it may retry or fail the
/// call cleanly) rather than trapping it.
fn other(e: anyhow::Error) -> Error {
    Error::Other(format!("{e:#}"))
}

/// Bucket names are namespaces inside one file; keep them printable.
fn valid_bucket(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The buckets the component may open (Spin's `key_value_stores`, with the
/// daemon's per-scope buckets as prefixes): `ews` for the token cache, and
/// `ews-daemon-<scope>`, `ews-pending-<scope>` for each mailbox and folder it
/// watches (docs/contract.md). Another name is `access-denied`.
const ALLOWED: &[&str] = &["ews"];
const ALLOWED_PREFIXES: &[&str] = &["ews-daemon-", "ews-pending-"];

fn allowed(name: &str) -> bool {
    ALLOWED.contains(&name)
        || ALLOWED_PREFIXES
            .iter()
            .any(|p| name.len() > p.len() && name.starts_with(p))
}

impl Host for KvState {
    fn open(&mut self, identifier: String) -> wasmtime::Result<Result<Resource<Bucket>, Error>> {
        if !valid_bucket(&identifier) {
            return Ok(Err(Error::NoSuchStore));
        }
        if !allowed(&identifier) {
            return Ok(Err(Error::AccessDenied));
        }
        Ok(Ok(self.table.push(Bucket { name: identifier })?))
    }
}

impl HostBucket for KvState {
    fn get(
        &mut self,
        b: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let name = self.name(&b)?;
        Ok(self.store.get(&name, &key).map_err(other))
    }

    fn set(
        &mut self,
        b: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let name = self.name(&b)?;
        Ok(self.store.set(&name, &key, &value).map_err(other))
    }

    fn delete(&mut self, b: Resource<Bucket>, key: String) -> wasmtime::Result<Result<(), Error>> {
        let name = self.name(&b)?;
        Ok(self.store.delete(&name, &key).map_err(other))
    }

    fn exists(
        &mut self,
        b: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let name = self.name(&b)?;
        Ok(self.store.exists(&name, &key).map_err(other))
    }

    fn list_keys(
        &mut self,
        b: Resource<Bucket>,
        cursor: Option<u64>,
    ) -> wasmtime::Result<Result<KeyResponse, Error>> {
        let name = self.name(&b)?;
        let offset = cursor.unwrap_or(0);
        Ok(self
            .store
            .list_keys(&name, offset, PAGE + 1)
            .map_err(other)
            .map(|mut keys| {
                // One key more than a page tells whether another page exists.
                let more = keys.len() as u64 > PAGE;
                keys.truncate(PAGE as usize);
                let cursor = more.then(|| offset + PAGE);
                KeyResponse { keys, cursor }
            }))
    }

    fn drop(&mut self, b: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(b)?;
        Ok(())
    }
}

/// The store while no state file is open (`describe`): every operation fails
/// with a message, none traps.
pub struct Unavailable;

impl Store for Unavailable {
    fn get(&self, _: &str, _: &str) -> anyhow::Result<Option<Vec<u8>>> {
        anyhow::bail!("storage is not available during describe")
    }
    fn set(&self, _: &str, _: &str, _: &[u8]) -> anyhow::Result<()> {
        anyhow::bail!("storage is not available during describe")
    }
    fn delete(&self, _: &str, _: &str) -> anyhow::Result<()> {
        anyhow::bail!("storage is not available during describe")
    }
    fn exists(&self, _: &str, _: &str) -> anyhow::Result<bool> {
        anyhow::bail!("storage is not available during describe")
    }
    fn list_keys(&self, _: &str, _: u64, _: u64) -> anyhow::Result<Vec<String>> {
        anyhow::bail!("storage is not available during describe")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_keys_pages_with_a_cursor() {
        let dir = std::env::temp_dir().join(format!("ews-host-kvstate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = sqlite::SqliteStore::open(&dir.join("s.sqlite3")).unwrap();
        for i in 0..(PAGE + 1) {
            Store::set(&store, "ews", &format!("k{i:05}"), b"v").unwrap();
        }
        let mut kv = KvState::new(Arc::new(store));
        assert!(matches!(
            kv.open("bad/name".into()).unwrap(),
            Err(Error::NoSuchStore)
        ));
        for other in ["other", "ews-daemon-", "ewsx", "ews-cache-1"] {
            assert!(
                matches!(kv.open(other.into()).unwrap(), Err(Error::AccessDenied)),
                "{other}"
            );
        }
        assert!(kv.open("ews-daemon-0123abcd".into()).unwrap().is_ok());
        assert!(kv.open("ews-pending-0123abcd".into()).unwrap().is_ok());
        let rep = kv.open("ews".into()).unwrap().unwrap().rep();
        let b = || Resource::<Bucket>::new_borrow(rep);
        let first = kv.list_keys(b(), None).unwrap().unwrap();
        assert_eq!(first.keys.len() as u64, PAGE);
        assert_eq!(first.cursor, Some(PAGE));
        let rest = kv.list_keys(b(), first.cursor).unwrap().unwrap();
        assert_eq!(rest.keys, [format!("k{PAGE:05}")]);
        assert_eq!(rest.cursor, None);
        assert!(kv.exists(b(), "k00000".into()).unwrap().unwrap());
        kv.delete(b(), "k00000".into()).unwrap().unwrap();
        assert_eq!(kv.get(b(), "k00000".into()).unwrap().unwrap(), None);
    }
}
