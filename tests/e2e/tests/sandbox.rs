//! The sandbox: the host lets a component reach only the hosts its
//! configuration names, and survives a component that runs away.
//! `probe_guest.wasm` (tests/probe-guest) tries what the real guest never should.

use e2e::fixtures::{self, ALICE, CLIENT_ID, CLIENT_SECRET, TENANT};
use e2e::{Host, MockExchange};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A loopback server that only counts the connections it is offered.
fn bystander() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if conn.is_ok() {
                count.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, accepted)
}

/// The mock's token endpoint under `localhost`, while `ews_url` says
/// 127.0.0.1: the same server, but another authority for the allow-list, so a
/// token request gets through only if the host allowed `token_url` itself.
fn token_url_on_localhost(mock: &MockExchange, tenant: &str) -> String {
    let url = format!(
        "http://localhost:{}/{tenant}/oauth2/v2.0/token",
        mock.addr().port()
    );
    assert!(
        mock.ews_url().starts_with("http://127.0.0.1:"),
        "{}",
        mock.ews_url()
    );
    url
}

/// A refused request: `HttpRequestDenied` for the component, a warning on
/// the host's stderr that names what was refused.
fn assert_refused(host: &Host, url: &str, refused: &str) {
    let run = host.invoke("http-get", json!({"url": url}));
    let message = run.failure("forbidden", 4);
    assert!(message.contains("HttpRequestDenied"), "{url}: {message}");
    let warned = run
        .stderr
        .lines()
        .any(|l| l.contains("refused") && l.contains(refused));
    assert!(warned, "the host warns naming {refused}: {run:#?}");
}

#[test]
fn only_the_configured_scheme_host_and_port_are_reachable() {
    let mock = fixtures::mock();
    let (other_port, accepted) = bystander();
    let mut host = Host::probe();
    host.set("ews_url", &mock.ews_url());
    let port = mock.addr().port();

    let allowed = host
        .invoke("http-get", json!({"url": mock.ews_url()}))
        .output();
    assert!(
        allowed["status"].as_u64().is_some(),
        "the configured host is reachable: {allowed}"
    );
    let before = mock.requests().len();

    for (url, refused) in [
        (
            format!("http://127.0.0.1:{other_port}/"),
            format!("http://127.0.0.1:{other_port}"),
        ),
        (
            format!("https://127.0.0.1:{port}/EWS/Exchange.asmx"),
            format!("https://127.0.0.1:{port}"),
        ),
        (
            format!("http://localhost:{port}/EWS/Exchange.asmx"),
            format!("http://localhost:{port}"),
        ),
        (
            "http://203.0.113.7/".to_string(),
            "http://203.0.113.7:80".to_string(),
        ),
        (
            "https://login.example.net/token".to_string(),
            "https://login.example.net:443".to_string(),
        ),
    ] {
        assert_refused(&host, &url, &refused);
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "a refused request never leaves the host"
    );
    assert_eq!(
        mock.requests().len(),
        before,
        "nor reaches the mock by another name"
    );
}

#[test]
fn the_token_host_is_allowed_only_with_its_tenant_filled_in() {
    let mock = fixtures::mock();
    let mut host = Host::probe();
    host.set("ews_url", &mock.ews_url())
        .set("token_url", &token_url_on_localhost(&mock, "{tenant}"));
    let token = token_url_on_localhost(&mock, "t1");
    let refused = format!("http://localhost:{}", mock.addr().port());

    assert_refused(&host, &token, &refused);
    assert_eq!(mock.token_requests(), 0);

    host.set("tenant", "t1");
    let ok = host.invoke("http-get", json!({"url": token})).output();
    assert!(ok["status"].as_u64().is_some(), "{ok}");
    assert_eq!(
        mock.token_requests(),
        1,
        "the request reached the token endpoint"
    );

    // Neither key: the default token URL still has its {tenant}, so its host
    // is not allowed (refused before any connection, so no network is needed).
    host.unset("tenant").unset("token_url");
    assert_refused(
        &host,
        "https://login.microsoftonline.com/t1/oauth2/v2.0/token",
        "https://login.microsoftonline.com:443",
    );
}

