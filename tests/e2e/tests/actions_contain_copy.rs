//! copy-email and delete-attachments end to end through ews-host: the copy
//! really is in the destination folder (another mailbox's, by
//! impersonation), the attachment really is gone from the stored MIME.

use e2e::fixtures::{
    self, add, ews_id, results, sent, sent_on, subjects, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID,
    CLIENT_SECRET, PHISHING, TENANT, UNKNOWN_ID,
};
use e2e::{on_both_apis, Api, Host};
use mock_exchange::NewMessage;
use serde_json::{json, Value};

on_both_apis!(
    copy_email_copies_into_a_folder_path_and_keeps_the_original,
    delete_attachments_removes_the_named_one_for_good,
);

fn copy_email_copies_into_a_folder_path_and_keeps_the_original(api: Api) {
    let mock = fixtures::mock();
    mock.add_folder(ALICE, "Inbox/Quarantine");
    let a = add(&mock, ALICE, PHISHING, "evidence");
    let host = fixtures::alice(&mock, api);
    let out = host
        .invoke(
            "copy-email",
            json!({"item_ids": [a, UNKNOWN_ID], "destination_folder": "inbox/quarantine"}),
        )
        .output();
    assert_eq!(results(&out)[0], (true, String::new()), "{out}");
    assert!(!results(&out)[1].0);
    let copy = mock
        .message(&ews_id(&out["results"][0]["new_item_id"]))
        .expect("the copy exists");
    assert_eq!(copy.folder_path, "Inbox/Quarantine");
    assert_eq!(out["results"][0]["new_change_key"], copy.change_key);
    assert_eq!(
        subjects(&mock, ALICE, PHISHING),
        ["evidence"],
        "the original stays"
    );
    let copies = || sent_on(&mock, api, "CopyItem", "graph.batch");
    assert_eq!(copies(), 1);

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
    assert_eq!(copies(), 1, "nothing copied");
    fixtures::assert_faithful(&mock);
}

#[test]
fn copy_email_into_another_mailbox_by_impersonation() {
    let mock = fixtures::mock();
    mock.add_folder(BOB, "Inbox/Quarantine");
    let a = add(&mock, ALICE, PHISHING, "to bob");
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let params = json!({"item_ids": [a], "destination_folder": "Inbox/Quarantine", "destination_mailbox": BOB});
    let out = host.invoke("copy-email", params.clone()).output();
    assert_eq!(results(&out), [(true, String::new())], "{out}");
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

fn delete_attachments_removes_the_named_one_for_good(api: Api) {
    let mock = fixtures::mock();
    let mime = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../mock-exchange/testdata/eml/nested-rfc822-with-inline-image.eml"),
    )
    .unwrap();
    let id = mock.add_message(ALICE, PHISHING, &mime, NewMessage::default());
    let names = mock.attachment_names(&id).unwrap();
    let host = fixtures::alice(&mock, api);
    let out = host
        .invoke(
            "delete-attachments",
            json!({"item_id": id, "names": [names[0]]}),
        )
        .output();
    assert_eq!(out["deleted"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["deleted"][0]["name"], names[0]);
    assert_eq!(ews_id(&out["item_id"]), id);
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
    assert_eq!(
        sent_on(&mock, api, "DeleteAttachment", "graph.batch"),
        2,
        "one request per call"
    );
    let message = host
        .invoke(
            "delete-attachments",
            json!({"item_id": id, "names": [names[0]]}),
        )
        .failure("not-found", 5);
    assert!(message.contains(&names[0]), "{message}");
    let message = host
        .invoke("delete-attachments", json!({"item_id": UNKNOWN_ID}))
        .failure("not-found", 5);
    assert!(
        message.contains(UNKNOWN_ID) && message.contains(ALICE),
        "{message}"
    );
    fixtures::assert_faithful(&mock);
}

#[test]
fn copy_email_into_another_mailbox_over_graph_is_refused_saying_why() {
    let mock = fixtures::mock();
    mock.add_folder(BOB, "Inbox/Quarantine");
    let a = add(&mock, ALICE, PHISHING, "to bob");
    let host = fixtures::alice(&mock, Api::Graph);
    let params = json!({"item_ids": [a], "destination_folder": "Inbox/Quarantine", "destination_mailbox": BOB});
    let message = host
        .invoke("copy-email", params)
        .failure("invalid-input", 2);
    assert!(
        message.starts_with("params.destination_mailbox") && message.contains(BOB),
        "{message}"
    );
    assert!(mock.messages(BOB, "Inbox/Quarantine").is_empty());
    assert_eq!(sent(&mock, "graph.batch"), 0);
    fixtures::assert_faithful(&mock);
}
