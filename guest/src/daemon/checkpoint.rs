//! What the daemon remembers, in wasi:keyvalue (bucket `ews`), under
//! `daemon/<scope>/` (scope: a hash of mailbox and folder):
//!
//! - `id/<record id>`: one email's state, JSON `{"state": "handed" |
//!   "delivered" | "done", "item_id", "change_key", "received", "at", "tries"}`.
//!   `handed` = poll gave it out (kept so that ack needs no FindItem; not
//!   skipped by poll); `delivered` = acked, mark-read pending (skipped by
//!   poll); `done` = marked read (skipped by poll); `rejected` = fetched
//!   because FindItem could not decide the filter, and its MIME did not match
//!   (skipped by poll while its change key is the same).
//! - `pending`: JSON array of the record ids whose mark-read is pending.
//! - `index`: JSON `{"next", "segments": [{"n", "len"}], "total", "pruned_at"}`,
//!   and `index/<n>`: JSON arrays of record ids, oldest first, at most
//!   `SEGMENT` each: the only way to find the keys again (keyvalue cannot list).
//! - `folder`: the resolved folder id, JSON `{"path", "id"}`.
//! - `parsing`: JSON string, the record id whose MIME is being parsed; gone
//!   once the poll's emails are all parsed. Found at the start of a poll, it
//!   names the email that stopped the component (a trap: the host keeps the
//!   writes before one), which is then quarantined.
//! - `quarantined/<record id>`: JSON, when it was quarantined: delivered
//!   unparsed, with its MIME whole, so that it cannot stop every poll after.
//!
//! keyvalue has no transactions; every sequence of writes is ordered so that
//! a crash between two of them leaves a safe state: an index entry is
//! written before its id key (an index entry without a key is dropped at
//! pruning), `delivered` before the mark-read is sent, `done` after it.

use crate::ews::error::Error;
use crate::platform::Host;
use serde::{Deserialize, Serialize};

