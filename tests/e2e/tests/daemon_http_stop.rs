//! SIGTERM while the http sink waits to retry (the engine asked for 60 s):
//! the daemon stops within seconds, not after the wait, and the email stays
//! unread for the next run.

use e2e::fixtures::{self, email, ALICE, ALICE_PASSWORD, PHISHING};
use e2e::Host;
use mock_exchange::{EngineFault, EngineOptions, MockEngine, NewMessage};
use std::time::{Duration, Instant};

#[test]
fn sigterm_during_a_retry_wait_stops_the_daemon_promptly() {
    let mock = fixtures::mock();
    mock.add_message(
        ALICE,
        PHISHING,
        &email("a@x.example", "Invoice", "body"),
        NewMessage::default(),
    );
    let engine = MockEngine::start(EngineOptions {
        access_id: "soar-id".into(),
        access_key: "soar-key-7c41".into(),
    })
    .expect("start the mock engine");
    engine.inject(
        EngineFault::Status {
            code: 503,
            retry_after: Some(60),
        },
        10,
    );
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set("folder", PHISHING)
        .set("sink", "http")
        .set("engine_api_url", &engine.url())
        .set("engine_access_id", "soar-id")
        .secret("engine_access_key", "soar-key-7c41");
    let mut child = host.spawn(&["daemon", "--interval", "1h"]);

    // Wait for the first refused post: the sink is then waiting 30 s (60 s
    // asked, capped) before the next attempt.
    let deadline = Instant::now() + Duration::from_secs(120);
    while engine.requests() == 0 {
        assert!(Instant::now() < deadline, "the daemon never posted");
        assert!(child.try_wait().unwrap().is_none(), "the daemon exited");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the daemon did not stop within 20 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    assert_eq!(status.code(), Some(0), "a requested stop is a clean exit");
    assert_eq!(engine.requests(), 1, "no attempt after the signal");
    assert!(engine.records().is_empty());
    // Not stored, so not acked: still unread, it comes again next run.
    let unread: Vec<bool> = mock
        .messages(ALICE, PHISHING)
        .iter()
        .map(|m| !m.is_read)
        .collect();
    assert_eq!(unread, [true]);
}
