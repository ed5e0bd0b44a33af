//! The loop: steps, each on a fresh instance, `poll(max)` -> store every
//! item in order -> `ack` the ids stored, both calls on the same instance.
//! Between steps: nothing when the guest said `more` (a bounded number of
//! times in a row), else the interval; after a failure the wait its kind
//! asks for. Behind the `Guest` trait so that the logic is tested without
//! wasm.

use super::sinks::Sink;
use super::{human, Stop};
use crate::bindings::exports::soar::integration::daemon::{Batch, Item};
use crate::error::{Failure, Kind};
pub use crate::fleet::Turn;
use std::time::{Duration, Instant};

/// Longest wait a failure (or a guest's retry-after) can ask for.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Steps in a row without waiting while the guest says `more`.
pub const MORE_IN_A_ROW: u32 = 10;

/// The two daemon exports of one instance.
pub trait Calls {
    fn poll(&mut self, max: u32) -> Result<Batch, Failure>;
    fn ack(&mut self, ids: &[String]) -> Result<(), Failure>;
}

/// Makes a fresh instance for each step.
pub trait Guest {
    /// Runs `f` on a new instance; `Err` when it could not be instantiated.
    fn with_instance(
        &self,
        f: &mut dyn FnMut(&mut dyn Calls) -> StepReport,
    ) -> Result<StepReport, Failure>;

    /// Whether the next step may run here (a fleet's lease: crate::fleet).
    fn turn(&self) -> Turn {
        Turn::Go(None)
    }

    /// Whether polled items may still be handed on (the lease is still
    /// this host's by its own clock).
    fn holds(&self) -> bool {
        true
    }
}

/// Where the items a sink refused for good are kept (the state database).
pub trait DeadLetterStore {
    /// `Ok` once the item is durably kept: only then may it be acked.
    fn put(&mut self, item: &Item, sink: &str, reason: &str) -> Result<(), String>;
}

