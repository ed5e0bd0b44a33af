//! The benchmark's mock options: `/_mock/stats`, the request recorder and the
//! added latency (bench/run, docs/benchmarks.md).

mod common;

use std::time::{Duration, Instant};

use common::{basic, request};
use mock_exchange::bench_seed::{self, BENCH_FOLDER, BENCH_MAILBOX};
use mock_exchange::{MockExchange, MockOptions};

#[test]
fn stats_count_requests_and_the_recorder_keeps_them_in_order() {
    let dir = std::env::temp_dir().join(format!("mock-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("requests.jsonl");
    let mock = MockExchange::start(
        MockOptions::default()
            .basic_user(BENCH_MAILBOX, "pw")
            .control(true)
            .latency_ms(200)
            .record_requests(Some(record.clone())),
    )
    .unwrap();
    mock.with_model(|m| bench_seed::seed(m, BENCH_MAILBOX, BENCH_FOLDER, 3, 9));
    let stats_path = format!("/_mock/stats?folder={BENCH_MAILBOX}:{BENCH_FOLDER}");
    let stats = |mock: &MockExchange| -> serde_json::Value {
        let a = request(mock.addr(), "GET", &stats_path, &[], b"").unwrap();
        assert_eq!(a.status, 200);
        serde_json::from_str(&a.body).unwrap()
    };
    let before = stats(&mock);
    assert_eq!(
        before["http_requests"], 0,
        "the control path is not counted"
    );
    assert_eq!(before["folder"]["messages"], 3);
    assert_eq!(before["folder"]["unread"], 3);
    let auth = basic(BENCH_MAILBOX, "pw");
    let body = br#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body><m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></s:Body></s:Envelope>"#;
    let start = Instant::now();
    let a = request(
        mock.addr(),
        "POST",
        "/EWS/Exchange.asmx",
        &[("Content-Type", "text/xml"), ("Authorization", &auth)],
        body,
    )
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "the latency is added"
    );
    let after = stats(&mock);
    assert_eq!(after["http_requests"], 1);
    assert_eq!(after["operations"]["GetFolder"], 1);
    drop(mock);
    let lines = std::fs::read_to_string(&record).unwrap();
    let recorded: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recorded.len(), 1, "{lines}");
    assert_eq!(recorded[0]["method"], "POST");
    assert_eq!(recorded[0]["target"], "/EWS/Exchange.asmx");
    use base64::Engine as _;
    let got = base64::engine::general_purpose::STANDARD
        .decode(recorded[0]["body_b64"].as_str().unwrap())
        .unwrap();
    assert_eq!(got, body);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn control_paths_are_not_served_unless_asked() {
    let mock = MockExchange::start(MockOptions::default()).unwrap();
    let a = request(mock.addr(), "GET", "/_mock/stats", &[], b"").unwrap();
    assert_eq!(a.status, 404);
}
