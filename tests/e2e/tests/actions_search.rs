//! search-emails-extended end to end: filters on what Exchange can match,
//! paging, deep search with folder paths, AQS queries, and what users get
//! wrong named in the error.

use e2e::fixtures::{self, PHISHING};
use e2e::{on_both_apis, Api, Host, MockExchange};
use mock_exchange::NewMessage;
use serde_json::{json, Value};

on_both_apis!(
    filters_paging_and_what_each_email_shows,
    deep_search_walks_subfolders_and_names_each_folder,
    text_queries_and_mistakes,
);

fn mail(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nCc: Carol <carol@contoso.example>\r\nSubject: {subject}\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n\
         Message-ID: <{}@test.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes()
}

fn seed(mock: &MockExchange) {
    let add = |folder: &str, from: &str, subject: &str, received: &str, read: bool| {
        mock.add_message(
            fixtures::ALICE,
            folder,
            &mail(
                from,
                "Alice <alice@contoso.example>",
                subject,
                &format!("body of {subject}"),
            ),
            NewMessage {
                received,
                is_read: read,
                ..NewMessage::default()
            },
        );
    };
    add(
        PHISHING,
        "Mallory <mallory@evil.example>",
        "Invoice 1",
        "2026-11-20T10:00:00Z",
        false,
    );
    add(
        PHISHING,
        "Mallory <mallory@evil.example>",
        "Invoice 2",
        "2026-11-20T11:00:00Z",
        true,
    );
    add(
        PHISHING,
        "Bob <bob@good.example>",
        "Lunch",
        "2026-11-20T12:00:00Z",
        false,
    );
    add(
        "Inbox",
        "Mallory <mallory@evil.example>",
        "Invoice 3",
        "2026-11-20T13:00:00Z",
        false,
    );
    add(
        "Inbox/Phishing/Old",
        "Mallory <mallory@evil.example>",
        "Invoice 0",
        "2026-11-19T10:00:00Z",
        false,
    );
    add(
        "junkemail",
        "Spam <spam@junk.example>",
        "Invoice junk",
        "2026-11-20T09:00:00Z",
        false,
    );
}

fn search(host: &Host, params: Value) -> Value {
    host.invoke("search-emails-extended", params).output()
}

