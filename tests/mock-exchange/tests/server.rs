//! The mock over real TCP, with a tiny HTTP/1.1 client.

mod common;

use common::post;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use mock_exchange::{ExternalAudience, Fault, MockExchange, MockOptions, OofSettings, OofState};

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

const XML: (&str, &str) = ("Content-Type", "text/xml; charset=utf-8");

fn mock() -> MockExchange {
    let options = MockOptions::default()
        .basic_user("User1@example.com", "p@ss:word")
        .oauth_app("contoso", "app-1", "s3cret");
    let mock = MockExchange::start(options).unwrap();
    mock.add_mailbox("User1@example.com", "User One");
    mock.set_oof(
        "user1@example.com",
        OofSettings {
            state: OofState::Scheduled,
            external_audience: ExternalAudience::All,
            start: "2026-11-20T08:00:00Z".into(),
            end: "2026-11-30T17:00:00Z".into(),
            internal_reply: "I am away".into(),
            external_reply: "Away & back soon <é>".into(),
        },
    )
    .unwrap();
    mock
}

#[test]
fn get_user_oof_settings_with_basic_auth() {
    let mock = mock();
    assert!(
        mock.ews_url().starts_with("http://127.0.0.1:")
            && mock.ews_url().ends_with("/EWS/Exchange.asmx")
    );
    let auth = basic("user1@example.com", "p@ss:word");
    let headers = [
        XML,
        ("Authorization", auth.as_str()),
        ("X-AnchorMailbox", "User1@example.com"),
        ("client-request-id", "abc-1"),
    ];
    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &headers,
        &testdata("GetUserOofSettings-request.xml"),
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), ["text/xml; charset=utf-8"]);
    assert_eq!(answer.header("client-request-id"), ["abc-1"]);
    assert!(
        answer.body.contains("<OofState>Scheduled</OofState>"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(
            "<ExternalReply><Message>Away &amp; back soon &lt;é&gt;</Message></ExternalReply>"
        ),
        "{}",
        answer.body
    );

    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.operation.as_str(), r.status, r.auth_scheme.as_deref()),
        ("GetUserOofSettings", 200, Some("Basic"))
    );
    assert_eq!(r.anchor_mailbox.as_deref(), Some("User1@example.com"));
    assert_eq!(r.client_request_id.as_deref(), Some("abc-1"));
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn unauthenticated_requests_get_401() {
    let mock = mock();
    let body = testdata("GetUserOofSettings-request.xml");
    let answer = post(mock.addr(), "/EWS/Exchange.asmx", &[XML], &body).unwrap();
    assert_eq!(answer.status, 401);
    assert!(answer
        .header("www-authenticate")
        .iter()
        .any(|v| v.starts_with("Basic realm=")));
    let wrong = basic("user1@example.com", "nope");
    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &[XML, ("Authorization", &wrong)],
        &body,
    )
    .unwrap();
    assert_eq!(answer.status, 401);
    assert_eq!(mock.requests()[1].auth_scheme, None);
}

