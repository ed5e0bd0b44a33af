//! Moving a running mailbox from EWS to Microsoft Graph (and back) with one
//! setting: the engine sees each email once under one idempotency key, a
//! mark-read left pending by EWS is carried out over Graph, mail that arrives
//! around the switch is delivered, and Graph's throttling waits instead of
//! losing anything.

use e2e::fixtures::{self, email, ALICE, CLIENT_ID, CLIENT_SECRET, PHISHING, TENANT};
use e2e::{Api, Host, MockExchange};
use mock_exchange::{EngineOptions, Fault, MockEngine, NewMessage};
use std::collections::BTreeSet;

fn add(mock: &MockExchange, subject: &str, minute: u32) -> String {
    mock.add_message(
        ALICE,
        PHISHING,
        &email("m@evil.example", subject, "x"),
        NewMessage {
            received: &format!("2026-11-20T10:{minute:02}:00Z"),
            ..NewMessage::default()
        },
    )
}

/// Alice's Phishing folder over `api`, into `engine`, with one state database
/// (`state` of the first host) for every host.
fn host(mock: &MockExchange, engine: &MockEngine, api: Api, state: Option<&Host>) -> Host {
    let mut h = Host::oauth_on(api, mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    h.set("folder", PHISHING)
        .set("sink", "http")
        .set("engine_api_url", &engine.url())
        .set("engine_access_id", "soar-id")
        .secret("engine_access_key", "soar-key-91f3");
    if let Some(first) = state {
        let path = first.dir.path().join("state.sqlite3");
        h.set("state_path", path.to_str().unwrap());
    }
    h
}

fn once(host: &Host) -> e2e::Run {
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    run
}

fn engine() -> MockEngine {
    MockEngine::start(EngineOptions {
        access_id: "soar-id".into(),
        access_key: "soar-key-91f3".into(),
    })
    .expect("start the mock engine")
}

fn subjects(engine: &MockEngine) -> BTreeSet<String> {
    engine
        .records()
        .iter()
        .map(|r| {
            r["record"]["subject"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn switching_from_ews_to_graph_mid_stream_delivers_nothing_twice_and_loses_nothing() {
    let mock = fixtures::mock();
    let engine = engine();
    // Delivered and marked read over EWS, then marked unread again by
    // someone: only a record id that does not change with the transport
    // keeps Graph from handing them out again. Those ids have a / or a +,
    // so that their Graph form differs.
    let early: Vec<String> = (0..4)
        .map(|i| add(&mock, &format!("early {i}"), i))
        .filter(|id| id.contains(['/', '+']))
        .collect();
    assert!(!early.is_empty(), "an id whose two forms differ");
    let ews = host(&mock, &engine, Api::Ews, None);
    once(&ews);
    for id in &early {
        assert!(mock.set_read(id, false));
    }
    let delivered_early = engine.records().len();
    let first: Vec<String> = (10..13)
        .map(|i| add(&mock, &format!("before {i}"), i))
        .collect();
    // EWS delivers them, but its mark-read is refused: all three are
    // delivered, unread, their mark-read pending in the checkpoint.
    mock.inject("UpdateItem", Fault::ServerBusy { backoff_ms: 100 }, 1);
    once(&ews);
    assert_eq!(engine.records().len(), delivered_early + 3);
    assert!(first.iter().all(|id| !mock.message(id).unwrap().is_read));
    let keys_before: BTreeSet<String> = engine.posts_per_key().into_keys().collect();

    // Two arrive; the mailbox moves to Graph (same state, same engine).
    let later: Vec<String> = (3..5)
        .map(|i| add(&mock, &format!("after {i}"), i))
        .collect();
    let requests_before = mock.requests().len();
    let graph = host(&mock, &engine, Api::Graph, Some(&ews));
    once(&graph);
    once(&graph);

    assert_eq!(
        subjects(&engine),
        [
            "early 0", "early 1", "early 2", "early 3", "before 10", "before 11", "before 12",
            "after 3", "after 4"
        ]
        .map(String::from)
        .into(),
    );
    assert_eq!(engine.duplicates(), 0, "{:?}", engine.posts_per_key());
    let keys: BTreeSet<String> = engine.posts_per_key().into_keys().collect();
    assert!(
        keys_before.is_subset(&keys),
        "the idempotency keys did not change"
    );
    assert_eq!(keys.len(), 9, "each email under one key");
    for id in first.iter().chain(&later) {
        assert!(mock.message(id).unwrap().is_read, "{id}: marked read");
    }
    for id in &early {
        assert!(!mock.message(id).unwrap().is_read, "{id}: left as its reader set it");
    }
    let after: Vec<_> = mock.requests().into_iter().skip(requests_before).collect();
    assert!(
        after
            .iter()
            .all(|r| r.operation.starts_with("graph") || r.operation == "token"),
        "nothing went to EWS after the switch: {after:#?}"
    );
    // The pending mark-reads went over Graph, in $batch requests.
    let patches = after
        .iter()
        .filter(|r| r.operation == "graph.updateMessage")
        .count();
    assert_eq!(patches, 5);

    // And back to EWS: nothing is delivered again.
    let one_more = add(&mock, "back on ews", 9);
    let ews_again = host(&mock, &engine, Api::Ews, Some(&ews));
    once(&ews_again);
    assert_eq!(engine.records().len(), 10);
    assert_eq!(engine.duplicates(), 0);
    assert!(mock.message(&one_more).unwrap().is_read);
    fixtures::assert_faithful(&mock);
}

#[test]
fn graph_throttling_waits_and_loses_nothing() {
    let mock = fixtures::mock();
    let engine = engine();
    for i in 0..4 {
        add(&mock, &format!("m{i}"), i);
    }
    // The listing is throttled once with Retry-After, then the MIME without
    // one: all four inside the $batch, and again when the first is asked for
    // alone (a 503 inside a batch is tried once more, alone, at once).
    mock.inject(
        "graph.messages",
        Fault::Status {
            code: 429,
            retry_after: Some(1),
        },
        1,
    );
    mock.inject(
        "graph.mime",
        Fault::Status {
            code: 503,
            retry_after: None,
        },
        5,
    );
    let graph = host(&mock, &engine, Api::Graph, None);
    // --once gives up a throttled step with the throttled exit code (6) and
    // says how long to wait; the next run goes on from the checkpoint.
    let mut codes = Vec::new();
    for _ in 0..4 {
        let run = graph.run(&["daemon", "--once"]);
        codes.push(run.code);
        if run.code == 0 {
            break;
        }
        assert_eq!(run.code, 6, "{run:#?}");
        assert!(
            run.stderr.contains("retry_after_ms"),
            "the wait is said: {run:#?}"
        );
    }
    assert_eq!(codes, [6, 6, 0]);
    assert_eq!(mock.faults_served().len(), 6);
    assert_eq!(engine.records().len(), 4);
    assert_eq!(engine.duplicates(), 0);
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0);
    fixtures::assert_faithful(&mock);
}
