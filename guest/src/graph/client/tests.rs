use super::*;
use crate::platform::fake::FakeHost;

const TOKEN: &str = r#"{"access_token":"tok-1","expires_in":3600}"#;
const CALL: Call = Call {
    what: "mark emails read",
    permission: "Mail.ReadWrite",
    mailbox: "soc@example.com",
};

fn host() -> FakeHost {
    FakeHost::with_config(&[
        ("api", "graph"),
        ("tenant", "t1"),
        ("client_id", "app"),
        ("primary_smtp_address", "soc@example.com"),
        ("graph_url", "http://127.0.0.1:9/v1.0/"),
        ("token_url", "http://127.0.0.1:9/{tenant}/token"),
    ])
    .secret("client_secret", "sec")
}

fn requests(n: usize) -> Vec<BatchReq> {
    (0..n)
        .map(|i| BatchReq {
            method: "PATCH",
            url: format!("/users/soc@example.com/messages/m{i}"),
            body: Some(json!({"isRead": true})),
        })
        .collect()
}

#[test]
fn asks_for_a_graph_token_and_refreshes_it_once_on_401() {
    let host = host();
    let config = Config::load(&host).unwrap();
    let mut client = GraphClient::new(&host, &config);
    host.respond(200, &[], TOKEN);
    host.respond(401, &[], "{}");
    host.respond(200, &[], TOKEN);
    host.respond(401, &[], r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure. Invalid audience."}}"#);
    let err = client
        .send(&CALL, Req::get("/users/soc@example.com".into()))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(m) if m.contains("Invalid audience")),
        "{err:?}"
    );
    assert_eq!(host.request_count(), 4, "one refresh, never a loop");
    let token = String::from_utf8(host.request(0).body).unwrap();
    assert!(
        token.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
        "{token}"
    );
    let get = host.request(1);
    assert_eq!(get.url, "http://127.0.0.1:9/v1.0/users/soc@example.com");
    assert_eq!(get.method, Method::Get);
}

#[test]
fn a_batch_runs_in_four_lanes_and_resends_what_a_failed_lane_held_back() {
    let host = host();
    let config = Config::load(&host).unwrap();
    let mut client = GraphClient::new(&host, &config);
    host.respond(200, &[], TOKEN);
    // 22 requests: a batch of 20 where request 1 fails (and so 5, 9, 13
    // and 17 are not run) and one of the 2 left over; then one of the 4
    // held back.
    let mut first = Vec::new();
    for i in 0..20 {
        let status = match i {
            1 => 404,
            5 | 9 | 13 | 17 => 424,
            _ => 200,
        };
        first.push(
            json!({"id": i.to_string(), "status": status, "body": if status == 404 {
            json!({"error": {"code": "ErrorItemNotFound", "message": "gone"}})
        } else { json!({}) }}),
        );
    }
    first.reverse();
    host.respond(200, &[], &json!({ "responses": first }).to_string());
    for n in [2, 4] {
        let answers: Vec<Value> = (0..n)
            .map(|i| json!({"id": i.to_string(), "status": 200, "body": {}}))
            .collect();
        host.respond(200, &[], &json!({ "responses": answers }).to_string());
    }
    let answers = client.batch(&CALL, &requests(22)).unwrap();
    let failed: Vec<usize> = (0..22).filter(|&i| !answers[i].ok()).collect();
    assert_eq!(failed, vec![1]);
    assert_eq!(
        answers[1].clone().result().unwrap_err().code,
        "ErrorItemNotFound"
    );
    let sent: Value = serde_json::from_slice(&host.request(1).body).unwrap();
    let items = sent["requests"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert!(items[..4].iter().all(|r| r.get("dependsOn").is_none()));
    assert_eq!(items[7]["dependsOn"], json!(["3"]));
    assert_eq!(host.request_count(), 4);
    let again: Value = serde_json::from_slice(&host.request(3).body).unwrap();
    let urls: Vec<&str> = again["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        ["m5", "m9", "m13", "m17"].map(|m| format!("/users/soc@example.com/messages/{m}"))
    );
}

#[test]
fn a_throttled_batch_request_ends_the_rounds_with_its_wait() {
    let host = host();
    let config = Config::load(&host).unwrap();
    let mut client = GraphClient::new(&host, &config);
    host.respond(200, &[], TOKEN);
    let answers = json!({"responses": [
        {"id": "0", "status": 200, "body": {}},
        {"id": "1", "status": 429, "headers": {"Retry-After": "9"}, "body": {"error": {"code": "ApplicationThrottled", "message": "slow down"}}},
    ]});
    host.respond(200, &[], &answers.to_string());
    let got = client.batch(&CALL, &requests(2)).unwrap();
    assert!(got[0].ok());
    assert_eq!((got[1].status, got[1].retry_after_ms), (429, Some(9000)));
    assert_eq!(host.request_count(), 2);
}