#[test]
fn oauth_token_impersonation_and_revocation() {
    let mock = mock();
    let form = "grant_type=client_credentials&client_id=app-1&client_secret=s3cret&scope=https%3A%2F%2Foutlook.office365.com%2F.default";
    let token_headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let answer = post(
        mock.addr(),
        "/contoso/oauth2/v2.0/token",
        &token_headers,
        form.as_bytes(),
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(json["expires_in"], 3599);
    let bearer = format!("Bearer {}", json["access_token"].as_str().unwrap());

    let wrong = form.replace("s3cret", "wrong");
    let answer = post(
        mock.addr(),
        "/contoso/oauth2/v2.0/token",
        &token_headers,
        wrong.as_bytes(),
    )
    .unwrap();
    assert_eq!(answer.status, 401);
    assert!(answer.body.contains("AADSTS7000215"));
    assert_eq!(mock.token_requests(), 2);

    let headers = [XML, ("Authorization", bearer.as_str())];
    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &headers,
        &testdata("GetUserOofSettings-impersonated-request.xml"),
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        mock.requests().last().unwrap().impersonated.as_deref(),
        Some("User1@example.com")
    );

    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &headers,
        &testdata("GetUserOofSettings-request.xml"),
    )
    .unwrap();
    assert_eq!(answer.status, 500);
    assert!(
        answer
            .body
            .contains("a:ErrorInvalidExchangeImpersonationHeaderData"),
        "{}",
        answer.body
    );

    mock.revoke_tokens();
    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &headers,
        &testdata("GetUserOofSettings-impersonated-request.xml"),
    )
    .unwrap();
    assert_eq!(answer.status, 401);
    assert!(answer
        .header("www-authenticate")
        .iter()
        .any(|v| v.starts_with("Bearer") && v.contains(r#"error="invalid_token""#)));
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn basic_user_cannot_impersonate_someone_else() {
    let mock = mock();
    mock.add_mailbox("other@example.com", "Other");
    let body = String::from_utf8(testdata("GetUserOofSettings-impersonated-request.xml")).unwrap();
    let body = body.replace(
        "<t:PrimarySmtpAddress>User1@example.com",
        "<t:PrimarySmtpAddress>other@example.com",
    );
    let auth = basic("User1@example.com", "p@ss:word");
    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &[XML, ("Authorization", &auth)],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(answer.status, 500);
    assert!(answer.body.contains("<faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/services/2006/types\">a:ErrorImpersonateUserDenied</faultcode>"), "{}", answer.body);
    assert!(answer.body.contains("<e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">ErrorImpersonateUserDenied</e:ResponseCode>"));
}

#[test]
fn invalid_requests_get_the_schema_fault_and_are_recorded() {
    let mock = mock();
    let auth = basic("User1@example.com", "p@ss:word");
    let headers = [XML, ("Authorization", auth.as_str())];
    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &headers,
        &testdata("FindItem-misordered-request.xml"),
    )
    .unwrap();
    assert_eq!(answer.status, 500);
    assert!(answer.body.contains("a:ErrorSchemaValidation"));
    assert!(
        answer
            .body
            .contains("The request failed schema validation: Element"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains("<t:LineNumber>8</t:LineNumber>"),
        "{}",
        answer.body
    );
    for garbage in [
        &b"\x00\xff<<"[..],
        b"",
        b"<a>",
        b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>",
    ] {
        assert_eq!(
            post(mock.addr(), "/EWS/Exchange.asmx", &headers, garbage)
                .unwrap()
                .status,
            500
        );
    }
    assert_eq!(mock.schema_failures(), 5);
    // Still serving.
    let answer = post(
        mock.addr(),
        "/EWS/Exchange.asmx",
        &headers,
        &testdata("GetUserOofSettings-request.xml"),
    )
    .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(post(mock.addr(), "/nowhere", &[], b"").unwrap().status, 404);
}

#[test]
fn injected_faults() {
    let mock = mock();
    let auth = basic("User1@example.com", "p@ss:word");
    let headers = [XML, ("Authorization", auth.as_str())];
    let body = testdata("GetUserOofSettings-request.xml");
    let call = || post(mock.addr(), "/EWS/Exchange.asmx", &headers, &body);

    mock.inject(
        "GetUserOofSettings",
        Fault::ServerBusy { backoff_ms: 1500 },
        1,
    );
    mock.inject(
        "GetUserOofSettings",
        Fault::Status {
            code: 503,
            retry_after: Some(2),
        },
        1,
    );
    mock.inject("GetUserOofSettings", Fault::DropConnection, 1);
    mock.inject("GetUserOofSettings", Fault::MalformedXml, 1);
    mock.inject("*", Fault::Delay { ms: 300 }, 1);

    let busy = call().unwrap();
    assert_eq!(busy.status, 500);
    assert!(
        busy.body
            .contains(r#"<t:Value Name="BackOffMilliseconds">1500</t:Value>"#),
        "{}",
        busy.body
    );
    let unavailable = call().unwrap();
    assert_eq!(
        (unavailable.status, unavailable.header("retry-after")),
        (503, vec!["2"])
    );
    assert!(call().is_none());
    let malformed = call().unwrap();
    assert_eq!(malformed.status, 200);
    assert!(mock_exchange::dom::parse(malformed.body.as_bytes()).is_err());
    let started = Instant::now();
    assert_eq!(call().unwrap().status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(call().unwrap().status, 200);
    let statuses: Vec<u16> = mock.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 503, 0, 200, 200, 200]);

    mock.inject(
        "token",
        Fault::Status {
            code: 503,
            retry_after: None,
        },
        1,
    );
    assert_eq!(
        post(mock.addr(), "/contoso/oauth2/v2.0/token", &[], b"")
            .unwrap()
            .status,
        503
    );
}

#[test]
fn refuses_non_loopback_addresses() {
    let options = MockOptions::default().listen("0.0.0.0:0".parse().unwrap());
    assert!(MockExchange::start(options).is_err());
}

#[test]
fn binary_prints_its_url_and_logs_without_secrets() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mock-exchange"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--basic",
            "soc@contoso.example:Hunter2!",
            "--oauth",
            "contoso:app-1:TopSecret9",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let addr: SocketAddr = url.trim().strip_prefix("http://").unwrap().parse().unwrap();
    let auth = basic("soc@contoso.example", "Hunter2!");
    let body = String::from_utf8(testdata("GetUserOofSettings-request.xml"))
        .unwrap()
        .replace("User1@example.com", "soc@contoso.example");
    let answer = post(
        addr,
        "/EWS/Exchange.asmx",
        &[XML, ("Authorization", &auth)],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("<OofState>Scheduled</OofState>")
            && answer.body.contains("&amp;")
            && answer.body.contains("&lt;")
    );
    let form = "grant_type=client_credentials&client_id=app-1&client_secret=TopSecret9&scope=https%3A%2F%2Foutlook.office365.com%2F.default";
    assert_eq!(
        post(addr, "/contoso/oauth2/v2.0/token", &[], form.as_bytes())
            .unwrap()
            .status,
        200
    );
    // SIGTERM, then read everything it logged.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("GetUserOofSettings 200 auth=Basic"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Hunter2") && !stderr.contains("TopSecret9"),
        "{stderr}"
    );
    assert!(output.status.success(), "{stderr}");
}

#[test]
fn serves_many_requests_in_parallel() {
    let mock = mock();
    let auth = basic("User1@example.com", "p@ss:word");
    let body = testdata("GetUserOofSettings-request.xml");
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..50 {
                    let answer = post(
                        mock.addr(),
                        "/EWS/Exchange.asmx",
                        &[XML, ("Authorization", &auth)],
                        &body,
                    );
                    assert_eq!(answer.unwrap().status, 200);
                }
            });
        }
    });
    eprintln!("400 requests in {:?}", started.elapsed());
    assert_eq!(mock.requests().len(), 400);
    assert_eq!(mock.schema_failures(), 0);
}
