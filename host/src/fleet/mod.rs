//! Several hosts sharing mailboxes through PostgreSQL (docs/fleet.md): each
//! mailbox's state (its scope, from the component's `daemon.scope`) is
//! served by the one host that holds its lease. A host takes a lease before
//! a step, renews its leases in the background, gives up one that was taken
//! over, and lets go of those above its share of the fleet so that the
//! others can take them. Every write to a scope's buckets checks the lease's
//! fencing token in the writing transaction (`Fence`), so a host that was
//! paused past its lease cannot write stale state or ack twice.

pub mod lease;

use crate::keyvalue::postgres::{Fence, Pool, Pooled};
use lease::Claim;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long a lease lasts unless renewed (by the database's clock).
    pub lease: Duration,
    /// How often held leases are renewed, and free ones tried.
    pub renew: Duration,
}

impl Default for Settings {
    /// A dead host's mailboxes are taken over within 40 s: the lease runs
    /// out after 30 s at most, and the others try every 10 s.
    fn default() -> Self {
        Settings {
            lease: Duration::from_secs(30),
            renew: Duration::from_secs(10),
        }
    }
}

/// Whether a mailbox's next step may run on this host.
#[derive(Debug, PartialEq)]
pub enum Turn {
    /// Its lease is ours; a note when it was just taken.
    Go(Option<String>),
    /// Not ours now: why (printed once while it stays the same).
    Wait(String),
    /// Unknown: the database could not say (asked again later; `--once`
    /// fails with it).
    Failed(String),
}

struct Held {
    token: i64,
    /// Until when this process may trust the lease without asking: a lease
    /// from when its renewal was sent, by the monotonic clock.
    valid_until: Instant,
}

#[derive(Default)]
struct Leases {
    held: HashMap<String, Held>,
    /// Scopes taken over by another host, with what to tell the operator.
    lost: HashMap<String, String>,
}

pub struct Fleet {
    /// This process among the fleet's: `<hostname>/<pid>/<random>`.
    pub id: String,
    pool: Pool,
    settings: Settings,
    /// How many mailboxes this host serves: its share is that over the
    /// number of live hosts.
    wanted: usize,
    leases: Mutex<Leases>,
    /// One claim or release decision at a time, so a host's mailboxes
    /// never take more than its share between them.
    deciding: Mutex<()>,
    live_hosts: AtomicUsize,
    refused: AtomicU64,
}

impl Fleet {
    /// Joins the fleet and starts renewing in the background, until dropped.
    pub fn start(pool: Pool, settings: Settings, wanted: usize) -> Arc<Fleet> {
        let fleet = Arc::new(Fleet {
            id: format!(
                "{}/{}/{:04x}",
                crate::daemon::status::host_name(),
                std::process::id(),
                random_u16()
            ),
            pool,
            settings,
            wanted: wanted.max(1),
            leases: Mutex::default(),
            deciding: Mutex::new(()),
            live_hosts: AtomicUsize::new(1),
            refused: AtomicU64::new(0),
        });
        fleet.tick();
        let weak = Arc::downgrade(&fleet);
        let _ = std::thread::Builder::new()
            .name("leases".into())
            .spawn(move || keep(weak, settings.renew));
        fleet
    }

    /// The fleet's database.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Stale writes refused so far (writes of a scope whose lease this host
    /// had lost).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, Leases> {
        self.leases.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn share(&self) -> usize {
        self.wanted
            .div_ceil(self.live_hosts.load(Ordering::SeqCst).max(1))
    }

    fn db(&self) -> Result<Pooled, String> {
        self.pool
            .get()
            .map_err(|e| format!("cannot reach PostgreSQL: {e}"))
    }

    /// Before a step of `scope` (`label` names it in the table and the log).
    pub fn turn(&self, scope: &str, label: &str) -> Turn {
        let _deciding = self.deciding.lock().unwrap_or_else(|p| p.into_inner());
        let (held, count, lost) = {
            let mut l = self.leases();
            let held = l.held.get(scope).map(|h| (h.token, h.valid_until));
            (held, l.held.len(), l.lost.remove(scope))
        };
        if let Some(by) = lost {
            return Turn::Wait(self.gave_up(&by));
        }
        match held {
            Some((token, _)) if count > self.share() => {
                self.release(scope, token);
                Turn::Wait(format!(
                    "let its lease go to balance the fleet ({} hosts, {} mailboxes each at most)",
                    self.live_hosts.load(Ordering::SeqCst),
                    self.share()
                ))
            }
            Some((_, until)) if Instant::now() < until => Turn::Go(None),
            // Ours, but not renewed in time (a pause, or the database away):
            // the token says whether it still is.
            Some(_) => match self.claim(scope, label) {
                Ok(Claim::Taken { token }) => Turn::Go(Some(format!(
                    "renewed its lease late (token {token})"
                ))),
                Ok(other) => Turn::Wait(self.lose(scope, &other)),
                Err(e) => Turn::Failed(format!("cannot renew its lease: {e}")),
            },
            None if count >= self.share() => Turn::Wait(format!(
                "left to another host: this one holds its share ({count} of {} mailboxes, {} hosts)",
                self.wanted,
                self.live_hosts.load(Ordering::SeqCst)
            )),
            None => match self.claim(scope, label) {
                Ok(Claim::Taken { token }) => {
                    Turn::Go(Some(format!("took its lease (token {token})")))
                }
                Ok(Claim::HeldBy { holder }) => Turn::Wait(format!("held by {holder}")),
                Ok(Claim::Busy) => Turn::Wait("held by another host".into()),
                Err(e) => Turn::Failed(format!("cannot take its lease: {e}")),
            },
        }
    }

