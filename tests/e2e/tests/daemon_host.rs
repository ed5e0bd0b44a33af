//! The daemon command itself: the stdout sink's lines, and a graceful stop.

use e2e::fixtures::{self, email, ingesting_host, ALICE, ALICE_PASSWORD, PHISHING};
use e2e::{dir_sink_records, Host};
use mock_exchange::NewMessage;
use serde_json::Value;
use std::time::{Duration, Instant};

fn seed(mock: &mock_exchange::MockExchange, n: usize) {
    for i in 0..n {
        let received = format!("2026-11-20T09:{i:02}:00Z");
        mock.add_message(
            ALICE,
            PHISHING,
            &email("a@x.example", &format!("m{i}"), "body"),
            NewMessage {
                received: &received,
                ..NewMessage::default()
            },
        );
    }
}

#[test]
fn the_stdout_sink_prints_one_line_per_email_with_files_inline_on_request() {
    let mock = fixtures::mock();
    seed(&mock, 3);
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set("folder", PHISHING)
        .set("sink", "stdout")
        .set("sink_stdout_files", "inline");
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    for line in &lines {
        assert_eq!(line["id"], line["record"]["id"]);
        let eml = line["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "message.eml")
            .expect("message.eml");
        assert!(eml["data_base64"].as_str().is_some_and(|d| !d.is_empty()));
    }
    assert!(
        run.stderr
            .contains("daemon: step 1: polled 3, stored 3, acked 3"),
        "{}",
        run.stderr
    );
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0);
}

#[test]
fn sigterm_finishes_the_step_and_stops() {
    let mock = fixtures::mock();
    seed(&mock, 4);
    let (host, sink) = ingesting_host(&mock);
    let mut child = host.spawn(&["daemon", "--interval", "1h"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while mock.unread_count(ALICE, PHISHING) > 0 {
        assert!(Instant::now() < deadline, "the first step never finished");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Now it waits an hour for the next step: SIGTERM must end that at once.
    let stopped = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code, Some(0));
    eprintln!("stopped {:?} after SIGTERM", stopped.elapsed());
    assert_eq!(dir_sink_records(&sink).len(), 4);
}

fn sigterm(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_for_exit(child: &mut std::process::Child, within: Duration) -> Option<i32> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code();
        }
        assert!(Instant::now() < deadline, "still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the mock has seen `n` requests of `operation`.
fn wait_for_request(mock: &mock_exchange::MockExchange, operation: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while mock
        .requests()
        .iter()
        .filter(|r| r.operation == operation)
        .count()
        < n
    {
        assert!(Instant::now() < deadline, "no {operation} request");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigterm_during_a_step_lets_it_finish_and_a_second_one_stops_at_once() {
    let mock = fixtures::mock();
    seed(&mock, 3);
    mock.inject("GetItem", mock_exchange::Fault::Delay { ms: 1500 }, 1);
    let (host, sink) = ingesting_host(&mock);
    let mut child = host.spawn(&["daemon", "--interval", "1h"]);
    wait_for_request(&mock, "FindItem", 1);
    sigterm(&child);
    assert_eq!(wait_for_exit(&mut child, Duration::from_secs(30)), Some(0));
    assert_eq!(
        dir_sink_records(&sink).len(),
        3,
        "the step under way was finished"
    );
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0, "and acked");

    seed(&mock, 2);
    mock.inject("GetItem", mock_exchange::Fault::Delay { ms: 20_000 }, 1);
    let mut child = host.spawn(&["daemon", "--interval", "1h"]);
    wait_for_request(&mock, "FindItem", 2);
    std::thread::sleep(Duration::from_millis(200));
    sigterm(&child);
    std::thread::sleep(Duration::from_millis(200));
    sigterm(&child);
    let started = Instant::now();
    assert_eq!(
        wait_for_exit(&mut child, Duration::from_secs(10)),
        Some(143)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        mock.unread_count(ALICE, PHISHING),
        2,
        "nothing acked: the next run delivers them"
    );
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(dir_sink_records(&sink).len(), 5);
}
