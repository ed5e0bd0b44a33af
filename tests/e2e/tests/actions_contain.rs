//! The containment actions end to end through ews-host: delete-email,
//! copy-email, junk-mail and delete-attachments. Effects are asserted on the
//! mock's mailboxes, not only on the answers; batches are one request with a
//! result per id; bad input is refused before anything is sent.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID, CLIENT_SECRET, PHISHING, TENANT};
use e2e::Host;
use mock_exchange::{MockExchange, NewMessage};
use serde_json::{json, Value};

const UNKNOWN: &str = "AAMkADEzYjJkLTYxMwB8GqYicWAAAA==";

fn add(mock: &MockExchange, mailbox: &str, folder: &str, subject: &str) -> String {
    mock.add_message(
        mailbox,
        folder,
        &fixtures::email("m@evil.com", subject, "click"),
        NewMessage::default(),
    )
}

fn subjects(mock: &MockExchange, mailbox: &str, folder: &str) -> Vec<String> {
    mock.messages(mailbox, folder)
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

fn sent(mock: &MockExchange, operation: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.operation == operation)
        .count()
}

/// (ok, error) of each result, in order.
fn oks(out: &Value) -> Vec<(bool, String)> {
    out["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ok"] == true,
                r["error"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn delete_email_moves_to_deleted_items_in_one_request_and_reports_each_id() {
    let mock = fixtures::mock();
    let (a, b) = (
        add(&mock, ALICE, PHISHING, "first"),
        add(&mock, ALICE, PHISHING, "second"),
    );
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let out = host
        .invoke("delete-email", json!({"item_ids": [a, UNKNOWN, b]}))
        .output();
    let results = oks(&out);
    assert!(results[0].0 && results[2].0, "{out}");
    assert!(
        !results[1].0 && results[1].1.contains("ErrorItemNotFound"),
        "{out}"
    );
    assert_eq!(out["results"][1]["item_id"], UNKNOWN);
    assert_eq!(out["deleted"], 2);
    assert_eq!(sent(&mock, "DeleteItem"), 1, "one batched request");
    assert!(mock.messages(ALICE, PHISHING).is_empty());
    assert_eq!(subjects(&mock, ALICE, "Deleted Items"), ["first", "second"]);

    let c = add(&mock, ALICE, "Inbox", "purge me");
    let out = host
        .invoke(
            "delete-email",
            json!({"item_ids": [c], "delete_type": "hard"}),
        )
        .output();
    assert_eq!(oks(&out), [(true, String::new())]);
    assert!(mock.message(&c).is_none(), "hard: gone");
    assert_eq!(
        mock.messages(ALICE, "Deleted Items").len(),
        2,
        "not in Deleted Items"
    );

    // Every id unknown: still a success, each ok: false.
    let out = host
        .invoke("delete-email", json!({"item_ids": [UNKNOWN]}))
        .output();
    assert_eq!(out["deleted"], 0);
    assert!(!oks(&out)[0].0);
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let mock = fixtures::mock();
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let many: Vec<&str> = vec![UNKNOWN; 101];
    for (action, params, field) in [
        (
            "delete-email",
            json!({"item_ids": ["not an id!"]}),
            "params.item_ids[0]: expected an EWS item id",
        ),
        (
            "delete-email",
            json!({"item_ids": [UNKNOWN], "delete_type": "purge"}),
            "params.delete_type: expected one of",
        ),
        (
            "delete-email",
            json!({"item_ids": [UNKNOWN], "colour": "red"}),
            "params.colour: unknown parameter",
        ),
        (
            "delete-email",
            json!({"item_ids": []}),
            "params.item_ids: expected a list of 1 to 100",
        ),
        (
            "delete-email",
            json!({"item_ids": many}),
            "params.item_ids: at most 100",
        ),
        (
            "junk-mail",
            json!({"item_ids": [UNKNOWN], "is_junk": "yes"}),
            "params.is_junk: expected true or false",
        ),
        (
            "copy-email",
            json!({"item_ids": [UNKNOWN]}),
            "params.destination_folder: required",
        ),
        (
            "copy-email",
            json!({"item_ids": [UNKNOWN], "destination_folder": "x", "destination_mailbox": "bob"}),
            "params.destination_mailbox: expected an email address",
        ),
        (
            "delete-attachments",
            json!({"item_id": "AAMk"}),
            "params.item_id: expected an EWS item id",
        ),
    ] {
        let message = host
            .invoke(action, params.clone())
            .failure("invalid-input", 2);
        assert!(message.starts_with(field), "{action} {params}: {message}");
    }
    assert!(
        mock.requests().is_empty(),
        "nothing was sent: {:#?}",
        mock.requests()
    );
}

#[test]
fn access_denied_on_every_item_is_forbidden_saying_what_to_grant() {
    let mock = fixtures::mock();
    let a = add(&mock, ALICE, PHISHING, "locked");
    mock.fail_item(&a, "ErrorAccessDenied", 1);
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let message = host
        .invoke("delete-email", json!({"item_ids": [a]}))
        .failure("forbidden", 4);
    assert!(
        message.contains("FullAccess") && message.contains(&a),
        "{message}"
    );
    assert_eq!(mock.messages(ALICE, PHISHING).len(), 1);
}

#[test]
fn copy_email_copies_into_a_folder_path_and_keeps_the_original() {
    let mock = fixtures::mock();
    mock.add_folder(ALICE, "Inbox/Quarantine");
    let a = add(&mock, ALICE, PHISHING, "evidence");
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let out = host
        .invoke(
            "copy-email",
            json!({"item_ids": [a, UNKNOWN], "destination_folder": "inbox/quarantine"}),
        )
        .output();
    assert_eq!(oks(&out)[0], (true, String::new()), "{out}");
    assert!(!oks(&out)[1].0);
    let copy = mock
        .message(out["results"][0]["new_item_id"].as_str().unwrap())
        .expect("the copy exists");
    assert_eq!(copy.folder_path, "Inbox/Quarantine");
    assert_eq!(out["results"][0]["new_change_key"], copy.change_key);
    assert_eq!(
        subjects(&mock, ALICE, PHISHING),
        ["evidence"],
        "the original stays"
    );
    assert_eq!(sent(&mock, "CopyItem"), 1);

    let message = host
        .invoke(
            "copy-email",
            json!({"item_ids": [a], "destination_folder": "Inbox/Nope/Deeper"}),
        )
        .failure("not-found", 5);
    assert!(
        message.contains("params.destination_folder") && message.contains("\"Nope\""),
        "{message}"
    );
    assert!(
        !message.contains("Deeper\""),
        "names the first missing level only: {message}"
    );
    assert_eq!(sent(&mock, "CopyItem"), 1, "nothing copied");
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn copy_email_into_another_mailbox_by_impersonation() {
    let mock = fixtures::mock();
    mock.add_folder(BOB, "Inbox/Quarantine");
    let a = add(&mock, ALICE, PHISHING, "to bob");
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let params = json!({"item_ids": [a], "destination_folder": "Inbox/Quarantine", "destination_mailbox": BOB});
    let out = host.invoke("copy-email", params.clone()).output();
    assert_eq!(oks(&out), [(true, String::new())], "{out}");
    assert_eq!(
        out["results"][0]["new_item_id"],
        Value::Null,
        "Exchange gives no id across mailboxes"
    );
    assert_eq!(subjects(&mock, BOB, "Inbox/Quarantine"), ["to bob"]);
    let requests = mock.requests();
    let find = requests
        .iter()
        .find(|r| r.operation == "FindFolder")
        .unwrap();
    assert_eq!(
        find.impersonated.as_deref(),
        Some(BOB),
        "the path is resolved in bob's mailbox"
    );
    let copy = requests.iter().find(|r| r.operation == "CopyItem").unwrap();
    assert_eq!(
        copy.impersonated.as_deref(),
        Some(ALICE),
        "copied as the source mailbox"
    );

    // Alice over Basic may not impersonate Bob: forbidden, saying which role.
    let basic = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let message = basic.invoke("copy-email", params).failure("forbidden", 4);
    assert!(message.contains("ApplicationImpersonation"), "{message}");
    assert_eq!(mock.messages(BOB, "Inbox/Quarantine").len(), 1);
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn junk_mail_moves_to_junk_email_and_back() {
    let mock = fixtures::mock();
    let a = add(&mock, ALICE, "Inbox", "spam");
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let out = host
        .invoke("junk-mail", json!({"item_ids": [a, UNKNOWN]}))
        .output();
    assert_eq!(oks(&out)[0], (true, String::new()), "{out}");
    assert!(!oks(&out)[1].0 && oks(&out)[1].1.contains("ErrorItemNotFound"));
    let moved = out["results"][0]["moved_item_id"]
        .as_str()
        .unwrap()
        .to_string();
    let state = mock.message(&moved).unwrap();
    assert_eq!(state.folder_path, "Junk Email");
    assert_eq!(out["results"][0]["moved_change_key"], state.change_key);
    assert!(mock.message(&a).is_none(), "moved: a new id");

    let out = host
        .invoke("junk-mail", json!({"item_ids": [moved], "is_junk": false}))
        .output();
    let back = out["results"][0]["moved_item_id"].as_str().unwrap();
    assert_eq!(mock.message(back).unwrap().folder_path, "Inbox");
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn delete_attachments_removes_the_named_one_for_good() {
    let mock = fixtures::mock();
    let mime = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../mock-exchange/testdata/eml/nested-rfc822-with-inline-image.eml"),
    )
    .unwrap();
    let id = mock.add_message(ALICE, PHISHING, &mime, NewMessage::default());
    let names = mock.attachment_names(&id).unwrap();
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let out = host
        .invoke(
            "delete-attachments",
            json!({"item_id": id, "names": [names[0]]}),
        )
        .output();
    assert_eq!(out["deleted"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["deleted"][0]["name"], names[0]);
    assert_eq!(out["item_id"], id);
    assert_eq!(
        out["change_key"],
        mock.message(&id).unwrap().change_key,
        "the new change key"
    );
    assert_eq!(mock.attachment_names(&id).unwrap(), names[1..].to_vec());
    let left = host
        .invoke("get-attachments", json!({"item_id": id}))
        .output();
    assert_eq!(
        left["attachments"].as_array().unwrap().len(),
        names.len() - 1
    );

    // All the rest; then there is nothing left to delete.
    let out = host
        .invoke("delete-attachments", json!({"item_id": id}))
        .output();
    assert_eq!(out["deleted"].as_array().unwrap().len(), names.len() - 1);
    assert!(mock.attachment_names(&id).unwrap().is_empty());
    assert_eq!(sent(&mock, "DeleteAttachment"), 2, "one request per call");
    let message = host
        .invoke(
            "delete-attachments",
            json!({"item_id": id, "names": [names[0]]}),
        )
        .failure("not-found", 5);
    assert!(message.contains(&names[0]), "{message}");
    let message = host
        .invoke("delete-attachments", json!({"item_id": UNKNOWN}))
        .failure("not-found", 5);
    assert!(
        message.contains(UNKNOWN) && message.contains(ALICE),
        "{message}"
    );
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn containment_runs_in_ews_host_batch() {
    let mock = fixtures::mock();
    let (a, b) = (
        add(&mock, ALICE, "Inbox", "one"),
        add(&mock, ALICE, "Inbox", "two"),
    );
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let input = format!(
        "{}\n{}\n{}\n",
        json!({"action": "junk-mail", "params": {"item_ids": [a]}}),
        json!({"action": "delete-email", "params": {"item_ids": [b], "delete_type": "soft"}}),
        json!({"action": "delete-email", "params": {"item_ids": ["bad!"]}}),
    );
    let run = host.run_with_stdin(&["batch"], Some(&input));
    assert_eq!(run.code, 0, "{run:#?}");
    let answers: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3, "{run:#?}");
    assert_eq!(answers[0]["output"]["marked"], 1, "{}", answers[0]);
    assert_eq!(answers[1]["output"]["deleted"], 1, "{}", answers[1]);
    assert_eq!(answers[2]["error"]["kind"], "invalid-input");
    assert_eq!(subjects(&mock, ALICE, "Junk Email"), ["one"]);
    assert!(mock.message(&b).is_none() && mock.messages(ALICE, "Inbox").is_empty());
    assert_eq!(mock.schema_failures(), 0);
}
