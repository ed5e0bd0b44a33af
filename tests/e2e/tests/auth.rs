//! Authentication and impersonation, through the host and the real component.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID, CLIENT_SECRET, TENANT};
use e2e::{on_both_apis, Api, Host};
use serde_json::json;

on_both_apis!(
    the_oauth_token_is_reused_across_processes_and_refreshed_once_after_revocation,
    a_token_that_keeps_being_refused_is_unauthorized_not_a_loop,
);

/// The operation get-out-of-office sends on `api`.
fn oof_operation(api: Api) -> &'static str {
    match api {
        Api::Ews => "GetUserOofSettings",
        Api::Graph => "graph.automaticRepliesSetting",
    }
}

fn the_oauth_token_is_reused_across_processes_and_refreshed_once_after_revocation(api: Api) {
    let mock = fixtures::mock();
    let host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let params = json!({"mailbox": ALICE});
    host.invoke("get-out-of-office", params.clone()).output();
    host.invoke("get-out-of-office", params.clone()).output();
    assert_eq!(
        mock.token_requests(),
        1,
        "the second process reuses the stored token"
    );

    mock.revoke_tokens();
    host.invoke("get-out-of-office", params.clone()).output();
    assert_eq!(mock.token_requests(), 2, "one refresh after the 401");
    let statuses: Vec<u16> = mock
        .requests()
        .iter()
        .filter(|r| r.operation == oof_operation(api))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![200, 200, 401, 200]);

    host.invoke("get-out-of-office", params).output();
    assert_eq!(mock.token_requests(), 2, "the refreshed token is stored");
}

fn a_token_that_keeps_being_refused_is_unauthorized_not_a_loop(api: Api) {
    let mock = fixtures::mock();
    let host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    mock.inject(
        oof_operation(api),
        mock_exchange::Fault::Status {
            code: 401,
            retry_after: None,
        },
        100,
    );
    host.invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("unauthorized", 3);
    assert_eq!(
        mock.token_requests(),
        2,
        "one token, then exactly one refresh"
    );
    let tries = mock
        .requests()
        .iter()
        .filter(|r| r.operation == oof_operation(api))
        .count();
    assert_eq!(tries, 2, "one try and one retry");
}

/// One app, one state database, both transports: each audience's token is
/// cached under its own key, so switching back and forth asks for no more.
#[test]
fn ews_and_graph_tokens_are_cached_apart() {
    let mock = fixtures::mock();
    let ews = Host::oauth_on(Api::Ews, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let mut graph = Host::oauth_on(Api::Graph, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let state = ews.dir.path().join("state.sqlite3");
    graph.set("state_path", state.to_str().unwrap());
    let params = json!({"mailbox": ALICE});
    for host in [&ews, &graph, &ews, &graph] {
        host.invoke("get-out-of-office", params.clone()).output();
    }
    assert_eq!(mock.token_requests(), 2, "one token per audience");
    let refused = mock.requests().iter().filter(|r| r.status == 401).count();
    assert_eq!(refused, 0, "no token was sent to the other audience");
}

#[test]
fn a_wrong_password_is_unauthorized() {
    let mock = fixtures::mock();
    let host = Host::basic(&mock, ALICE, "not-the-password-9c1e");
    host.invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("unauthorized", 3);
}

#[test]
fn a_wrong_client_secret_is_unauthorized_with_the_aad_code() {
    let mock = fixtures::mock();
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, "wrong-secret-5d2a", ALICE);
    let message = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("unauthorized", 3);
    assert!(
        message.contains("AADSTS7000215") || message.contains("invalid_client"),
        "{message}"
    );
}

#[test]
fn impersonation_without_the_role_is_forbidden_with_a_hint() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set("primary_smtp_address", BOB);
    let message = host
        .invoke("get-out-of-office", json!({"mailbox": BOB}))
        .failure("forbidden", 4);
    assert!(
        message.contains("ApplicationImpersonation"),
        "the message says how to fix it: {message}"
    );
    assert!(message.contains(BOB), "{message}");
}