#[test]
fn an_oauth_call_succeeds_through_a_token_endpoint_on_another_authority() {
    let mock = fixtures::mock();
    let mut host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    host.set("token_url", &token_url_on_localhost(&mock, "{tenant}"));
    let out = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .output();
    assert_eq!(out["state"], "Scheduled", "{out}");
    assert_eq!(mock.token_requests(), 1);
    let ews: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.operation == "GetUserOofSettings")
        .collect();
    assert_eq!(ews.len(), 1, "{ews:?}");
    assert_eq!(
        (ews[0].status, ews[0].auth_scheme.as_deref()),
        (200, Some("Bearer"))
    );
}

#[test]
fn a_token_endpoint_the_host_cannot_allow_fails_before_any_request() {
    let mock = fixtures::mock();
    let mut host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    host.set(
        "token_url",
        "http://login.example.net/{tenant}/oauth2/v2.0/token",
    );
    let message = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("invalid-input", 2);
    assert!(
        message.contains("token_url"),
        "the message names the key: {message}"
    );
    assert!(
        mock.requests().is_empty(),
        "nothing was sent: {:?}",
        mock.requests()
    );
}

fn batch(host: &Host, calls: &[(&str, Value)]) -> Vec<Value> {
    let input: String = calls
        .iter()
        .map(|(action, params)| format!("{}\n", json!({"action": action, "params": params})))
        .collect();
    let run = host.run_with_stdin(&["batch"], Some(&input));
    assert_eq!(
        run.code, 0,
        "the host process survives every call: {run:#?}"
    );
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), calls.len(), "one answer per call: {run:#?}");
    lines
}

#[test]
fn a_runaway_component_fails_cleanly_and_the_next_call_succeeds() {
    let mut host = Host::probe();
    host.set("max_memory_mb", "64")
        .set("call_timeout_secs", "2");
    let answers = batch(
        &host,
        &[
            ("allocate", json!({"mb": 256})),
            ("allocate", json!({"mb": 8})),
            ("spin", json!({})),
            ("allocate", json!({"mb": 8})),
            ("panic", json!({})),
            ("allocate", json!({"mb": 8})),
        ],
    );
    let failure = |i: usize, words: &[&str]| {
        assert_eq!(answers[i]["ok"], false, "{}", answers[i]);
        assert_eq!(answers[i]["error"]["kind"], "internal", "{}", answers[i]);
        let message = answers[i]["error"]["message"]
            .as_str()
            .unwrap()
            .to_lowercase();
        assert!(words.iter().any(|w| message.contains(w)), "{message}");
    };
    failure(0, &["memory"]);
    failure(2, &["time", "longer", "deadline"]);
    failure(4, &["trap", "panic", "unreachable"]);
    for i in [1, 3, 5] {
        assert_eq!(answers[i]["ok"], true, "{}", answers[i]);
        assert_eq!(answers[i]["output"]["allocated_mb"], 8);
    }
}

#[test]
fn secrets_reach_the_component_but_never_the_output() {
    let mut host = Host::probe();
    host.secret("password", "hunter2-probe-secret");
    let out = host.invoke("reveal", json!({"name": "password"})).output();
    assert_eq!(out["length"], "hunter2-probe-secret".len());
    // A name the manifest does not mark secret is not revealed.
    host.invoke("reveal", json!({"name": "ews_url"}))
        .failure("not-found", 5);
}

#[test]
fn the_compiled_component_is_cached_on_disk_by_hash() {
    let mut host = Host::ews();
    let cache = host.dir.path().join("cache");
    host.set("cache_dir", cache.to_str().unwrap());
    host.describe();
    let names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let files: Vec<&String> = names.iter().filter(|n| n.ends_with(".cwasm")).collect();
    assert_eq!(files.len(), 1, "one compiled component: {names:?}");
    assert!(
        names.contains(&format!("{}.sha256", files[0])),
        "with its digest beside it: {names:?}"
    );
    let modified = std::fs::metadata(cache.join(files[0]))
        .unwrap()
        .modified()
        .unwrap();
    host.describe();
    let again = std::fs::metadata(cache.join(files[0]))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        modified, again,
        "the second process loads it instead of compiling"
    );
}
