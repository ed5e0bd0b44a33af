//! `daemon --metrics ADDR` (docs/metrics.md): a scrape of the running daemon
//! says what the sink received, in Prometheus's text format: the emails and
//! bytes it ingested, the throttled wait the server asked for, the failed
//! step by kind, every step in the duration histogram, the last success.

use e2e::fixtures::{self, ALICE, PHISHING};
use e2e::running::{wait_for, Running};
use e2e::{dir_sink_records, on_both_apis, Api};
use mock_exchange::{faults, Fault};
use std::io::{Read, Write};

on_both_apis!(a_scrape_counts_what_the_sink_received);

/// `GET path` on the endpoint: (status line, body).
fn get(addr: &str, path: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the metrics endpoint");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// The value of the series `name{labels}` (labels as printed).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

fn a_scrape_counts_what_the_sink_received(api: Api) {
    let mock = fixtures::mock();
    for i in 0..5 {
        fixtures::add_email(&mock, ALICE, PHISHING, &format!("metrics {i}"), i);
    }
    // The first request is throttled: one wait of one second, asked for.
    match api {
        Api::Ews => mock.inject(faults::ANY, Fault::ServerBusy { backoff_ms: 1000 }, 1),
        Api::Graph => mock.inject(
            faults::ANY_GRAPH,
            Fault::Status {
                code: 429,
                retry_after: Some(1),
            },
            1,
        ),
    }
    let (mut host, sink) = fixtures::ingesting_host_on(&mock, api);
    host.set("folder", PHISHING);
    let daemon = Running::start_with(
        &host,
        "daemon",
        &["--interval", "1s", "--max", "2", "--metrics", "127.0.0.1:0"],
    );
    wait_for(
        60,
        || daemon.log().contains("metrics: http://"),
        || daemon.log(),
    );
    let log = daemon.log();
    let addr = log
        .split("metrics: http://")
        .nth(1)
        .and_then(|r| r.split("/metrics").next())
        .unwrap()
        .to_string();
    wait_for(120, || dir_sink_records(&sink).len() == 5, || daemon.log());
    // The step that stored the last one has also acked it once its line is out.
    wait_for(30, || daemon.log().contains("acked 1,"), || daemon.log());
    let (status, text) = get(&addr, "/metrics");
    assert!(status.contains(" 200 "), "{status}");
    let mailbox = format!("mailbox=\"{ALICE} {PHISHING}\"");
    let series = |name: &str| format!("{name}{{{mailbox}}}");
    assert_eq!(value(&text, &series("ews_emails_ingested_total")), 5.0);
    let log = daemon.log();
    let bytes: f64 = log
        .lines()
        .filter_map(|l| {
            l.split(" bytes, in ")
                .next()?
                .rsplit(", ")
                .next()?
                .parse::<f64>()
                .ok()
        })
        .sum();
    assert_eq!(value(&text, &series("ews_ingested_bytes_total")), bytes);
    assert_eq!(value(&text, &series("ews_throttled_waits_total")), 1.0);
    assert_eq!(
        value(&text, &series("ews_throttled_wait_seconds_total")),
        1.0
    );
    let failures = format!("ews_step_failures_total{{{mailbox},kind=\"throttled\"}}");
    assert_eq!(value(&text, &failures), 1.0);
    let steps = log.lines().filter(|l| l.contains(": polled ")).count() as f64;
    assert!(value(&text, &series("ews_step_duration_seconds_count")) >= steps);
    let last = value(&text, &series("ews_last_success_timestamp_seconds"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(now - last < 60.0 && last <= now + 1.0, "{last} vs {now}");
    assert!(
        text.contains("# TYPE ews_step_duration_seconds histogram"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    let (status, _) = get(&addr, "/");
    assert!(status.contains(" 404 "), "{status}");
    daemon.stop();
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "the endpoint goes with the process"
    );
}