/// An item the sink refused for good, kept as a dead letter and acked.
#[derive(Debug, PartialEq)]
pub struct DeadLettered {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct StepReport {
    pub polled: usize,
    pub stored: usize,
    /// Stored and dead-lettered items that were acked.
    pub acked: usize,
    pub dead_lettered: Vec<DeadLettered>,
    pub bytes: usize,
    pub more: bool,
    /// Still waiting after the batch, by the component's count.
    pub remaining: Option<u64>,
    pub failure: Option<Failure>,
}

impl StepReport {
    /// Stored by the sink and acked: the emails that reached the engine.
    pub fn delivered(&self) -> usize {
        self.acked.saturating_sub(self.dead_lettered.len())
    }
}

/// What watches the steps besides the log: metrics, a progress bar.
pub trait StepObserver {
    fn step(&self, report: &StepReport, took: Duration);
    /// A wait the server asked for.
    fn throttled(&self, _wait: Duration) {}
}

/// One step on one instance. An item the sink refuses for good becomes a
/// dead letter and the step goes on: one bad email must not stop the
/// queue. Any other sink failure ends the step, as does a dead letter that
/// cannot be written: only the items before it are acked; the rest come
/// again.
pub fn step(
    calls: &mut dyn Calls,
    sink: &mut dyn Sink,
    dead: &mut dyn DeadLetterStore,
    max: u32,
    holds: &dyn Fn() -> bool,
) -> StepReport {
    let mut r = StepReport::default();
    let batch = match calls.poll(max) {
        Ok(b) => b,
        Err(f) => {
            r.failure = Some(f);
            return r;
        }
    };
    r.polled = batch.items.len();
    r.more = batch.more;
    r.remaining = batch.remaining;
    let mut ids = Vec::with_capacity(batch.items.len());
    for item in &batch.items {
        if !holds() {
            // Another host may be handing these out already: what was
            // stored is acked, the rest is that host's.
            r.failure = Some(Failure::new(
                Kind::Unavailable,
                "the mailbox's lease ran out before its emails were handed on (another host takes them)",
            ));
            break;
        }
        match sink.store(item) {
            Ok(()) => {
                ids.push(item.id.clone());
                r.stored += 1;
                r.bytes += item.json.len() + item.files.iter().map(|f| f.data.len()).sum::<usize>();
            }
            Err(e) if e.is_permanent() => match dead.put(item, sink.name(), &e.message) {
                Ok(()) => {
                    ids.push(item.id.clone());
                    r.dead_lettered.push(DeadLettered {
                        id: item.id.clone(),
                        reason: e.message,
                    });
                }
                Err(why) => {
                    r.failure = Some(Failure::internal(format!(
                        "dead letters: cannot keep item {:?}, which the sink refused ({}): {why}",
                        item.id, e.message
                    )));
                    break;
                }
            },
            Err(e) => {
                r.failure = Some(e.into_failure(&item.id));
                break;
            }
        }
    }
    if !ids.is_empty() {
        if let Err(e) = sink.flush() {
            // Nothing is acked: every item of the batch comes again.
            r.failure
                .get_or_insert(Failure::new(e.kind, format!("sink: {}", e.message)));
            r.stored = 0;
            r.bytes = 0;
            return r;
        }
        match calls.ack(&ids) {
            Ok(()) => r.acked = ids.len(),
            Err(f) => {
                if r.failure.is_none() {
                    r.failure = Some(f);
                }
            }
        }
    }
    if r.failure.is_some() {
        r.more = false;
    }
    r
}

pub struct Settings {
    pub interval: Duration,
    pub max: u32,
    pub once: bool,
    /// How soon to ask again for a turn that was refused.
    pub retry: Duration,
    /// No line per step (a progress bar shows them).
    pub quiet_steps: bool,
}

/// What to do after a step: how long to wait, and why (for the log).
#[derive(Debug, PartialEq)]
pub struct Plan {
    pub wait: Duration,
    pub why: &'static str,
}

/// Counters the plan depends on, reset as the kind of outcome changes.
#[derive(Debug, Default)]
pub struct Streak {
    /// Steps run in a row without waiting (the guest said `more`).
    pub more: u32,
    /// Failures in a row that back off.
    pub backoff: u32,
}

pub fn plan(report: &StepReport, streak: &mut Streak, interval: Duration) -> Plan {
    let Some(f) = &report.failure else {
        streak.backoff = 0;
        if report.more && report.polled > 0 && streak.more < MORE_IN_A_ROW {
            streak.more += 1;
            return Plan {
                wait: Duration::ZERO,
                why: "more waiting",
            };
        }
        streak.more = 0;
        return Plan {
            wait: interval,
            why: "interval",
        };
    };
    streak.more = 0;
    match f.kind {
        Kind::Throttled => {
            streak.backoff = 0;
            let asked = Duration::from_millis(f.retry_after_ms.unwrap_or(0));
            Plan {
                wait: if asked.is_zero() {
                    interval
                } else {
                    asked.min(MAX_WAIT)
                },
                why: "throttled",
            }
        }
        // A configuration problem: an operator may fix it meanwhile.
        Kind::Unauthorized | Kind::Forbidden | Kind::InvalidInput => {
            streak.backoff = 0;
            Plan {
                wait: interval,
                why: "interval",
            }
        }
        // unavailable, a sink that failed, a guest that trapped...
        Kind::Unavailable | Kind::Internal | Kind::NotFound => {
            let factor = 1u32 << streak.backoff.min(20);
            streak.backoff += 1;
            Plan {
                wait: interval.saturating_mul(factor).min(MAX_WAIT),
                why: "backoff",
            }
        }
    }
}

/// Runs until stopped (or, with `once`, until nothing more is waiting).
/// `Err` only with `once`: the last step's failure.
pub fn run(
    guest: &dyn Guest,
    sink: &mut dyn Sink,
    dead: &mut dyn DeadLetterStore,
    settings: &Settings,
    stop: &Stop,
    progress: &mut dyn FnMut(&str),
    observers: &[&dyn StepObserver],
) -> Result<(), Failure> {
    let mut streak = Streak::default();
    let mut n: u64 = 0;
    let mut waiting: Option<String> = None;
    loop {
        if stop.requested() {
            progress("stopped");
            return Ok(());
        }
        match guest.turn() {
            Turn::Go(note) => {
                if let Some(note) = note {
                    progress(&note);
                }
                waiting = None;
            }
            Turn::Wait(why) | Turn::Failed(why) if waiting.as_ref() == Some(&why) => {}
            Turn::Wait(why) => {
                progress(&why);
                if settings.once {
                    return Ok(());
                }
                waiting = Some(why);
            }
            Turn::Failed(why) => {
                progress(&format!("failed: {why}"));
                if settings.once {
                    return Err(Failure::new(Kind::Unavailable, why));
                }
                waiting = Some(why);
            }
        }
        if waiting.is_some() {
            if stop.wait(settings.retry) {
                progress("stopped");
                return Ok(());
            }
            continue;
        }
        n += 1;
        let start = Instant::now();
        let holds = || guest.holds();
        let report = guest
            .with_instance(&mut |calls| step(calls, sink, dead, settings.max, &holds))
            .unwrap_or_else(|f| StepReport {
                failure: Some(f),
                ..Default::default()
            });
        for o in observers {
            o.step(&report, start.elapsed());
        }
        if !settings.quiet_steps {
            progress(&format!(
                "step {n}: polled {}, stored {}, acked {}, dead-lettered {}, {} bytes, in {} ms",
                report.polled,
                report.stored,
                report.acked,
                report.dead_lettered.len(),
                report.bytes,
                start.elapsed().as_millis()
            ));
        }
        for d in &report.dead_lettered {
            progress(&format!(
                "step {n}: warning: item {:?} refused for good, kept as a dead letter (ews-host dead-letters list) so that the queue goes on: {}",
                d.id, d.reason
            ));
        }
        if let Some(f) = &report.failure {
            progress(&format!("step {n}: failed: {f}"));
        }
        if settings.once {
            if let Some(f) = report.failure {
                return Err(f);
            }
            if !report.more || report.polled == 0 {
                return Ok(());
            }
            continue;
        }
        let p = plan(&report, &mut streak, settings.interval);
        if p.why == "throttled" {
            for o in observers {
                o.throttled(p.wait);
            }
        }
        if p.wait.is_zero() {
            continue;
        }
        if p.why != "interval" {
            progress(&format!("next step in {} ({})", human(p.wait), p.why));
        }
        if stop.wait(p.wait) {
            progress("stopped");
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sinks::test_items::item;
    use super::super::sinks::SinkError;
    use super::*;
    use crate::bindings::exports::soar::integration::daemon::Item;
    use std::cell::RefCell;
    use std::collections::VecDeque;

    /// A guest whose polls return the queued answers, recording every call.
    #[derive(Default)]
    struct Fake {
        polls: RefCell<VecDeque<Result<Batch, Failure>>>,
        log: RefCell<Vec<String>>,
        instances: RefCell<usize>,
    }

    struct FakeCalls<'a>(&'a Fake, usize);

    impl Calls for FakeCalls<'_> {
        fn poll(&mut self, max: u32) -> Result<Batch, Failure> {
            self.0
                .log
                .borrow_mut()
                .push(format!("#{} poll {max}", self.1));
            self.0.polls.borrow_mut().pop_front().unwrap_or(Ok(Batch {
                items: vec![],
                more: false,
                remaining: None,
            }))
        }
        fn ack(&mut self, ids: &[String]) -> Result<(), Failure> {
            self.0
                .log
                .borrow_mut()
                .push(format!("#{} ack {}", self.1, ids.join(",")));
            Ok(())
        }
    }

    impl Guest for Fake {
        fn with_instance(
            &self,
            f: &mut dyn FnMut(&mut dyn Calls) -> StepReport,
        ) -> Result<StepReport, Failure> {
            *self.instances.borrow_mut() += 1;
            let n = *self.instances.borrow();
            Ok(f(&mut FakeCalls(self, n)))
        }
    }

    /// Stores everything except the ids it is told to refuse (for now) or
    /// to reject (for good).
    #[derive(Default)]
    struct MemSink {
        stored: Vec<String>,
        refuse: Vec<String>,
        reject: Vec<String>,
        /// `flush` fails (a full disk at the batch's sync).
        unflushable: bool,
    }

    impl Sink for MemSink {
        fn store(&mut self, item: &Item) -> Result<(), SinkError> {
            if self.refuse.contains(&item.id) {
                return Err(SinkError::new(Kind::Unavailable, "engine down"));
            }
            if self.reject.contains(&item.id) {
                return Err(SinkError::permanent(Kind::InvalidInput, "HTTP 422: no"));
            }
            self.stored.push(item.id.clone());
            Ok(())
        }
        fn flush(&mut self) -> Result<(), SinkError> {
            if self.unflushable {
                return Err(SinkError::new(Kind::Unavailable, "disk full"));
            }
            Ok(())
        }
        fn name(&self) -> &'static str {
            "mem"
        }
    }