/// Ids per index segment.
const SEGMENT: usize = 1000;
/// Above this many ids, the oldest done ones go first.
pub const MAX_ENTRIES: u64 = 50_000;
/// Done (and handed, never acked) ids older than this are forgotten.
pub const RETENTION_SECS: i64 = 30 * 86_400;
/// A full pruning walk at most this often (unless over MAX_ENTRIES).
const PRUNE_EVERY_SECS: i64 = 86_400;

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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Segment {
    n: u64,
    len: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Index {
    next: u64,
    segments: Vec<Segment>,
    total: u64,
    pruned_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCache {
    pub path: String,
    pub id: String,
}

pub struct Checkpoint<'h> {
    host: &'h dyn Host,
    prefix: String,
}

impl<'h> Checkpoint<'h> {
    pub fn new(host: &'h dyn Host, scope: &str) -> Self {
        Checkpoint {
            host,
            prefix: format!("daemon/{scope}"),
        }
    }

    pub fn id_key(&self, id: &str) -> String {
        format!("{}/id/{id}", self.prefix)
    }

    fn get_json<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<Option<T>, Error> {
        let Some(bytes) = self
            .host
            .kv_get(key)
            .map_err(|e| Error::Host(format!("keyvalue get {key}: {e}")))?
        else {
            return Ok(None);
        };
        // A value we cannot read is treated as absent, so one corrupt key
        // cannot stop the daemon; the worst outcome is one redelivery.
        Ok(serde_json::from_slice(&bytes).ok())
    }

    fn set_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Host(e.to_string()))?;
        self.host
            .kv_set(key, &bytes)
            .map_err(|e| Error::Host(format!("keyvalue set {key}: {e}")))
    }

    fn delete(&self, key: &str) -> Result<(), Error> {
        self.host
            .kv_delete(key)
            .map_err(|e| Error::Host(format!("keyvalue delete {key}: {e}")))
    }

    pub fn get(&self, id: &str) -> Result<Option<Entry>, Error> {
        self.get_json(&self.id_key(id))
    }

    /// Writes an entry; a new id goes into the index first.
    pub fn put(&self, id: &str, entry: &Entry) -> Result<(), Error> {
        self.put_all(&[(id, entry)])
    }

    /// Writes several entries, the new ids into the index first: one
    /// write per index segment touched, not one per id.
    pub fn put_all(&self, entries: &[(&str, &Entry)]) -> Result<(), Error> {
        let mut seen = std::collections::HashSet::new();
        let mut new = Vec::new();
        for &(id, _) in entries {
            if seen.insert(id) && self.get(id)?.is_none() {
                new.push(id);
            }
        }
        self.index_add_all(&new)?;
        for &(id, entry) in entries {
            self.set_json(&self.id_key(id), entry)?;
        }
        Ok(())
    }

    pub fn pending(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .get_json(&format!("{}/pending", self.prefix))?
            .unwrap_or_default())
    }

    pub fn set_pending(&self, ids: &[String]) -> Result<(), Error> {
        let key = format!("{}/pending", self.prefix);
        if ids.is_empty() {
            self.delete(&key)
        } else {
            self.set_json(&key, &ids)
        }
    }

    pub fn folder(&self) -> Result<Option<FolderCache>, Error> {
        self.get_json(&format!("{}/folder", self.prefix))
    }

    pub fn set_folder(&self, f: &FolderCache) -> Result<(), Error> {
        self.set_json(&format!("{}/folder", self.prefix), f)
    }

    pub fn forget_folder(&self) -> Result<(), Error> {
        self.delete(&format!("{}/folder", self.prefix))
    }

    /// Marks `id`'s MIME as being parsed, before the parse.
    pub fn set_parsing(&self, id: &str) -> Result<(), Error> {
        self.set_json(&format!("{}/parsing", self.prefix), &id)
    }

    /// After a poll's last parse.
    pub fn clear_parsing(&self) -> Result<(), Error> {
        self.delete(&format!("{}/parsing", self.prefix))
    }

    /// The email whose parse a previous call never finished, if any: it is
    /// quarantined (and the mark cleared) here.
    pub fn quarantine_unfinished(&self, now: i64) -> Result<Option<String>, Error> {
        let Some(id) = self.get_json::<String>(&format!("{}/parsing", self.prefix))? else {
            return Ok(None);
        };
        // Quarantined before the mark goes, so that a crash in between loses neither.
        self.set_json(&self.quarantine_key(&id), &now)?;
        self.clear_parsing()?;
        Ok(Some(id))
    }

    pub fn is_quarantined(&self, id: &str) -> Result<bool, Error> {
        Ok(self.get_json::<i64>(&self.quarantine_key(id))?.is_some())
    }

    fn quarantine_key(&self, id: &str) -> String {
        format!("{}/quarantined/{id}", self.prefix)
    }

    fn index(&self) -> Result<Index, Error> {
        Ok(self
            .get_json(&format!("{}/index", self.prefix))?
            .unwrap_or_default())
    }

    fn segment_key(&self, n: u64) -> String {
        format!("{}/index/{n}", self.prefix)
    }

    /// Appends to the last segment, then to new ones (written before the
    /// header: a crash between them leaves ids the header undercounts,
    /// which is harmless).
    fn index_add_all(&self, ids: &[&str]) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut index = self.index()?;
        let mut rest = ids;
        while !rest.is_empty() {
            let reuse = index
                .segments
                .last()
                .filter(|s| s.len < SEGMENT)
                .map(|s| s.n);
            let n = reuse.unwrap_or(index.next);
            let mut segment: Vec<String> = if reuse.is_some() {
                self.get_json(&self.segment_key(n))?.unwrap_or_default()
            } else {
                vec![]
            };
            let room = SEGMENT.saturating_sub(segment.len()).max(1).min(rest.len());
            segment.extend(rest[..room].iter().map(|id| id.to_string()));
            rest = &rest[room..];
            self.set_json(&self.segment_key(n), &segment)?;
            match index.segments.last_mut() {
                Some(s) if reuse.is_some() => s.len = segment.len(),
                _ => {
                    index.segments.push(Segment {
                        n,
                        len: segment.len(),
                    });
                    index.next = n + 1;
                }
            }
            index.total += room as u64;
        }
        self.set_json(&format!("{}/index", self.prefix), &index)
    }

    /// Keeps the checkpoint bounded: at most once a day (or whenever over
    /// MAX_ENTRIES), walks the index oldest first and forgets done and
    /// handed ids older than RETENTION_SECS, then, while still over
    /// MAX_ENTRIES, the oldest done/handed ones. Delivered ids (mark-read
    /// pending) are kept, and put back on the pending list if a crash lost
    /// them from it. Returns how many ids were forgotten.
    pub fn prune(&self, now: i64) -> Result<usize, Error> {
        let mut index = self.index()?;
        if index.total <= MAX_ENTRIES && now - index.pruned_at < PRUNE_EVERY_SECS {
            return Ok(0);
        }
        let mut pending = self.pending()?;
        let pending_before = pending.len();
        let mut total: u64 = index.segments.iter().map(|s| s.len as u64).sum();
        let mut forgotten = 0;
        let mut segments = Vec::new();
        for seg in std::mem::take(&mut index.segments) {
            let ids: Vec<String> = self.get_json(&self.segment_key(seg.n))?.unwrap_or_default();
            let mut keep = Vec::with_capacity(ids.len());
            for id in ids {
                let drop = match self.get(&id)? {
                    None => true,
                    Some(e) if e.state == State::Delivered => {
                        if !pending.contains(&id) {
                            pending.push(id.clone());
                        }
                        false
                    }
                    Some(e) => now - e.at >= RETENTION_SECS || total > MAX_ENTRIES,
                };
                if drop {
                    self.delete(&self.id_key(&id))?;
                    total = total.saturating_sub(1);
                    forgotten += 1;
                } else {
                    keep.push(id);
                }
            }
            if keep.is_empty() {
                self.delete(&self.segment_key(seg.n))?;
            } else {
                self.set_json(&self.segment_key(seg.n), &keep)?;
                segments.push(Segment {
                    n: seg.n,
                    len: keep.len(),
                });
            }
        }
        if pending.len() != pending_before {
            self.set_pending(&pending)?;
        }
        index.segments = segments;
        index.total = index.segments.iter().map(|s| s.len as u64).sum();
        index.pruned_at = now;
        self.set_json(&format!("{}/index", self.prefix), &index)?;
        Ok(forgotten)
    }

    #[cfg(test)]
    pub fn total(&self) -> u64 {
        self.index().unwrap().total
    }
}
