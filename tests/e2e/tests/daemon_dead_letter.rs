//! An email the engine refuses for good (413, 422) becomes a dead letter in
//! the state database and is marked read, and the rest of the queue flows;
//! an engine refusing our credentials dead-letters nothing and acks nothing;
//! `ews-host dead-letters` lists, exports and deletes; and a failure of
//! `daemon --once` never lands in the stdout sink's record stream.

use e2e::fixtures::{self, email, ALICE, ALICE_PASSWORD, PHISHING};
use e2e::{Host, MockExchange};
use mock_exchange::{EngineOptions, Fault, MockEngine, NewMessage};
use serde_json::Value;

const ACCESS_ID: &str = "soar-id";
const ACCESS_KEY: &str = "soar-key-5d2e";

/// Emails with these subjects, one minute apart: the first is the oldest.
fn seed(mock: &MockExchange, subjects: &[&str]) -> Vec<String> {
    subjects
        .iter()
        .enumerate()
        .map(|(i, subject)| {
            let received = format!("2026-11-20T10:{i:02}:00Z");
            mock.add_message(
                ALICE,
                PHISHING,
                &email("a@x.example", subject, "body"),
                NewMessage {
                    received: &received,
                    ..NewMessage::default()
                },
            )
        })
        .collect()
}

fn http_host(mock: &MockExchange, engine: &MockEngine, key: &str) -> Host {
    let mut host = Host::basic(mock, ALICE, ALICE_PASSWORD);
    host.set("folder", PHISHING)
        .set("sink", "http")
        .set("engine_api_url", &engine.url())
        .set("engine_access_id", ACCESS_ID)
        .secret("engine_access_key", key);
    host
}

fn engine() -> MockEngine {
    MockEngine::start(EngineOptions {
        access_id: ACCESS_ID.into(),
        access_key: ACCESS_KEY.into(),
    })
    .expect("start the mock engine")
}

/// `dead-letters list`: one JSON object per line.
fn dead_letters(host: &Host) -> Vec<Value> {
    let run = host.run(&["dead-letters", "list"]);
    assert_eq!(run.code, 0, "{run:#?}");
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn emails_the_engine_refuses_for_good_are_dead_lettered_and_the_rest_flow() {
    let mock = fixtures::mock();
    let subjects = [
        "[bad-422] oldest",
        "second",
        "[big-413] third",
        "fourth",
        "fifth",
    ];
    let ids = seed(&mock, &subjects);
    let engine = engine();
    engine.refuse_subject("[bad-422]", 422);
    engine.refuse_subject("[big-413]", 413);
    let host = http_host(&mock, &engine, ACCESS_KEY);

    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.is_empty(), "{run:#?}");
    let stored: Vec<String> = engine
        .records()
        .iter()
        .map(|r| r["record"]["subject"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        stored,
        ["second", "fourth", "fifth"],
        "the others reached the engine, in order"
    );
    assert_eq!(
        mock.unread_count(ALICE, PHISHING),
        0,
        "all marked read, the refused ones too"
    );
    for id in &ids {
        assert!(mock.message(id).unwrap().is_read);
    }
    assert!(
        run.stderr
            .contains("polled 5, stored 3, acked 5, dead-lettered 2,"),
        "{}",
        run.stderr
    );
    let refused = engine.refused();
    assert_eq!(refused.len(), 2);
    assert!(
        refused.values().all(|n| *n == 1),
        "a 4xx is not retried: {refused:?}"
    );
    for id in refused.keys() {
        let warning = run
            .stderr
            .lines()
            .find(|l| l.contains("warning") && l.contains(id.as_str()));
        assert!(
            warning.is_some_and(|w| w.contains("HTTP 4")),
            "{}",
            run.stderr
        );
    }

    let letters = dead_letters(&host);
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert_eq!(letters[0]["subject"], "[bad-422] oldest", "oldest first");
    let by_subject = |s: &str| {
        letters
            .iter()
            .find(|l| l["subject"] == s)
            .unwrap_or_else(|| panic!("{s}: {letters:?}"))
    };
    let bad = by_subject("[bad-422] oldest");
    assert!(
        bad["reason"].as_str().unwrap().contains("HTTP 422"),
        "{bad}"
    );
    assert!(by_subject("[big-413] third")["reason"]
        .as_str()
        .unwrap()
        .contains("HTTP 413"));
    for l in &letters {
        assert_eq!(l["sink"], "http");
        assert!(refused.contains_key(l["id"].as_str().unwrap()), "{l}");
        assert!(l["time"].as_str().unwrap().ends_with('Z'));
        assert!(
            l["files"].as_u64().unwrap() >= 1,
            "message.eml at least: {l}"
        );
    }

    // Export gives the record back as the dir sink lays it out.
    let id = bad["id"].as_str().unwrap();
    let out = host.dir.path().join("recovered");
    let run = host.run(&["dead-letters", "export", id, "--out", out.to_str().unwrap()]);
    let output = run.output();
    assert_eq!(output["id"], id);
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(id).join("record.json")).unwrap())
            .unwrap();
    assert_eq!(record["id"], id);
    assert_eq!(record["subject"], "[bad-422] oldest");
    assert_eq!(record["item_id"], ids[0].as_str());
    let eml = std::fs::read(out.join(id).join("message.eml")).unwrap();
    assert!(String::from_utf8_lossy(&eml).contains("Subject: [bad-422] oldest"));
    let files = run.json()["files"].as_array().unwrap().clone();
    assert!(
        files
            .iter()
            .any(|f| f["name"] == "message.eml" && f["size"] == eml.len()),
        "{files:?}"
    );

    // Nothing comes again; delete forgets one, and only once.
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(engine.refused().values().all(|n| *n == 1));
    assert_eq!(
        host.run(&["dead-letters", "delete", id]).output()["deleted"],
        true
    );
    assert_eq!(dead_letters(&host).len(), 1);
    host.run(&["dead-letters", "delete", id])
        .failure("not-found", 5);
    host.run(&["dead-letters", "export", id, "--out", out.to_str().unwrap()])
        .failure("not-found", 5);
}