#[test]
fn impersonating_a_mailbox_that_does_not_exist_is_not_found() {
    let mock = fixtures::mock();
    let host = Host::oauth(
        &mock,
        TENANT,
        CLIENT_ID,
        CLIENT_SECRET,
        "ghost@contoso.example",
    );
    let message = host
        .invoke(
            "get-out-of-office",
            json!({"mailbox": "ghost@contoso.example"}),
        )
        .failure("not-found", 5);
    assert!(message.contains("ghost@contoso.example"), "{message}");
}

#[test]
fn plain_http_is_refused_for_a_remote_server() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set(
        "ews_url",
        "http://exchange.contoso.example/EWS/Exchange.asmx",
    );
    let message = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("invalid-input", 2);
    assert!(
        message.contains("ews_url") && message.contains("https"),
        "{message}"
    );
}

#[test]
fn a_secret_in_the_config_file_is_refused_without_echoing_it() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set("password", ALICE_PASSWORD);
    let run = host.invoke("get-out-of-office", json!({"mailbox": ALICE}));
    let message = run.failure("invalid-input", 2);
    assert!(
        message.contains("EWS_PASSWORD") && message.contains("password_file"),
        "{message}"
    );
    assert!(!run.stdout.contains("alice-7f3b") && !run.stderr.contains("alice-7f3b"));
}

#[test]
fn a_secret_can_come_from_a_file() {
    let mock = fixtures::mock();
    let mut host = Host::ews();
    let secret_file = host.dir.path().join("client_secret");
    std::fs::write(&secret_file, format!("{CLIENT_SECRET}\n")).unwrap();
    host.set("ews_url", &mock.ews_url())
        .set("tenant", TENANT)
        .set("client_id", CLIENT_ID)
        .set("token_url", &mock.token_url(TENANT))
        .set("primary_smtp_address", ALICE)
        .set("client_secret_file", secret_file.to_str().unwrap());
    let run = host.invoke("get-out-of-office", json!({"mailbox": ALICE}));
    assert!(!run.stdout.contains(CLIENT_SECRET) && !run.stderr.contains(CLIENT_SECRET));
    assert_eq!(run.output()["state"], "Scheduled");
}

#[test]
fn server_busy_is_throttled_with_the_back_off() {
    let mock = fixtures::mock();
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    mock.inject(
        "GetUserOofSettings",
        mock_exchange::Fault::ServerBusy { backoff_ms: 2500 },
        1,
    );
    let run = host.invoke("get-out-of-office", json!({"mailbox": ALICE}));
    run.failure("throttled", 6);
    assert_eq!(run.json()["error"]["retry_after_ms"], 2500);
    mock.inject(
        "GetUserOofSettings",
        mock_exchange::Fault::Status {
            code: 503,
            retry_after: Some(7),
        },
        1,
    );
    let run = host.invoke("get-out-of-office", json!({"mailbox": ALICE}));
    run.failure("throttled", 6);
    assert_eq!(run.json()["error"]["retry_after_ms"], 7000);
    host.invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .output();
}

#[test]
fn malformed_or_dropped_answers_are_clean_failures() {
    let mock = fixtures::mock();
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    // A read is sent again once after a lost answer: twice lost, it fails.
    mock.inject("GetUserOofSettings", mock_exchange::Fault::MalformedXml, 2);
    host.invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("internal", 1);
    mock.inject(
        "GetUserOofSettings",
        mock_exchange::Fault::DropConnection,
        2,
    );
    host.invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("unavailable", 7);
    host.invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .output();
}

#[test]
fn ews_switched_off_is_said_plainly() {
    let mock = fixtures::mock();
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    // Exchange Online with EWS blocked for the tenant or the app: HTTP 403, no SOAP.
    mock.inject(
        "GetUserOofSettings",
        mock_exchange::Fault::Status {
            code: 403,
            retry_after: None,
        },
        1,
    );
    let message = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("forbidden", 4);
    for says in [
        "HTTP 403",
        "EWSEnabled",
        "EWSAllowedAppIDs",
        "1 April 2027",
        "Microsoft Graph",
    ] {
        assert!(message.contains(says), "{says}: {message}");
    }
}
