//! Faults on the wire, on both transports: what is safe to ask again is
//! asked again at once, once (a connection dropped before any answer, a body
//! cut short of its Content-Length, a 200 that does not parse, a timeout);
//! a write is never sent twice; throttling and proxies' pages are classified
//! and said plainly. Counts come from the mock's served faults and requests.

use e2e::fixtures::{self, ALICE};
use e2e::{on_both_apis, Api, Host, MockExchange};
use mock_exchange::Fault;
use serde_json::json;

on_both_apis!(
    a_lost_answer_to_a_read_is_asked_again_once,
    a_timed_out_read_is_asked_again_once,
    a_send_whose_answer_is_lost_is_not_sent_twice,
    throttling_is_waited_on_with_the_wait_asked_for,
    a_proxy_page_or_redirect_is_named_as_one,
);

/// The operation get-out-of-office sends on `api`.
fn oof(api: Api) -> &'static str {
    match api {
        Api::Ews => "GetUserOofSettings",
        Api::Graph => "graph.automaticRepliesSetting",
    }
}

fn service(api: Api) -> &'static str {
    match api {
        Api::Ews => "instead of Exchange",
        Api::Graph => "instead of Microsoft Graph",
    }
}

fn get_oof(host: &Host) -> e2e::Run {
    host.invoke("get-out-of-office", json!({"mailbox": ALICE}))
}

fn served(mock: &MockExchange, op: &str) -> usize {
    mock.faults_served().iter().filter(|(o, _)| o == op).count()
}

fn assert_plain(message: &str) {
    for dump in ["ErrorCode", "Payload", "Some(", "{", "malformed"] {
        assert!(!message.contains(dump), "{dump}: {message}");
    }
}

fn a_lost_answer_to_a_read_is_asked_again_once(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let op = oof(api);
    for (i, fault) in [Fault::DropConnection, Fault::Truncate, Fault::MalformedXml]
        .into_iter()
        .enumerate()
    {
        mock.inject(op, fault.clone(), 1);
        let out = get_oof(&host).output();
        assert_eq!(out["state"], "Scheduled", "{fault:?}");
        assert_eq!(served(&mock, op), i + 1, "{fault:?} reached the client");
        assert_eq!(
            fixtures::sent(&mock, op),
            2 * (i + 1),
            "{fault:?}: once more, no more"
        );
    }
    // Twice in a row: one retry only, then a plain failure.
    mock.inject(op, Fault::DropConnection, 2);
    let message = get_oof(&host).failure("unavailable", 7);
    assert_plain(&message);
    assert!(message.contains("127.0.0.1"), "{message}");
    assert_eq!(fixtures::sent(&mock, op), 8);
    mock.inject(op, Fault::Truncate, 2);
    let message = get_oof(&host).failure("unavailable", 7);
    assert!(message.contains("cut off after"), "{message}");
    assert_eq!((fixtures::sent(&mock, op), mock.faults_waiting()), (10, 0));
    get_oof(&host).output();
    fixtures::assert_faithful(&mock);
}

fn a_timed_out_read_is_asked_again_once(api: Api) {
    let mock = fixtures::mock();
    let mut host = fixtures::alice(&mock, api);
    host.set_toml("request_timeout_secs", "1");
    let op = oof(api);
    mock.inject(op, Fault::Delay { ms: 2500 }, 1);
    get_oof(&host).output();
    // The mock records a request when it answers it; one whose client gave
    // up is never recorded, so the served faults count the tries.
    assert_eq!(served(&mock, op), 1);
    mock.inject(op, Fault::Delay { ms: 2500 }, 3);
    let message = get_oof(&host).failure("unavailable", 7);
    assert!(
        message.starts_with("timed out after 1 s waiting for 127.0.0.1")
            && message.contains("request_timeout_secs"),
        "{message}"
    );
    assert_eq!(
        (served(&mock, op), mock.faults_waiting()),
        (3, 1),
        "one retry per call, no more"
    );
}

fn a_send_whose_answer_is_lost_is_not_sent_twice(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let op = match api {
        Api::Ews => "CreateItem",
        Api::Graph => "graph.sendMail",
    };
    mock.inject(op, Fault::Truncate, 1);
    let message = host
        .invoke(
            "send-email",
            json!({"to": ["bob@contoso.example"], "subject": "report", "body_text": "thanks"}),
        )
        .failure("unavailable", 7);
    assert_plain(&message);
    assert_eq!(served(&mock, op), 1);
    assert_eq!(
        fixtures::sent(&mock, op),
        1,
        "a send may have gone out: never twice"
    );
}

fn throttling_is_waited_on_with_the_wait_asked_for(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let op = oof(api);
    let status = |code, retry_after| Fault::Status { code, retry_after };
    // (fault, kind, retry_after_ms): EWS's ErrorServerBusy says its wait in
    // milliseconds; Graph's 429 says it in whole seconds.
    let busy_ms = match api {
        Api::Ews => 2500,
        Api::Graph => 3000,
    };
    let no_wait_503 = match api {
        Api::Ews => ("unavailable", None),
        Api::Graph => ("throttled", Some(30_000)),
    };
    let cases = [
        (
            Fault::ServerBusy { backoff_ms: 2500 },
            ("throttled", Some(busy_ms)),
        ),
        (status(429, Some(7)), ("throttled", Some(7000))),
        (status(429, None), ("throttled", Some(30_000))),
        (status(503, Some(4)), ("throttled", Some(4000))),
        (status(503, None), no_wait_503),
    ];
    for (n, (fault, (kind, wait))) in cases.into_iter().enumerate() {
        mock.inject(op, fault.clone(), 1);
        let run = get_oof(&host);
        let code = if kind == "throttled" { 6 } else { 7 };
        let message = run.failure(kind, code);
        assert_plain(&message);
        if let Some(ms) = wait {
            assert_eq!(run.json()["error"]["retry_after_ms"], ms, "{fault:?}");
        }
        // Not asked again at once: the host waits.
        assert_eq!(fixtures::sent(&mock, op), n + 1, "{fault:?}");
    }
    get_oof(&host).output();
}

fn a_proxy_page_or_redirect_is_named_as_one(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let op = oof(api);
    mock.inject(
        op,
        Fault::Redirect {
            to: "https://login.contoso.example/adfs/ls/?wa=wsignin1.0&ctx=abc".into(),
        },
        1,
    );
    let message = get_oof(&host).failure("forbidden", 4);
    assert_plain(&message);
    for says in [
        "HTTP 302",
        "https://login.contoso.example/adfs/ls/",
        service(api),
    ] {
        assert!(message.contains(says), "{says}: {message}");
    }
    assert!(!message.contains("ctx=abc"), "{message}");

    mock.inject(op, Fault::HtmlPage { status: 502 }, 1);
    let message = get_oof(&host).failure("unavailable", 7);
    assert_plain(&message);
    for says in [
        "HTTP 502",
        "HTML page",
        "502 - Web Proxy Error",
        service(api),
    ] {
        assert!(message.contains(says), "{says}: {message}");
    }
    mock.inject(op, Fault::HtmlPage { status: 200 }, 1);
    let message = get_oof(&host).failure("unavailable", 7);
    assert!(
        message.contains("HTTP 200") && message.contains(service(api)),
        "{message}"
    );
    mock.inject(op, Fault::HtmlPage { status: 403 }, 1);
    get_oof(&host).failure("forbidden", 4);
    // A page is not asked for again: each went once.
    assert_eq!(fixtures::sent(&mock, op), 4);
    get_oof(&host).output();
    assert_eq!(served(&mock, op), 4);
}