    /// Keeps (id, sink, reason), or fails every write when `broken`.
    #[derive(Default)]
    struct MemDead {
        kept: Vec<(String, String, String)>,
        broken: bool,
    }

    impl DeadLetterStore for MemDead {
        fn put(&mut self, item: &Item, sink: &str, reason: &str) -> Result<(), String> {
            if self.broken {
                return Err("disk I/O error".into());
            }
            self.kept
                .push((item.id.clone(), sink.to_string(), reason.to_string()));
            Ok(())
        }
    }

    fn batch(ids: &[&str], more: bool) -> Result<Batch, Failure> {
        Ok(Batch {
            items: ids.iter().map(|i| item(i, &[("f", b"12")])).collect(),
            more,
            remaining: None,
        })
    }

    fn once(fake: &Fake, sink: &mut MemSink) -> (Result<(), Failure>, Vec<String>) {
        once_with(fake, sink, &mut MemDead::default())
    }

    fn once_with(
        fake: &Fake,
        sink: &mut MemSink,
        dead: &mut MemDead,
    ) -> (Result<(), Failure>, Vec<String>) {
        let mut lines = Vec::new();
        let settings = Settings {
            interval: Duration::from_secs(3600),
            max: 7,
            once: true,
            retry: Duration::from_secs(1),
            quiet_steps: false,
        };
        let r = run(
            fake,
            sink,
            dead,
            &settings,
            &Stop::default(),
            &mut |l| lines.push(l.to_string()),
            &[],
        );
        (r, lines)
    }