#[test]
fn an_engine_refusing_our_credentials_dead_letters_nothing_and_acks_nothing() {
    let mock = fixtures::mock();
    let ids = seed(&mock, &["one", "two", "three"]);
    let engine = engine();
    let host = http_host(&mock, &engine, "wrong-key-7a1c");

    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 3, "unauthorized: {run:#?}");
    assert!(run.stdout.is_empty(), "{run:#?}");
    let failure = run
        .stderr
        .lines()
        .find(|l| l.starts_with("{\"ok\":false"))
        .expect("the failure line");
    let failure: Value = serde_json::from_str(failure).unwrap();
    assert_eq!(failure["error"]["kind"], "unauthorized");
    assert!(
        failure["error"]["message"]
            .as_str()
            .unwrap()
            .contains("engine_access_key"),
        "{failure}"
    );
    assert!(
        run.stderr.contains("acked 0, dead-lettered 0,"),
        "{}",
        run.stderr
    );
    for id in &ids {
        assert!(
            !mock.message(id).unwrap().is_read,
            "not stored, so not acked"
        );
    }
    assert!(engine.records().is_empty());
    assert!(dead_letters(&host).is_empty());
}

#[test]
fn with_the_stdout_sink_a_failure_stays_out_of_the_record_stream() {
    let mock = fixtures::mock();
    seed(&mock, &["one", "two"]);
    // The first step's FindItem answers normally, the second step's with 401.
    mock.inject("FindItem", Fault::Delay { ms: 0 }, 1);
    mock.inject(
        "FindItem",
        Fault::Status {
            code: 401,
            retry_after: None,
        },
        1,
    );
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set("folder", PHISHING).set("sink", "stdout");

    let run = host.run(&["daemon", "--once", "--max", "1"]);
    assert_eq!(run.code, 3, "{run:#?}");
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "the first step's record only: {}",
        run.stdout
    );
    assert_eq!(lines[0]["record"]["subject"], "one");
    assert!(lines[0].get("ok").is_none());
    let failure = run
        .stderr
        .lines()
        .find(|l| l.starts_with("{\"ok\":false"))
        .expect("the failure on stderr");
    let failure: Value = serde_json::from_str(failure).unwrap();
    assert_eq!(failure["error"]["kind"], "unauthorized");

    // So does a refused command line, and a dead-letters command without a state file is a clear failure.
    let run = host.run(&["daemon", "--max", "0"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stdout.is_empty(), "{run:#?}");
    assert!(
        run.stderr.contains("\"kind\":\"invalid-input\""),
        "{}",
        run.stderr
    );
    let mut fresh = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let missing = fresh.dir.path().join("none.sqlite3");
    fresh.set("state_path", missing.to_str().unwrap());
    let message = fresh.run(&["dead-letters", "list"]).failure("not-found", 5);
    assert!(message.contains("state_path"), "{message}");
}