fn subjects(out: &Value) -> Vec<String> {
    out["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap().to_string())
        .collect()
}

fn filters_paging_and_what_each_email_shows(api: Api) {
    let mock = fixtures::mock();
    seed(&mock);
    let host = fixtures::alice(&mock, api);
    let out = search(&host, json!({"folder": PHISHING, "subject": "invoice"}));
    assert_eq!(subjects(&out), ["Invoice 2", "Invoice 1"], "newest first");
    assert_eq!(
        (out["total"].as_u64(), out["more"].as_bool()),
        (Some(2), Some(false))
    );
    let e = &out["emails"][0];
    assert_eq!(e["folder"], PHISHING);
    assert_eq!(
        e["from"]["address"], "mallory@evil.example",
        "From's address, which FindItem alone never gives"
    );
    assert_eq!(e["to"][0]["address"], "alice@contoso.example");
    assert_eq!(e["cc"][0]["address"], "carol@contoso.example");
    assert_eq!(e["received"], "2026-11-20T11:00:00Z");
    assert_eq!(e["is_read"], true);
    assert!(
        e["preview"].as_str().unwrap().contains("body of Invoice 2"),
        "{e}"
    );
    assert!(e["item_id"].as_str().is_some() && e["change_key"].as_str().is_some());

    let page = search(
        &host,
        json!({"folder": PHISHING, "limit": 1, "offset": 1, "sort": "received-asc"}),
    );
    assert_eq!(subjects(&page), ["Invoice 2"]);
    assert_eq!(
        (page["total"].as_u64(), page["more"].as_bool()),
        (Some(3), Some(true))
    );

    let from = search(
        &host,
        json!({"folder": PHISHING, "from": "evil.example", "is_read": false}),
    );
    assert_eq!(subjects(&from), ["Invoice 1"]);
    let dates = search(
        &host,
        json!({"folder": PHISHING, "received_after": "2026-11-20T11:00:00Z", "received_before": "2026-11-20T12:00:00+00:00"}),
    );
    assert_eq!(subjects(&dates), ["Invoice 2"]);
    let to = search(
        &host,
        json!({"folder": PHISHING, "to": "alice", "subject": "lunch"}),
    );
    assert_eq!(subjects(&to), ["Lunch"]);
    let by_id = search(
        &host,
        json!({"folder": PHISHING, "message_id": "Invoice.1@test.example"}),
    );
    assert_eq!(subjects(&by_id), ["Invoice 1"]);
    // Default folder: the Inbox alone.
    assert_eq!(
        subjects(&search(&host, json!({"subject": "invoice"}))),
        ["Invoice 3"]
    );
    fixtures::assert_faithful(&mock);
}

fn deep_search_walks_subfolders_and_names_each_folder(api: Api) {
    let mock = fixtures::mock();
    seed(&mock);
    let host = fixtures::alice(&mock, api);
    let out = search(
        &host,
        json!({"folder": "Inbox", "deep": true, "subject": "invoice", "sort": "received-asc"}),
    );
    assert_eq!(
        subjects(&out),
        ["Invoice 0", "Invoice 1", "Invoice 2", "Invoice 3"]
    );
    let folders: Vec<&str> = out["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["folder"].as_str().unwrap())
        .collect();
    assert_eq!(folders, ["Inbox/Phishing/Old", PHISHING, PHISHING, "Inbox"]);
    assert_eq!(out["total"], 4);
    let page = search(
        &host,
        json!({"folder": "Inbox", "deep": true, "subject": "invoice", "limit": 2, "offset": 1}),
    );
    assert_eq!(subjects(&page), ["Invoice 2", "Invoice 1"]);
    assert_eq!(page["more"], true);
    // The whole mailbox: Junk Email too.
    let all = search(&host, json!({"deep": true, "subject": "junk"}));
    assert_eq!(subjects(&all), ["Invoice junk"]);
    assert_eq!(all["emails"][0]["folder"], "Junk Email");
    fixtures::assert_faithful(&mock);
}

/// AQS on EWS, KQL on Graph: the same query here.
fn text_queries_and_mistakes(api: Api) {
    let mock = fixtures::mock();
    seed(&mock);
    let host = fixtures::alice(&mock, api);
    let out = search(
        &host,
        json!({"folder": PHISHING, "query": "from:mallory subject:\"invoice 1\""}),
    );
    assert_eq!(subjects(&out), ["Invoice 1"]);

    let both = host
        .invoke(
            "search-emails-extended",
            json!({"query": "x", "subject": "y"}),
        )
        .failure("invalid-input", 2);
    assert!(
        both.contains("params.query") && both.contains("params.subject"),
        "{both}"
    );
    let missing = host
        .invoke("search-emails-extended", json!({"folder": "Inbox/Phishy"}))
        .failure("not-found", 5);
    assert!(
        missing.contains("\"Phishy\"") && missing.contains("Phishing"),
        "{missing}"
    );
    for (params, field) in [
        (json!({"limit": 0}), "params.limit"),
        (json!({"sort": "newest"}), "params.sort"),
        (
            json!({"received_after": "yesterday"}),
            "params.received_after",
        ),
        (
            json!({"received_after": "2026-11-20T10:00:00"}),
            "params.received_after",
        ),
        (json!({"importance": "urgent"}), "params.importance"),
        (json!({"subject": "a\nb"}), "params.subject"),
        (
            json!({"received_after": "2026-11-21T00:00:00Z", "received_before": "2026-11-20T00:00:00Z"}),
            "params.received_before",
        ),
        (
            json!({"deep": true, "offset": 9_990, "limit": 20}),
            "params.offset",
        ),
    ] {
        let m = host
            .invoke("search-emails-extended", params.clone())
            .failure("invalid-input", 2);
        assert!(m.starts_with(field), "{params}: {m}");
    }
}
