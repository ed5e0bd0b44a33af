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
}