    #[test]
    fn once_runs_until_no_more_acking_in_the_same_instance() {
        let fake = Fake::default();
        fake.polls
            .borrow_mut()
            .extend([batch(&["a", "b"], true), batch(&["c"], false)]);
        let mut sink = MemSink::default();
        let (r, lines) = once(&fake, &mut sink);
        assert!(r.is_ok());
        assert_eq!(sink.stored, ["a", "b", "c"]);
        assert_eq!(
            *fake.log.borrow(),
            ["#1 poll 7", "#1 ack a,b", "#2 poll 7", "#2 ack c"]
        );
        assert!(
            lines[0].starts_with("step 1: polled 2, stored 2, acked 2, "),
            "{lines:?}"
        );
        assert!(
            lines[1].starts_with("step 2: polled 1, stored 1, acked 1, "),
            "{lines:?}"
        );
    }

    #[test]
    fn a_batch_the_sink_cannot_make_durable_is_not_acked() {
        let fake = Fake::default();
        fake.polls.borrow_mut().extend([batch(&["a", "b"], false)]);
        let mut sink = MemSink {
            unflushable: true,
            ..Default::default()
        };
        let (r, lines) = once(&fake, &mut sink);
        let f = r.unwrap_err();
        assert_eq!(f.kind, Kind::Unavailable);
        assert!(f.message.contains("disk full"), "{}", f.message);
        assert_eq!(*fake.log.borrow(), ["#1 poll 7"], "no ack");
        assert!(
            lines[0].starts_with("step 1: polled 2, stored 0, acked 0, "),
            "{lines:?}"
        );
    }

