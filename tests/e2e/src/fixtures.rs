//! The mailbox every test starts from: two users, an app registration, and
//! out-of-office settings with characters that must survive XML both ways.

use mock_exchange::{ExternalAudience, MockExchange, MockOptions, OAuthApp, OofSettings, OofState};

pub const ALICE: &str = "alice@contoso.example";
pub const ALICE_PASSWORD: &str = "Pw-alice-7f3b<&>\"'";
pub const BOB: &str = "bob@contoso.example";
pub const TENANT: &str = "contoso-tenant";
pub const CLIENT_ID: &str = "4d1c5b2e-app";
pub const CLIENT_SECRET: &str = "cs~Q8r.client-secret-value";

pub fn mock() -> MockExchange {
    let mock = MockExchange::start(MockOptions {
        basic_users: vec![(ALICE.into(), ALICE_PASSWORD.into())],
        oauth_apps: vec![OAuthApp {
            tenant: TENANT.into(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
        }],
        ..MockOptions::default()
    })
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
