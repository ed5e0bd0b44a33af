//! download-mail-as-eml and get-attachments end to end: the bytes that come
//! out are the bytes Exchange holds; a wrong id is caught before any request,
//! an unknown one is not-found naming it.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID, CLIENT_SECRET, PHISHING, TENANT};
use e2e::Host;
use mock_exchange::NewMessage;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;

fn eml(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../mock-exchange/testdata/eml").join(name)).unwrap()
}

fn sha(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// `invoke ACTION --params JSON --out DIR`: the output and the written files' directory.
fn invoke_out(host: &Host, action: &str, params: serde_json::Value) -> (serde_json::Value, std::path::PathBuf) {
    let out = host.dir.path().join(format!("out-{action}"));
    let run = host.run(&["invoke", action, "--params", &params.to_string(), "--out", out.to_str().unwrap()]);
    (run.output(), out)
}

#[test]
fn download_mail_as_eml_gives_exchanges_bytes_untouched() {
    let mock = fixtures::mock();
    // Bare LF line endings and an 8-bit legacy charset: nothing may be normalised.
    let mime = eml("charset-ks_c_5601-1987-8bit.eml");
    let id = mock.add_message(ALICE, PHISHING, &mime, NewMessage::default());
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let (out, dir) = invoke_out(&host, "download-mail-as-eml", json!({"item_id": id}));
    assert_eq!(out["item_id"], id);
    assert_eq!(out["change_key"], mock.message(&id).unwrap().change_key);
    assert_eq!(out["size"], mime.len());
    assert_eq!(out["sha256"], sha(&mime));
    let file = out["file"].as_str().unwrap();
    assert!(file.ends_with(".eml") && !file.contains('/'), "{file}");
    assert_eq!(std::fs::read(dir.join(file)).unwrap(), mime, "byte for byte");
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn download_mail_as_eml_acts_on_another_mailbox_by_impersonation() {
    let mock = fixtures::mock();
    let mime = fixtures::email("m@evil.com", "in bob's inbox", "hi");
    let id = mock.add_message(BOB, "Inbox", &mime, NewMessage::default());
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let out = host.invoke("download-mail-as-eml", json!({"item_id": id, "mailbox": BOB})).output();
    assert_eq!(out["subject"], "in bob's inbox");
    assert_eq!(out["from"]["address"], "m@evil.com");
    assert_eq!(out["mailbox"], BOB);
    let get: Vec<_> = mock.requests().into_iter().filter(|r| r.operation == "GetItem").collect();
    assert_eq!(get[0].impersonated.as_deref(), Some(BOB));
    assert_eq!(get[0].anchor_mailbox.as_deref(), Some(BOB));
}

#[test]
fn ids_are_checked_before_anything_is_sent_and_unknown_ones_are_named() {
    let mock = fixtures::mock();
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    for (params, field) in [
        (json!({}), "params.item_id: required"),
        (json!({"item_id": "not an id!"}), "params.item_id: expected an EWS item id"),
        (json!({"item_id": ["AAMkAD"]}), "params.item_id: expected a string (an item id"),
        (json!({"item_id": "AAMkADEzYjJk", "colour": "red"}), "params.colour: unknown parameter"),
        (json!({"item_id": "AAMkADEzYjJk", "mailbox": "bob"}), "params.mailbox: expected an email address"),
    ] {
        let message = host.invoke("download-mail-as-eml", params.clone()).failure("invalid-input", 2);
        assert!(message.starts_with(field), "{params}: {message}");
    }
    assert!(mock.requests().is_empty(), "nothing was sent: {:#?}", mock.requests());
    let unknown = "AAMkADEzYjJkLTYxMwB8GqYicWAAAA==";
    let message = host.invoke("download-mail-as-eml", json!({"item_id": unknown})).failure("not-found", 5);
    assert!(message.contains(unknown) && message.contains(ALICE), "{message}");
}

#[test]
fn get_attachments_returns_every_file_and_attached_email_byte_exact() {
    let mock = fixtures::mock();
    let mime = eml("nested-rfc822-with-inline-image.eml");
    let id = mock.add_message(ALICE, PHISHING, &mime, NewMessage::default());
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let (out, dir) = invoke_out(&host, "get-attachments", json!({"item_id": id}));
    assert_eq!(out["item_id"], id);
    let atts = out["attachments"].as_array().unwrap();
    assert!(!atts.is_empty(), "{out}");
    for a in atts {
        let data = std::fs::read(dir.join(a["file"].as_str().unwrap())).unwrap();
        assert_eq!(a["sha256"], sha(&data), "{a}");
        assert_eq!(a["size"], data.len(), "{a}");
    }
    let item = atts.iter().find(|a| a["kind"] == "item").expect("the attached email");
    assert!(item["file"].as_str().unwrap().ends_with(".eml"), "{item}");
    assert_eq!(item["content_type"], "message/rfc822");
    // The same attachments as the MIME holds, decoded (an attached email as its own bytes).
    let message = mail_parser::MessageParser::default().parse(&mime).unwrap();
    let mut want: Vec<String> = message
        .attachments()
        .map(|p| match &p.body {
            mail_parser::PartType::Message(m) => sha(m.raw_message()),
            _ => sha(p.contents()),
        })
        .collect();
    let mut got: Vec<String> = atts.iter().map(|a| a["sha256"].as_str().unwrap().to_string()).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let requests = mock.requests();
    assert_eq!(requests.iter().filter(|r| r.operation == "GetAttachment").count(), atts.len());
    assert_eq!(mock.schema_failures(), 0);

    // One by name; a name it does not have is not-found, listing what it has.
    let first = atts[0]["name"].as_str().unwrap().to_string();
    let one = host.invoke("get-attachments", json!({"item_id": id, "names": [first]})).output();
    assert_eq!(one["attachments"].as_array().unwrap().len(), 1);
    let message = host
        .invoke("get-attachments", json!({"item_id": id, "names": ["nope.exe"]}))
        .failure("not-found", 5);
    assert!(message.contains("nope.exe") && message.contains(&first), "{message}");
}