    #[test]
    fn a_sink_failure_acks_only_what_was_stored() {
        let fake = Fake::default();
        fake.polls
            .borrow_mut()
            .extend([batch(&["a", "b", "c"], true)]);
        let mut sink = MemSink {
            refuse: vec!["b".into()],
            ..Default::default()
        };
        let (r, lines) = once(&fake, &mut sink);
        let f = r.unwrap_err();
        assert_eq!(f.kind, Kind::Unavailable);
        assert!(f.message.contains("\"b\""), "{}", f.message);
        assert_eq!(sink.stored, ["a"]);
        assert_eq!(*fake.log.borrow(), ["#1 poll 7", "#1 ack a"]);
        assert!(lines[0].starts_with("step 1: polled 3, stored 1, acked 1, "));
        assert!(lines[1].starts_with("step 1: failed: unavailable: sink: item \"b\""));
    }

    /// A guest that will poll these batches, and a sink that rejects these ids.
    fn rejecting(polls: Vec<Result<Batch, Failure>>, reject: &[&str]) -> (Fake, MemSink) {
        let fake = Fake::default();
        fake.polls.borrow_mut().extend(polls);
        let sink = MemSink {
            reject: reject.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        (fake, sink)
    }

    #[test]
    fn an_item_refused_for_good_is_dead_lettered_and_the_queue_goes_on() {
        let (fake, mut sink) = rejecting(
            vec![batch(&["a", "b", "c", "d"], true), batch(&["e"], false)],
            &["a", "c"],
        );
        let mut dead = MemDead::default();
        let (r, lines) = once_with(&fake, &mut sink, &mut dead);
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(sink.stored, ["b", "d", "e"]);
        let kept: Vec<&str> = dead.kept.iter().map(|k| k.0.as_str()).collect();
        assert_eq!(kept, ["a", "c"]);
        assert_eq!(dead.kept[0].1, "mem");
        assert_eq!(dead.kept[0].2, "HTTP 422: no");
        assert_eq!(
            *fake.log.borrow(),
            ["#1 poll 7", "#1 ack a,b,c,d", "#2 poll 7", "#2 ack e"]
        );
        starts_with(
            &lines,
            &[
                "step 1: polled 4, stored 2, acked 4, dead-lettered 2, ",
                "step 1: warning: item \"a\" refused for good",
                "step 1: warning: item \"c\" refused for good",
                "step 2: polled 1, stored 1, acked 1, dead-lettered 0, ",
            ],
        );
        assert!(lines[1].ends_with(": HTTP 422: no"), "{lines:?}");
    }

    /// Each line begins as told, one for one.
    fn starts_with(lines: &[String], prefixes: &[&str]) {
        assert_eq!(lines.len(), prefixes.len(), "{lines:?}");
        for (line, prefix) in lines.iter().zip(prefixes) {
            assert!(
                line.starts_with(prefix),
                "{line:?} should start with {prefix:?}"
            );
        }
    }

    #[test]
    fn a_dead_letter_that_cannot_be_written_ends_the_step_unacked() {
        let (fake, mut sink) = rejecting(vec![batch(&["a", "b", "c"], true)], &["b"]);
        let mut dead = MemDead {
            broken: true,
            ..Default::default()
        };
        let (r, lines) = once_with(&fake, &mut sink, &mut dead);
        let f = r.unwrap_err();
        assert_eq!(f.kind, Kind::Internal);
        assert!(f.message.contains("\"b\""), "{}", f.message);
        assert!(f.message.contains("HTTP 422: no"), "{}", f.message);
        assert!(f.message.ends_with("disk I/O error"), "{}", f.message);
        assert_eq!(sink.stored, ["a"]);
        assert_eq!(*fake.log.borrow(), ["#1 poll 7", "#1 ack a"]);
        assert!(lines[0].starts_with("step 1: polled 3, stored 1, acked 1, dead-lettered 0, "));
    }

    #[test]
    fn a_poll_failure_ends_once_without_ack() {
        let fake = Fake::default();
        fake.polls
            .borrow_mut()
            .push_back(Err(Failure::invalid_input("daemon: folder not set")));
        let mut sink = MemSink::default();
        let (r, _) = once(&fake, &mut sink);
        assert_eq!(r.unwrap_err().kind, Kind::InvalidInput);
        assert_eq!(*fake.log.borrow(), ["#1 poll 7"]);
    }

    #[test]
    fn empty_batch_is_not_acked_and_more_without_items_stops() {
        let fake = Fake::default();
        fake.polls.borrow_mut().push_back(batch(&[], true));
        let mut sink = MemSink::default();
        assert!(once(&fake, &mut sink).0.is_ok());
        assert_eq!(*fake.log.borrow(), ["#1 poll 7"]);
    }

    #[test]
    fn plans() {
        let i = Duration::from_secs(60);
        let ok = |more| StepReport {
            polled: 1,
            more,
            ..Default::default()
        };
        let failed = |kind, retry: Option<u64>| StepReport {
            failure: Some(Failure {
                kind,
                message: String::new(),
                retry_after_ms: retry,
            }),
            ..Default::default()
        };
        let mut s = Streak::default();
        for _ in 0..MORE_IN_A_ROW {
            assert_eq!(plan(&ok(true), &mut s, i).wait, Duration::ZERO);
        }
        assert_eq!(plan(&ok(true), &mut s, i).wait, i, "bounded");
        assert_eq!(plan(&ok(true), &mut s, i).wait, Duration::ZERO);
        assert_eq!(plan(&ok(false), &mut s, i).wait, i);

        let waits: Vec<u64> = (0..7)
            .map(|_| {
                plan(&failed(Kind::Unavailable, None), &mut s, i)
                    .wait
                    .as_secs()
            })
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 900, 900, 900]);
        plan(&ok(false), &mut s, i);
        assert_eq!(
            plan(&failed(Kind::Unavailable, None), &mut s, i).wait,
            i,
            "reset"
        );

