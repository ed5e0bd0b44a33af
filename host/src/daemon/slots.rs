//! A counting semaphore over daemon steps: `concurrency` steps run at once
//! over all mailboxes, the others wait for a slot in turn. A mailbox waits
//! between its steps without a slot, so one that is throttled or backing off
//! holds nothing the others need.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

pub struct Slots {
    state: Mutex<Queue>,
    cv: Condvar,
}

struct Queue {
    free: u32,
    /// Tickets of the steps waiting, first come first served, so that a busy
    /// mailbox cannot take every slot that comes free.
    waiting: VecDeque<u64>,
    next: u64,
}

/// A slot held; given back when dropped.
pub struct Slot<'a>(&'a Slots);

impl Slots {
    pub fn new(n: u32) -> Self {
        Slots {
            state: Mutex::new(Queue {
                free: n.max(1),
                waiting: VecDeque::new(),
                next: 0,
            }),
            cv: Condvar::new(),
        }
    }

    /// Waits for a slot, in the order asked.
    pub fn take(&self) -> Slot<'_> {
        let mut q = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = q.next;
        q.next += 1;
        q.waiting.push_back(ticket);
        while !(q.free > 0 && q.waiting.front() == Some(&ticket)) {
            q = self.cv.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        q.waiting.pop_front();
        q.free -= 1;
        // The next in line may find a slot free too.
        self.cv.notify_all();
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut q = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        q.free += 1;
        self.0.cv.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[test]
    fn never_more_than_n_at_once_and_every_one_runs() {
        let slots = Arc::new(Slots::new(3));
        let now = Arc::new(AtomicU32::new(0));
        let most = Arc::new(AtomicU32::new(0));
        let done = Arc::new(AtomicU32::new(0));
        std::thread::scope(|s| {
            for _ in 0..12 {
                let (slots, now, most, done) = (&slots, &now, &most, &done);
                s.spawn(move || {
                    for _ in 0..5 {
                        let _slot = slots.take();
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        now.fetch_sub(1, Ordering::SeqCst);
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 60);
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn one_gate_per_mailbox_whatever_its_case() {
        let gates = Gates::new(["Soc@Contoso.com", "soc@contoso.com", "abuse@contoso.com"]);
        assert_eq!(gates.len(), 2);
        let soc = gates.get("SOC@contoso.com").unwrap();
        let _held = soc.lock().unwrap();
        assert!(
            gates.get("soc@contoso.com").unwrap().try_lock().is_err(),
            "one turn per mailbox"
        );
        assert!(
            gates.get("abuse@contoso.com").unwrap().try_lock().is_ok(),
            "another mailbox goes on"
        );
        assert!(gates.get("other@contoso.com").is_none());
    }
}

/// One step at a time per mailbox: entries that watch folders of the same
/// mailbox take turns, so that one host never runs two steps against one
/// mailbox at once. Graph allows four requests in flight per app and
/// mailbox, and one step's `$batch` of mark-reads already uses four lanes.
pub struct Gates(std::collections::BTreeMap<String, Mutex<()>>);

impl Gates {
    /// A gate per distinct key (a mailbox address, compared case-blind).
    pub fn new<'k>(keys: impl IntoIterator<Item = &'k str>) -> Self {
        Gates(
            keys.into_iter()
                .map(|k| (k.to_lowercase(), Mutex::new(())))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&Mutex<()>> {
        self.0.get(&key.to_lowercase())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}
