//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ews_mail::{parse_email, MailRecord};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses and checks what holds for every email: message.eml first and untouched, every
/// attachment's file present with its size and hash, names safe and unique, errors mirrored.
pub fn parse_checked(mime: &[u8]) -> MailRecord {
    let rec = parse_email(mime);
    assert_eq!(rec.files[0].name, "message.eml");
    assert_eq!(
        rec.files[0].data, mime,
        "message.eml must be the input bytes"
    );
    assert_eq!(rec.json["eml"], "message.eml");
    assert_eq!(rec.json["errors"], serde_json::json!(rec.errors));
    let atts = rec.json["attachments"]
        .as_array()
        .expect("attachments array");
    assert_eq!(rec.files.len(), atts.len() + 1, "one file per attachment");
    let mut seen = std::collections::HashSet::new();
    for (a, f) in atts.iter().zip(&rec.files[1..]) {
        assert_eq!(a["file"], f.name.as_str());
        assert_eq!(a["size"], f.data.len());
        assert_eq!(a["sha256"], sha256(&f.data).as_str());
        assert_eq!(a["media_type"], f.media_type.as_str());
        assert_safe(&f.name);
        assert!(a.get("email").is_none_or(|e| e["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n.get("email").is_none() && n["file"].is_null())));
    }
    for f in &rec.files {
        assert!(
            seen.insert(f.name.to_lowercase()),
            "duplicate name {}",
            f.name
        );
    }
    for key in [
        "internet_message_id",
        "subject",
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "reply_to",
        "sent",
        "headers",
        "body",
    ] {
        assert!(rec.json.contains_key(key), "missing {key}");
    }
    for key in [
        "id",
        "item_id",
        "received",
        "categories",
        "importance",
        "size",
        "mailbox",
        "folder",
    ] {
        assert!(!rec.json.contains_key(key), "EWS key {key} is the lead's");
    }
    rec
}

pub fn assert_safe(name: &str) {
    assert!(
        !name.is_empty() && name.chars().count() <= 120 && name.len() <= 200,
        "{name:?}"
    );
    assert!(!name.starts_with('.'), "{name:?}");
    assert!(
        !name
            .chars()
            .any(|c| c.is_control() || "<>:\"/\\|?*".contains(c)),
        "{name:?}"
    );
}

pub fn att(rec: &MailRecord, i: usize) -> &Value {
    &rec.json["attachments"][i]
}

pub fn text(rec: &MailRecord) -> &str {
    rec.json["body"]["text"].as_str().expect("body text")
}

pub fn file<'a>(rec: &'a MailRecord, name: &str) -> &'a [u8] {
    &rec.files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no file {name}"))
        .data
}