        let t = plan(&failed(Kind::Throttled, Some(5_000)), &mut s, i);
        assert_eq!((t.wait, t.why), (Duration::from_secs(5), "throttled"));
        let t = plan(&failed(Kind::Throttled, Some(86_400_000)), &mut s, i);
        assert_eq!(t.wait, MAX_WAIT);
        for k in [Kind::Unauthorized, Kind::Forbidden, Kind::InvalidInput] {
            assert_eq!(plan(&failed(k, None), &mut s, i).wait, i);
        }
    }

    #[test]
    fn daemon_mode_stops_when_asked() {
        let fake = Fake::default();
        fake.polls.borrow_mut().extend([batch(&["a"], false)]);
        let stop = Stop::default();
        let mut sink = MemSink::default();
        let settings = Settings {
            interval: Duration::from_secs(3600),
            max: 1,
            once: false,
            retry: Duration::from_secs(1),
            quiet_steps: false,
        };
        let mut lines = Vec::new();
        // The stop arrives during the step: the step completes (stored and
        // acked), then the loop ends without waiting the hour.
        struct StopDuring<'a>(&'a Fake, &'a Stop);
        impl Guest for StopDuring<'_> {
            fn with_instance(
                &self,
                f: &mut dyn FnMut(&mut dyn Calls) -> StepReport,
            ) -> Result<StepReport, Failure> {
                self.1.request();
                self.0.with_instance(f)
            }
        }
        let start = Instant::now();
        run(
            &StopDuring(&fake, &stop),
            &mut sink,
            &mut MemDead::default(),
            &settings,
            &stop,
            &mut |l| lines.push(l.to_string()),
            &[],
        )
        .unwrap();
        assert!(start.elapsed() < Duration::from_secs(10));
        assert_eq!(*fake.log.borrow(), ["#1 poll 1", "#1 ack a"]);
        assert_eq!(lines.last().unwrap(), "stopped");
    }
}
