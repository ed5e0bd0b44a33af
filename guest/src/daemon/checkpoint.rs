//! What the daemon remembers, in wasi:keyvalue, in two buckets of its own per
//! scope (a hash of mailbox and folder), so that a host can tell mailboxes'
//! state apart, list it, and one day lease it:
//!
//! `ews-daemon-<scope>`:
//! - `id/<record id>`: one email's state, JSON `{"state": "handed" |
//!   "delivered" | "done" | "rejected", "item_id", "change_key", "received",
//!   "at", "tries"}`. `handed` = poll gave it out (kept so that ack needs no
//!   FindItem; not skipped by poll); `delivered` = acked, mark-read pending
//!   (skipped by poll); `done` = marked read, or given up (skipped by poll);
//!   `rejected` = fetched because FindItem could not decide the filter, and
//!   its MIME did not match (skipped by poll while its change key is the same).
//! - `folder`: the resolved folder id, JSON `{"path", "id"}`.
//! - `parsing`: JSON string, the record id whose MIME is being parsed; gone
//!   once the poll's emails are all parsed. Found at the start of a poll, it
//!   names the email that stopped the component (a trap: the host keeps the
//!   writes before one), which is then quarantined.
//! - `quarantined/<record id>`: JSON, when it was quarantined: delivered
//!   unparsed, with its MIME whole, so that it cannot stop every poll after.
//! - `pruned_at`: JSON, when pruning last walked the bucket.
//! - `version`: `2`, written last by the move from the shared bucket.
//!
//! `ews-pending-<scope>`: one key per record id whose mark-read is pending,
//! JSON: since when, Unix seconds. Listed at every poll, so it holds nothing else.
//!
//! keyvalue has no transactions; every sequence of writes is ordered so that
//! a crash between two of them leaves a safe state: the pending key before
//! `delivered` (a pending id that is still `handed` is taken as delivered),
//! `delivered` before the mark-read is sent, `done` after it, and the pending
//! key deleted last.
//!
//! Version 1 kept all this in the shared bucket `ews` under `daemon/<scope>/`,
//! with an index of JSON segments (the component believed keyvalue could not
//! list keys) and the pending ids in one JSON array; [`Checkpoint::open`]
//! moves it over once.

use crate::ews::error::Error;
use crate::platform::{Host, SHARED_BUCKET};
use serde::{Deserialize, Serialize};

/// Above this many ids, the oldest done ones go first.
pub const MAX_ENTRIES: usize = 50_000;
/// Done (and handed, never acked) ids older than this are forgotten.
pub const RETENTION_SECS: i64 = 30 * 86_400;
/// A full pruning walk at most this often.
const PRUNE_EVERY_SECS: i64 = 86_400;
// i64, as every other number kept here: one deserialiser fewer in the component.
const VERSION: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Handed,
    Delivered,
    Done,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub state: State,
    pub item_id: String,
    #[serde(default)]
    pub change_key: Option<String>,
    /// DateTimeReceived, Unix seconds.
    #[serde(default)]
    pub received: Option<i64>,
    /// When the state last changed, Unix seconds.
    pub at: i64,
    /// Failed mark-read attempts.
    #[serde(default)]
    pub tries: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCache {
    pub path: String,
    pub id: String,
}

pub struct Checkpoint<'h> {
    host: &'h dyn Host,
    scope: String,
    main: String,
    pending: String,
}

const ID: &str = "id/";
const QUARANTINED: &str = "quarantined/";

impl<'h> Checkpoint<'h> {
    /// The scope's buckets, with version 1's state moved into them first.
    pub fn open(host: &'h dyn Host, scope: &str, now: i64) -> Result<Self, Error> {
        let cp = Checkpoint::new(host, scope);
        if cp.get_json::<i64>(&cp.main, "version")? != Some(VERSION) {
            cp.move_version_1(now)?;
        }
        Ok(cp)
    }

    fn new(host: &'h dyn Host, scope: &str) -> Self {
        Checkpoint {
            host,
            scope: scope.to_string(),
            main: format!("ews-daemon-{scope}"),
            pending: format!("ews-pending-{scope}"),
        }
    }

    fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<T>, Error> {
        let Some(bytes) = self
            .host
            .kv_get(bucket, key)
            .map_err(|e| Error::Host(format!("keyvalue get {bucket}/{key}: {e}")))?
        else {
            return Ok(None);
        };
        // A value we cannot read is treated as absent, so one corrupt key
        // cannot stop the daemon; the worst outcome is one redelivery.
        Ok(serde_json::from_slice(&bytes).ok())
    }

    fn set_json<T: Serialize>(&self, bucket: &str, key: &str, value: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Host(e.to_string()))?;
        self.set_raw(bucket, key, &bytes)
    }

    fn set_raw(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<(), Error> {
        self.host
            .kv_set(bucket, key, bytes)
            .map_err(|e| Error::Host(format!("keyvalue set {bucket}/{key}: {e}")))
    }

    fn delete(&self, bucket: &str, key: &str) -> Result<(), Error> {
        self.host
            .kv_delete(bucket, key)
            .map_err(|e| Error::Host(format!("keyvalue delete {bucket}/{key}: {e}")))
    }

    fn keys(&self, bucket: &str) -> Result<Vec<String>, Error> {
        self.host
            .kv_keys(bucket)
            .map_err(|e| Error::Host(format!("keyvalue list-keys {bucket}: {e}")))
    }

    pub fn get(&self, id: &str) -> Result<Option<Entry>, Error> {
        self.get_json(&self.main, &format!("{ID}{id}"))
    }

    pub fn put(&self, id: &str, entry: &Entry) -> Result<(), Error> {
        self.set_json(&self.main, &format!("{ID}{id}"), entry)
    }

    /// One write per entry: nothing else indexes them.
    pub fn put_all(&self, entries: &[(&str, &Entry)]) -> Result<(), Error> {
        entries.iter().try_for_each(|(id, e)| self.put(id, e))
    }

    /// Every pending id, in the host's key order.
    pub fn pending(&self) -> Result<Vec<String>, Error> {
        self.keys(&self.pending)
    }

    /// Since when `id` is pending, Unix seconds.
    pub fn pending_since(&self, id: &str) -> Result<Option<i64>, Error> {
        self.get_json(&self.pending, id)
    }

    /// Puts `id` pending, keeping the time it first was.
    pub fn add_pending(&self, id: &str, now: i64) -> Result<(), Error> {
        if self.pending_since(id)?.is_none() {
            self.set_json(&self.pending, id, &now)?;
        }
        Ok(())
    }

    pub fn remove_pending(&self, id: &str) -> Result<(), Error> {
        self.delete(&self.pending, id)
    }

    pub fn folder(&self) -> Result<Option<FolderCache>, Error> {
        self.get_json(&self.main, "folder")
    }

    pub fn set_folder(&self, f: &FolderCache) -> Result<(), Error> {
        self.set_json(&self.main, "folder", f)
    }

    pub fn forget_folder(&self) -> Result<(), Error> {
        self.delete(&self.main, "folder")
    }

    /// Marks `id`'s MIME as being parsed, before the parse.
    pub fn set_parsing(&self, id: &str) -> Result<(), Error> {
        self.set_json(&self.main, "parsing", &id)
    }

    /// After a poll's last parse.
    pub fn clear_parsing(&self) -> Result<(), Error> {
        self.delete(&self.main, "parsing")
    }

    /// The email whose parse a previous call never finished, if any: it is
    /// quarantined (and the mark cleared) here.
    pub fn quarantine_unfinished(&self, now: i64) -> Result<Option<String>, Error> {
        let Some(id) = self.get_json::<String>(&self.main, "parsing")? else {
            return Ok(None);
        };
        // Quarantined before the mark goes, so that a crash in between loses neither.
        self.set_json(&self.main, &format!("{QUARANTINED}{id}"), &now)?;
        self.clear_parsing()?;
        Ok(Some(id))
    }

    pub fn is_quarantined(&self, id: &str) -> Result<bool, Error> {
        Ok(self
            .get_json::<i64>(&self.main, &format!("{QUARANTINED}{id}"))?
            .is_some())
    }

    /// Keeps the state bounded: at most once a day, lists the bucket and
    /// forgets done, handed and rejected ids older than RETENTION_SECS, then,
    /// while still over MAX_ENTRIES, the oldest of them; and quarantine marks
    /// and pending keys whose id is gone. Delivered ids (mark-read pending)
    /// are kept, and put pending again if they were not (a version 1 crash
    /// could lose them from its list). Returns how many ids were forgotten.
    pub fn prune(&self, now: i64) -> Result<usize, Error> {
        let last = self.get_json::<i64>(&self.main, "pruned_at")?.unwrap_or(0);
        if now - last < PRUNE_EVERY_SECS {
            return Ok(0);
        }
        let keys = self.keys(&self.main)?;
        let pending: std::collections::HashSet<String> = self.pending()?.into_iter().collect();
        let mut kept = 0usize;
        // (at, id) of what may go, oldest first once sorted.
        let mut droppable: Vec<(i64, String)> = Vec::new();
        let mut forget: Vec<String> = Vec::new();
        for key in &keys {
            let Some(id) = key.strip_prefix(ID) else {
                continue;
            };
            match self.get(id)? {
                None => forget.push(id.to_string()),
                Some(e) if e.state == State::Delivered => {
                    kept += 1;
                    if !pending.contains(id) {
                        self.add_pending(id, now)?;
                    }
                }
                Some(e) if now - e.at >= RETENTION_SECS => forget.push(id.to_string()),
                Some(e) => droppable.push((e.at, id.to_string())),
            }
        }
        let over = (kept + droppable.len()).saturating_sub(MAX_ENTRIES);
        if over > 0 {
            droppable.sort();
            forget.extend(
                droppable
                    .drain(..over.min(droppable.len()))
                    .map(|(_, id)| id),
            );
        }
        for id in &forget {
            self.delete(&self.main, &format!("{ID}{id}"))?;
        }
        // Marks of ids no longer known: what pruning forgot, or a crash left.
        let known = |id: &str| -> Result<bool, Error> { Ok(self.get(id)?.is_some()) };
        for key in &keys {
            if let Some(id) = key.strip_prefix(QUARANTINED) {
                if !known(id)? {
                    self.delete(&self.main, key)?;
                }
            }
        }
        for id in &pending {
            if !known(id)? {
                self.remove_pending(id)?;
            }
        }
        self.set_json(&self.main, "pruned_at", &now)?;
        Ok(forget.len())
    }

    /// Ids known, for tests.
    #[cfg(test)]
    pub fn total(&self) -> usize {
        self.keys(&self.main)
            .unwrap()
            .iter()
            .filter(|k| k.starts_with(ID))
            .count()
    }

    /// Copies version 1's keys into this scope's buckets, deletes them, then
    /// writes `version`. A crash before the end leaves some of version 1 to
    /// copy again: copies of values nothing has changed since.
    fn move_version_1(&self, now: i64) -> Result<(), Error> {
        let prefix = format!("daemon/{}/", self.scope);
        let old: Vec<String> = self
            .keys(SHARED_BUCKET)?
            .into_iter()
            .filter(|k| k.starts_with(&prefix))
            .collect();
        for key in &old {
            let rest = &key[prefix.len()..];
            if rest == "pending" {
                let ids: Vec<String> = self.get_json(SHARED_BUCKET, key)?.unwrap_or_default();
                for id in ids {
                    self.add_pending(&id, now)?;
                }
            } else if rest.starts_with(ID)
                || rest.starts_with(QUARANTINED)
                || rest == "folder"
                || rest == "parsing"
            {
                let bytes = self
                    .host
                    .kv_get(SHARED_BUCKET, key)
                    .map_err(|e| Error::Host(format!("keyvalue get {key}: {e}")))?;
                if let Some(bytes) = bytes {
                    self.set_raw(&self.main, rest, &bytes)?;
                }
            }
            // `index` and `index/<n>`: listing replaces them.
        }
        for key in &old {
            self.delete(SHARED_BUCKET, key)?;
        }
        self.set_json(&self.main, "version", &VERSION)
    }
}
