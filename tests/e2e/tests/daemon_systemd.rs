//! The daemon under systemd (docs/service.md):
//! - stderr is the journal and JOURNAL_STREAM says so (its device and
//!   inode): each line then carries its syslog priority as a `<N>` prefix
//!   (sd-daemon(3)), so that `journalctl -p warning` finds a failed step; a
//!   process that merely inherited the variable prints plain lines;
//! - with `Type=notify`, NOTIFY_SOCKET: READY=1 once started, a STATUS line
//!   after each step, STOPPING=1 at the end (sd_notify(3)).

use e2e::fixtures::{self, ALICE, PHISHING};
use e2e::Api;
use mock_exchange::{faults, Fault};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

#[test]
fn on_the_journal_each_line_carries_its_priority() {
    let mock = fixtures::mock();
    fixtures::add_email(&mock, ALICE, PHISHING, "journal", 0);
    mock.inject(faults::ANY, Fault::ServerBusy { backoff_ms: 1000 }, 1);
    let (mut host, _sink) = fixtures::ingesting_host_on(&mock, Api::Ews);
    let log = host.dir.path().join("journal.log");
    std::fs::write(&log, "").unwrap();
    let meta = std::fs::metadata(&log).unwrap();
    host.env("JOURNAL_STREAM", &format!("{}:{}", meta.dev(), meta.ino()));
    let status = host
        .spawn_logged(&["daemon", "--once"], &log)
        .wait()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(6), "throttled: {text}");
    let lines: Vec<&str> = text.lines().collect();
    let started = lines
        .iter()
        .find(|l| l.contains("started: sink dir"))
        .unwrap();
    assert!(started.starts_with("<6>daemon: "), "{text}");
    let failed = lines
        .iter()
        .find(|l| l.contains("step 1: failed: throttled"))
        .unwrap();
    assert!(failed.starts_with("<4>daemon: "), "{text}");
    let warn = lines.iter().find(|l| l.contains("WARN ")).unwrap();
    assert!(warn.starts_with("<4>WARN "), "{text}");

    // Inherited, but stderr is another file: no prefixes.
    let other = host.dir.path().join("other.log");
    let status = host
        .spawn_logged(&["daemon", "--once"], &other)
        .wait()
        .unwrap();
    let text = std::fs::read_to_string(&other).unwrap();
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(text.lines().all(|l| !l.starts_with('<')), "{text}");
    assert!(
        text.contains("daemon: step 1: polled 1, stored 1, acked 1"),
        "{text}"
    );
}

#[test]
fn with_a_notify_socket_it_says_ready_what_it_did_and_stopping() {
    let mock = fixtures::mock();
    for i in 0..3 {
        fixtures::add_email(&mock, ALICE, PHISHING, &format!("notify {i}"), i);
    }
    let (mut host, _sink) = fixtures::ingesting_host_on(&mock, Api::Ews);
    let socket = host.dir.path().join("notify.sock");
    let systemd = UnixDatagram::bind(&socket).unwrap();
    systemd
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    host.env("NOTIFY_SOCKET", socket.to_str().unwrap());
    let run = host.run(&["daemon", "--once", "--max", "2"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let mut said = Vec::new();
    let mut buf = [0u8; 1024];
    while said.last().map(String::as_str) != Some("STOPPING=1") {
        let n = systemd.recv(&mut buf).expect("the daemon's notifications");
        said.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(said[0], "READY=1", "{said:?}");
    assert!(
        said.contains(&"STATUS=3 emails delivered in 2 steps since the start".to_string()),
        "{said:?}"
    );
}
