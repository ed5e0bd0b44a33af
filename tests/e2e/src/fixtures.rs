//! The mailbox every test starts from: two users, an app registration, and
//! out-of-office settings with characters that must survive XML both ways.

use crate::Api;
use mock_exchange::{
    ExternalAudience, MockExchange, MockOptions, NewMessage, OAuthApp, OofSettings, OofState,
};
use serde_json::Value;

pub const ALICE: &str = "alice@contoso.example";
pub const ALICE_PASSWORD: &str = "Pw-alice-7f3b<&>\"'";
pub const BOB: &str = "bob@contoso.example";
pub const TENANT: &str = "contoso-tenant";
pub const CLIENT_ID: &str = "4d1c5b2e-app";
pub const CLIENT_SECRET: &str = "cs~Q8r.client-secret-value";

pub fn mock() -> MockExchange {
    mock_with(|o| o)
}

/// `mock()` with options changed (the app's Graph roles, an access policy).
pub fn mock_with(change: impl FnOnce(MockOptions) -> MockOptions) -> MockExchange {
    let mock = MockExchange::start(change(MockOptions {
        basic_users: vec![(ALICE.into(), ALICE_PASSWORD.into())],
        oauth_apps: vec![OAuthApp {
            tenant: TENANT.into(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
        }],
        ..MockOptions::default()
    }))
    .expect("start the mock Exchange");
    mock.add_mailbox(ALICE, "Alice Analyst");
    mock.add_mailbox(BOB, "Bob Builder");
    mock.set_oof(
        ALICE,
        OofSettings {
            state: OofState::Scheduled,
            external_audience: ExternalAudience::All,
            start: "2026-11-20T08:00:00Z".into(),
            end: "2026-11-30T17:00:00Z".into(),
            internal_reply: "Away <until> Monday & then back — Grüße".into(),
            external_reply: "Out of office".into(),
        },
    )
    .expect("alice has a mailbox");
    mock
}

pub const PHISHING: &str = "Inbox/Phishing";

/// A small RFC 5322 message.
pub fn email(from: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {ALICE}\r\nSubject: {subject}\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n\
         Message-ID: <{:x}@test.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.len() * 7919 + from.len()
    )
    .into_bytes()
}

/// Alice's mailbox over Basic auth, ingesting `Inbox/Phishing` into a
/// directory sink inside the host's temp dir (returned).
pub fn ingesting_host(mock: &MockExchange) -> (crate::Host, std::path::PathBuf) {
    let mut host = crate::Host::basic(mock, ALICE, ALICE_PASSWORD);
    let sink = host.dir.path().join("sink");
    host.set("folder", PHISHING)
        .set("sink", "dir")
        .set("sink_dir", sink.to_str().unwrap());
    (host, sink)
}

/// Alice's mailbox on `api`: Basic auth over EWS (the on-premises way), the
/// app's client credentials over Graph (the only way there).
pub fn alice(mock: &MockExchange, api: Api) -> crate::Host {
    match api {
        Api::Ews => crate::Host::basic(mock, ALICE, ALICE_PASSWORD),
        Api::Graph => crate::Host::oauth_on(api, mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE),
    }
}

/// Alice's phishing folder ingested into a directory sink, on `api`.
pub fn ingesting_host_on(mock: &MockExchange, api: Api) -> (crate::Host, std::path::PathBuf) {
    let mut host = alice(mock, api);
    let sink = host.dir.path().join("sink");
    host.set("folder", PHISHING)
        .set("sink", "dir")
        .set("sink_dir", sink.to_str().unwrap());
    (host, sink)
}

/// How many requests the mock received of the EWS operation, or of the
/// Graph call, that `api` uses for the same thing.
pub fn sent_on(mock: &MockExchange, api: Api, ews: &str, graph: &str) -> usize {
    match api {
        Api::Ews => sent(mock, ews),
        Api::Graph => sent(mock, graph),
    }
}

/// Every request was one the real server accepts: valid against the EWS
/// schema, and nothing Graph would refuse with a 400.
pub fn assert_faithful(mock: &MockExchange) {
    assert_eq!(
        mock.schema_failures(),
        0,
        "an EWS request failed the schema"
    );
    let refused: Vec<_> = mock
        .graph_requests()
        .into_iter()
        .filter(|r| r.status == 400)
        .map(|r| format!("{} {:?}: {:?}", r.operation, r.url, r.error_code))
        .collect();
    assert_eq!(
        mock.graph_bad_requests(),
        0,
        "Graph would refuse: {refused:#?}"
    );
}

/// An id in EWS's form, whichever transport gave it (Graph's ids are the
/// same bytes in URL-safe base64), for comparing with the mock's ids.
pub fn ews_id(v: &Value) -> String {
    v.as_str()
        .unwrap_or_default()
        .replace('-', "/")
        .replace('_', "+")
}

/// A well-formed item id no mailbox holds.
pub const UNKNOWN_ID: &str = "AAMkADEzYjJkLTYxMwB8GqYicWAAAA==";

/// Files a small email from m@evil.com; returns its id.
pub fn add(mock: &MockExchange, mailbox: &str, folder: &str, subject: &str) -> String {
    mock.add_message(
        mailbox,
        folder,
        &email("m@evil.com", subject, "click"),
        NewMessage::default(),
    )
}

/// The subjects of a folder's messages, in the order they were filed.
pub fn subjects(mock: &MockExchange, mailbox: &str, folder: &str) -> Vec<String> {
    mock.messages(mailbox, folder)
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

/// How many requests of this operation the mock received.
pub fn sent(mock: &MockExchange, operation: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.operation == operation)
        .count()
}

/// (ok, error) of each entry of a batch action's `results`, in order.
pub fn results(out: &Value) -> Vec<(bool, String)> {
    out["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    (
                        r["ok"] == true,
                        r["error"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A plain email from `a@x.example` with `subject`, received at 08:`minute` on
/// 2026-11-20, into `mailbox`'s `folder`; its item id.
pub fn add_email(
    mock: &MockExchange,
    mailbox: &str,
    folder: &str,
    subject: &str,
    minute: u32,
) -> String {
    let received = format!("2026-11-20T08:{minute:02}:00Z");
    mock.add_message(
        mailbox,
        folder,
        &email("a@x.example", subject, "ok"),
        NewMessage {
            received: &received,
            ..NewMessage::default()
        },
    )
}