    /// Whether this host may still hand the scope's emails on.
    pub fn holds(&self, scope: &str) -> bool {
        self.leases()
            .held
            .get(scope)
            .is_some_and(|h| Instant::now() < h.valid_until)
    }

    fn claim(&self, scope: &str, label: &str) -> Result<Claim, String> {
        let sent = Instant::now();
        let claim = lease::claim(
            &mut *self.db()?,
            &self.id,
            scope,
            label,
            self.settings.lease,
        )
        .map_err(|e| format!("PostgreSQL: {e}"))?;
        if let Claim::Taken { token } = claim {
            self.leases().held.insert(
                scope.to_string(),
                Held {
                    token,
                    valid_until: sent + self.settings.lease,
                },
            );
        }
        Ok(claim)
    }

    /// Forgets a lease another host took; the message for the log.
    fn lose(&self, scope: &str, now: &Claim) -> String {
        self.leases().held.remove(scope);
        self.gave_up(&by_whom(now))
    }

    /// Forgets a lease found taken over outside a turn (by a renewal or a
    /// fence), for the mailbox's next turn to report.
    fn taken_over(&self, scope: &str, by: String) {
        let mut l = self.leases();
        l.held.remove(scope);
        l.lost.insert(scope.to_string(), by);
    }

    fn gave_up(&self, by: &str) -> String {
        format!(
            "gave it up: its lease was taken over by {by}; {} stale writes refused by this host so far",
            self.refused()
        )
    }

    fn release(&self, scope: &str, token: i64) {
        self.leases().held.remove(scope);
        if let Ok(mut c) = self.db() {
            let _ = lease::release(&mut c, &self.id, scope, token);
        }
    }

    /// The scopes held, with their tokens.
    fn held(&self) -> Vec<(String, i64)> {
        self.leases()
            .held
            .iter()
            .map(|(s, h)| (s.clone(), h.token))
            .collect()
    }

    /// A clean stop: every lease let go, this host out of the count.
    pub fn leave(&self) {
        let held = self.held();
        for (scope, token) in held {
            self.release(&scope, token);
        }
        if let Ok(mut c) = self.db() {
            let _ = lease::leave(&mut c, &self.id);
        }
    }

    /// The background round: say we are alive, count the live hosts, renew
    /// what we hold, and note what was taken over meanwhile.
    fn tick(&self) {
        let Ok(mut c) = self.db() else {
            return;
        };
        if let Ok(live) = lease::heartbeat(&mut c, &self.id, self.settings.lease) {
            self.live_hosts.store(live, Ordering::SeqCst);
        }
        let held = self.held();
        if held.is_empty() {
            return;
        }
        let sent = Instant::now();
        let Ok(renewed) = lease::renew(&mut c, &self.id, &held, self.settings.lease) else {
            return;
        };
        let mut gone = Vec::new();
        {
            let mut l = self.leases();
            for (scope, token) in &held {
                match l.held.get_mut(scope) {
                    Some(h) if h.token == *token && renewed.contains(scope) => {
                        h.valid_until = sent + self.settings.lease;
                    }
                    Some(h) if h.token == *token => gone.push(scope.clone()),
                    _ => {}
                }
            }
        }
        for scope in gone {
            let now = match lease::holder(&mut c, &scope) {
                Ok(Some((Some(holder), _))) if holder != self.id => Claim::HeldBy { holder },
                _ => Claim::Busy,
            };
            self.taken_over(&scope, by_whom(&now));
        }
    }
}

/// Enough to tell two processes of one pid apart (a restart after a crash).
fn random_u16() -> u16 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::process::id()) as u16
}

fn keep(fleet: Weak<Fleet>, every: Duration) {
    loop {
        std::thread::sleep(every);
        match fleet.upgrade() {
            Some(f) => f.tick(),
            None => return,
        }
    }
}

/// Who holds a lease now, as a claim found it.
fn by_whom(now: &Claim) -> String {
    match now {
        Claim::HeldBy { holder } => holder.clone(),
        _ => "another host".into(),
    }
}

impl Fence for Fleet {
    fn check(&self, tx: &mut postgres::Client, scope: &str) -> anyhow::Result<()> {
        let Some(token) = self.leases().held.get(scope).map(|h| h.token) else {
            // Lost since the step began (the renewal found it taken over).
            self.refused.fetch_add(1, Ordering::SeqCst);
            anyhow::bail!(
                "refused a stale write: this host no longer holds the lease of the mailbox's state {scope}"
            );
        };
        match lease::fence(tx, &self.id, scope, token)? {
            Ok(()) => Ok(()),
            Err((holder, now)) => {
                self.refused.fetch_add(1, Ordering::SeqCst);
                let by = holder.unwrap_or_else(|| "no host".into());
                self.taken_over(scope, format!("{by} (token {now}, ours {token})"));
                anyhow::bail!(
                    "refused a stale write: the lease of the mailbox's state {scope} was taken over by {by} (token {now}, this host's {token})"
                )
            }
        }
    }
}
