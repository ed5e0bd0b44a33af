//! Crash safety: the host is killed (SIGKILL) at hundreds of random moments
//! while it ingests, and restarted each time. Nothing may be lost, nothing
//! delivered twice, and everything must end up read.

use e2e::fixtures::{self, email, ingesting_host, ALICE, PHISHING};
use e2e::{dir_sink_records, Host, MockExchange};
use mock_exchange::{EngineOptions, MockEngine, NewMessage};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A small deterministic generator, seeded from the clock and printed, so a
/// failing run can be replayed with E2E_SEED.
struct Rng(u64);
impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("E2E_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("crash test seed: E2E_SEED={seed}");
        Rng(seed | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn seed_mail(mock: &MockExchange, n: usize) -> BTreeSet<String> {
    (0..n)
        .map(|i| {
            let received = format!("2026-11-{:02}T{:02}:{:02}:{:02}Z", 10 + i / 3600 % 10, i / 60 % 24, i % 60, i % 60);
            mock.add_message(
                ALICE,
                PHISHING,
                &email("report@evil.com", &format!("phish {i}"), &"x".repeat(i % 500)),
                NewMessage { received: &received, ..NewMessage::default() },
            )
        })
        .collect()
}

/// Starts the host and SIGKILLs it after a random delay, again and again,
/// until `kills` kills have landed while it ran and mail was still unread;
/// then lets it finish. How far one run gets before its kill depends on the
/// machine's speed and load, so the delay's range adapts: it shrinks when a
/// run ingested more than the remaining kills can afford, and grows when runs
/// make no progress. Small steps (`--max 5`) keep each run's progress short.
fn kill_repeatedly(host: &Host, mock: &MockExchange, kills: usize, max_ms: u64) -> usize {
    let mut rng = Rng::new();
    let mut landed = 0;
    let mut range = max_ms;
    let unread = || mock.unread_count(ALICE, PHISHING);
    for _ in 0..kills * 10 {
        let before = unread();
        if landed >= kills || before == 0 {
            break;
        }
        let mut child = host.spawn(&["daemon", "--once", "--max", "5"]);
        std::thread::sleep(Duration::from_millis(rng.below(range)));
        if child.try_wait().unwrap().is_none() {
            landed += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let progressed = before - unread();
        let affordable = unread() / (kills - landed.min(kills)).max(1);
        if progressed > affordable.max(1) {
            range = (range * 3 / 4).max(10);
        } else if progressed == 0 {
            range = (range * 11 / 10 + 1).min(2_000);
        }
    }
    let started = Instant::now();
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "the run after the crashes finishes: {run:#?}");
    eprintln!("final run took {:?}, delay range at the end {range} ms", started.elapsed());
    landed
}

/// The ingest benchmark (not a test): `E2E_HOST_BIN=target/release/ews-host
/// cargo test -p e2e --test daemon_crash measure -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_a_full_run() {
    let mock = fixtures::mock();
    seed_mail(&mock, 1000);
    let (host, _sink) = ingesting_host(&mock);
    let started = Instant::now();
    let max = std::env::var("E2E_MAX").unwrap_or_else(|_| "50".into());
    let run = host.run(&["daemon", "--once", "--max", &max]);
    eprintln!("{}", run.stderr.lines().take(5).collect::<Vec<_>>().join("\n"));
    eprintln!("full run of 1000 emails, --max {max}: {:?}", started.elapsed());
    let requests = mock.requests();
    let count = |op: &str| requests.iter().filter(|r| r.operation == op).count();
    eprintln!(
        "EWS requests per 100 emails: FindFolder {}, FindItem {}, GetItem {}, UpdateItem {}",
        count("FindFolder") as f64 / 10.0,
        count("FindItem") as f64 / 10.0,
        count("GetItem") as f64 / 10.0,
        count("UpdateItem") as f64 / 10.0
    );
}

/// Alice's Phishing folder ingested into a mock automation engine.
fn http_sink_host(mock: &MockExchange) -> (MockEngine, Host) {
    let engine = MockEngine::start(EngineOptions { access_id: "soar-id".into(), access_key: "soar-key-91f3".into() })
        .expect("start the mock engine");
    let mut host = Host::basic(mock, ALICE, fixtures::ALICE_PASSWORD);
    host.set("folder", PHISHING)
        .set("sink", "http")
        .set("engine_api_url", &engine.url())
        .set("engine_access_id", "soar-id")
        .secret("engine_access_key", "soar-key-91f3");
    (engine, host)
}

#[test]
fn a_thousand_emails_survive_two_hundred_kills_exactly_once() {
    let mock = fixtures::mock();
    let ids = seed_mail(&mock, 1000);
    let (host, sink) = ingesting_host(&mock);
    let landed = kill_repeatedly(&host, &mock, 200, 200);
    assert!(landed >= 200, "only {landed} kills landed while the host ran");

    let records = dir_sink_records(&sink);
    let delivered: Vec<String> = records.iter().map(|(_, r)| r["item_id"].as_str().unwrap().to_string()).collect();
    let unique: BTreeSet<String> = delivered.iter().cloned().collect();
    assert_eq!(unique.len(), delivered.len(), "no email twice");
    assert_eq!(unique, ids, "every email, and only those");
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0, "all marked read");
    let litter: Vec<_> = std::fs::read_dir(&sink)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(litter.is_empty(), "no half-written email left: {litter:?}");
    assert_eq!(mock.schema_failures(), 0);
    eprintln!("crash test: {landed} kills landed mid-run; 1000 of 1000 emails delivered once, all read");
}

#[test]
fn killed_between_engine_and_ack_the_engine_sees_only_its_idempotency_key_again() {
    let mock = fixtures::mock();
    let ids = seed_mail(&mock, 200);
    let (engine, host) = http_sink_host(&mock);
    let landed = kill_repeatedly(&host, &mock, 50, 200);

    let posts = engine.posts_per_key();
    let records = engine.records();
    assert_eq!(records.len(), ids.len(), "every email stored once by the engine");
    let stored: BTreeSet<String> = records.iter().map(|r| r["record"]["item_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(stored, ids);
    let repeats: usize = posts.values().map(|n| n - 1).sum();
    let max = posts.values().max().copied().unwrap_or(0);
    eprintln!(
        "http sink crash test: {landed} kills landed; {} emails, {} POSTs, {repeats} repeated POSTs (max {max} for one key), all deduplicated by Idempotency-Key",
        ids.len(),
        posts.values().sum::<usize>()
    );
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0);
}

#[test]
fn the_http_sink_retries_a_busy_engine_and_acks_only_what_it_stored() {
    let mock = fixtures::mock();
    let ids = seed_mail(&mock, 5);
    let (engine, mut host) = http_sink_host(&mock);
    engine.inject(mock_exchange::EngineFault::Status { code: 503, retry_after: Some(1) }, 2);
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(engine.records().len(), ids.len());
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0);

    // An engine that refuses the credentials: nothing is acked, all stays unread.
    let more = seed_mail(&mock, 2);
    host.secret("engine_access_key", "wrong-key-000");
    let run = host.run(&["daemon", "--once"]);
    assert_ne!(run.code, 0, "{run:#?}");
    for id in &more {
        assert!(!mock.message(id).unwrap().is_read, "not stored, so not acked");
    }
}
