//! Request framing: every body the component sends must carry Content-Length,
//! never `Transfer-Encoding: chunked`. Proxies and load balancers in front of
//! on-premises Exchange that read only Content-Length answer a chunked
//! request with 411, or pass it on with an empty body. The mock plays such a
//! proxy (`require_content_length`) and records how each body was framed.

use e2e::fixtures::{self, email, ALICE, CLIENT_ID, CLIENT_SECRET, PHISHING, TENANT};
use e2e::Host;
use mock_exchange::{Framing, NewMessage};
use serde_json::json;
use std::collections::BTreeSet;

#[test]
fn every_request_body_carries_its_content_length_for_ews_and_the_token_endpoint() {
    let mock = fixtures::mock();
    for i in 0..3 {
        let received = format!("2026-11-20T09:0{i}:00Z");
        let mime = email("report@evil.com", &format!("phish {i}"), "body");
        mock.add_message(
            ALICE,
            PHISHING,
            &mime,
            NewMessage {
                received: &received,
                ..NewMessage::default()
            },
        );
    }
    mock.require_content_length(true);
    let mut host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let sink = host.dir.path().join("sink");
    host.set("folder", PHISHING)
        .set("sink", "dir")
        .set("sink_dir", sink.to_str().unwrap());

    let action = host.invoke("get-out-of-office", json!({"mailbox": ALICE}));
    let daemon = host.run(&["daemon", "--once"]);

    // The framing first: with the guest chunking, the runs below fail only
    // because of the 411s, and this says why.
    let requests = mock.requests();
    for r in &requests {
        let op = if r.operation.is_empty() {
            "(unread body)"
        } else {
            r.operation.as_str()
        };
        match r.framing {
            Framing::ContentLength(n) => {
                assert!(n > 0, "{op}: an empty body: {r:?}");
                assert_eq!(
                    Some(n),
                    r.body_len.map(|l| l as u64),
                    "{op}: Content-Length is the body's length: {r:?}"
                );
            }
            Framing::Chunked => {
                panic!("{op} was sent with Transfer-Encoding: chunked, not Content-Length: {r:?}")
            }
            Framing::None => panic!("{op} was sent with neither Content-Length nor a body: {r:?}"),
        }
    }
    let seen: BTreeSet<&str> = requests.iter().map(|r| r.operation.as_str()).collect();
    for op in [
        "token",
        "GetUserOofSettings",
        "FindFolder",
        "FindItem",
        "GetItem",
        "UpdateItem",
    ] {
        assert!(seen.contains(op), "no {op} request to check: {seen:?}");
    }

    assert_eq!(action.output()["state"], "Scheduled");
    assert_eq!(daemon.code, 0, "{daemon:#?}");
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0);
    assert_eq!(mock.schema_failures(), 0);
}
