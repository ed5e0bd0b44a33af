//! The mock automation engine over real TCP: auth, idempotency, body checks, faults.

mod common;

use base64::Engine as _;
use common::{basic, post};
use mock_exchange::{EngineFault, EngineOptions, MockEngine};
use serde_json::json;
use sha2::{Digest as _, Sha256};

fn engine() -> MockEngine {
    MockEngine::start(EngineOptions {
        access_id: "id-1".into(),
        access_key: "k:ey".into(),
    })
    .unwrap()
}

fn body(id: &str, data: &[u8]) -> Vec<u8> {
    let sha: String = Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({
        "id": id,
        "record": {"subject": "x"},
        "files": [{"name": "message.eml", "media_type": "message/rfc822", "size": data.len(),
                   "sha256": sha, "data_base64": base64::engine::general_purpose::STANDARD.encode(data)}]
    })
    .to_string()
    .into_bytes()
}

fn send(
    engine: &MockEngine,
    auth: Option<&str>,
    key: Option<&str>,
    body: &[u8],
) -> Option<common::Answer> {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = auth {
        headers.push(("Authorization", a));
    }
    if let Some(k) = key {
        headers.push(("Idempotency-Key", k));
    }
    post(engine.addr(), "/api/records", &headers, body)
}

#[test]
fn stores_once_per_key_and_checks_auth_and_shape() {
    let engine = engine();
    assert!(
        engine.url().starts_with("http://127.0.0.1:") && engine.url().ends_with("/api/records")
    );
    let auth = basic("id-1", "k:ey");
    let ok = body("ews-1", b"From: a\r\n\r\nhi");
    assert_eq!(send(&engine, None, Some("ews-1"), &ok).unwrap().status, 401);
    let wrong = basic("id-1", "nope");
    let a = send(&engine, Some(&wrong), Some("ews-1"), &ok).unwrap();
    assert_eq!(
        (a.status, a.header("www-authenticate")),
        (401, vec!["Basic realm=\"engine\""])
    );
    assert_eq!(send(&engine, Some(&auth), None, &ok).unwrap().status, 400);
    assert_eq!(
        send(&engine, Some(&auth), Some("ews-1"), b"{")
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        send(&engine, Some(&auth), Some("ews-2"), &ok)
            .unwrap()
            .status,
        400,
        "id differs from key"
    );
    let bad_sha = String::from_utf8(ok.clone())
        .unwrap()
        .replace("\"sha256\":\"", "\"sha256\":\"00");
    assert_eq!(
        send(&engine, Some(&auth), Some("ews-1"), bad_sha.as_bytes())
            .unwrap()
            .status,
        400
    );
    assert!(engine.records().is_empty());

    let a = send(&engine, Some(&auth), Some("ews-1"), &ok).unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let a = send(&engine, Some(&auth), Some("ews-1"), &ok).unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&a.body).unwrap()["duplicate"],
        true
    );
    assert_eq!(engine.records().len(), 1);
    assert_eq!(engine.records()[0]["id"], "ews-1");
    assert_eq!(engine.duplicates(), 1);
    assert_eq!(engine.posts_per_key()["ews-1"], 4);
}

#[test]
fn injected_faults_are_consumed_in_order() {
    let engine = engine();
    let auth = basic("id-1", "k:ey");
    let ok = body("ews-9", b"data");
    engine.inject(
        EngineFault::Status {
            code: 503,
            retry_after: Some(2),
        },
        1,
    );
    engine.inject(EngineFault::DropConnection, 1);
    engine.inject(EngineFault::Delay { ms: 50 }, 1);
    let a = send(&engine, Some(&auth), Some("ews-9"), &ok).unwrap();
    assert_eq!((a.status, a.header("retry-after")), (503, vec!["2"]));
    assert!(send(&engine, Some(&auth), Some("ews-9"), &ok).is_none());
    let start = std::time::Instant::now();
    assert_eq!(
        send(&engine, Some(&auth), Some("ews-9"), &ok)
            .unwrap()
            .status,
        201
    );
    assert!(start.elapsed() >= std::time::Duration::from_millis(50));
    assert_eq!(engine.requests(), 3);
    assert_eq!(engine.records().len(), 1);
}
