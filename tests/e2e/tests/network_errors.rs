//! Failures before any HTTP answer, on both transports: each is
//! `unavailable` with a sentence that names the host (and port) and what to
//! check, never a Rust type's debug form.

use e2e::fixtures;
use e2e::{on_both_apis, Api, Host};
use serde_json::json;

on_both_apis!(
    an_unresolvable_host_is_named_in_plain_words,
    a_refused_port_is_named_in_plain_words,
);

/// Points the transport's URL (`ews_url` or `graph_url`) at `base`.
fn at(host: &mut Host, api: Api, base: &str) {
    match api {
        Api::Ews => host.set("ews_url", &format!("{base}/EWS/Exchange.asmx")),
        Api::Graph => host.set("graph_url", &format!("{base}/v1.0")),
    };
}

fn assert_plain(message: &str, names: &str) {
    assert!(message.contains(names), "{names}: {message}");
    for dump in ["ErrorCode", "Payload", "Some(", "{"] {
        assert!(!message.contains(dump), "{dump}: {message}");
    }
}

fn an_unresolvable_host_is_named_in_plain_words(api: Api) {
    let mock = fixtures::mock();
    let mut host = fixtures::alice(&mock, api);
    // `.invalid` never resolves (RFC 6761); the allow-list is made from this
    // same URL, so the request is let through to the resolver.
    at(&mut host, api, "https://exchange.contoso.invalid");
    let run = host.invoke("get-out-of-office", json!({"mailbox": fixtures::ALICE}));
    let message = run.failure("unavailable", 7);
    assert_plain(&message, "exchange.contoso.invalid");
    assert!(
        message.starts_with("cannot resolve exchange.contoso.invalid"),
        "{message}"
    );
    assert!(message.contains("DNS"), "{message}");
    // The log line says the same, in the same words.
    assert_plain(
        run.stderr
            .lines()
            .find(|l| l.contains("get-out-of-office: unavailable"))
            .unwrap_or_else(|| panic!("no failure log line: {}", run.stderr)),
        "cannot resolve exchange.contoso.invalid",
    );
}

fn a_refused_port_is_named_in_plain_words(api: Api) {
    let mock = fixtures::mock();
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut host = fixtures::alice(&mock, api);
    at(&mut host, api, &format!("http://127.0.0.1:{port}"));
    let run = host.invoke("get-out-of-office", json!({"mailbox": fixtures::ALICE}));
    let message = run.failure("unavailable", 7);
    assert_plain(
        &message,
        &format!("127.0.0.1:{port} refused the connection"),
    );
    for line in run.stderr.lines() {
        assert!(
            !line.contains("ErrorCode") && !line.contains("Some("),
            "{line}"
        );
    }
}
