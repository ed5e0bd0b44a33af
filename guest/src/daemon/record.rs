//! One email's record (docs/daemon.md, "The record"): the MIME-derived
//! fields from `ews_mail::parse_email`, then the EWS metadata over them. An
//! email whose GetItem failed or whose MIME is missing still gets a record,
//! from what FindItem said, with `errors` saying why.

use crate::ews::error::CodeDetail;
use crate::ews::operations::find_item::FoundItem;
use crate::ews::operations::get_item::Item;
use crate::platform::File;
use crate::time::format_rfc3339_utc;
use serde_json::{json, Map, Value};

pub struct Meta<'a> {
    pub id: &'a str,
    pub mailbox: &'a str,
    pub folder: &'a str,
}

pub fn build(meta: &Meta, found: &FoundItem, got: &Result<Item, CodeDetail>) -> (Value, Vec<File>) {
    let mut errors: Vec<String> = Vec::new();
    let (mut json, files) = match got {
        Ok(item) => match &item.mime {
            Ok(mime) => {
                let rec = ews_mail::parse_email(mime);
                errors.extend(rec.errors);
                let files = rec
                    .files
                    .into_iter()
                    .map(|f| File {
                        name: f.name,
                        media_type: f.media_type,
                        data: f.data,
                    })
                    .collect();
                (rec.json, files)
            }
            Err(why) => {
                errors.push(format!("GetItem: {why}"));
                let mut json = fallback(found);
                if let Some(subject) = &item.subject {
                    json.insert("subject".into(), json!(subject));
                }
                (json, vec![])
            }
        },
        Err(d) => {
            let text = d.text.trim();
            errors.push(if text.is_empty() {
                format!("GetItem: {}", d.code)
            } else {
                format!("GetItem: {}: {text}", d.code)
            });
            (fallback(found), vec![])
        }
    };
    let item = got.as_ref().ok();
    let change_key = item
        .and_then(|i| i.id.change_key.clone())
        .or_else(|| found.id.change_key.clone());
    let received = item.and_then(|i| i.received).or(found.received);
    let size = item.and_then(|i| i.size).or(found.size);
    json.insert("id".into(), json!(meta.id));
    json.insert("mailbox".into(), json!(meta.mailbox));
    json.insert("folder".into(), json!(meta.folder));
    json.insert("item_id".into(), json!(found.id.id));
    json.insert("change_key".into(), json!(change_key));
    json.insert("received".into(), json!(received.map(format_rfc3339_utc)));
    json.insert(
        "categories".into(),
        json!(item.map(|i| i.categories.clone()).unwrap_or_default()),
    );
    json.insert(
        "importance".into(),
        json!(item.and_then(|i| i.importance.clone())),
    );
    json.insert("size".into(), json!(size));
    // What the MIME lacked, EWS may know.
    let ews_message_id = item
        .and_then(|i| i.internet_message_id.clone())
        .or_else(|| found.internet_message_id.clone());
    fill(&mut json, "internet_message_id", json!(ews_message_id));
    let ews_subject = item
        .and_then(|i| i.subject.clone())
        .or_else(|| found.subject.clone());
    fill(&mut json, "subject", json!(ews_subject));
    json.insert("errors".into(), json!(errors));
    (Value::Object(json), files)
}

fn fill(json: &mut Map<String, Value>, key: &str, value: Value) {
    if json.get(key).is_none_or(Value::is_null) {
        json.insert(key.into(), value);
    }
}

/// The record's MIME-derived fields from FindItem alone.
fn fallback(found: &FoundItem) -> Map<String, Value> {
    let from = found
        .from
        .as_ref()
        .map(|a| json!({"name": a.name, "address": a.address}))
        .unwrap_or(Value::Null);
    let Value::Object(m) = json!({
        "internet_message_id": found.internet_message_id,
        "subject": found.subject,
        "from": from,
        "sender": null,
        "to": [], "cc": [], "bcc": [], "reply_to": [],
        "sent": null,
        "headers": [],
        "body": {"text": null, "html": null},
        "attachments": [],
        "eml": null,
    }) else {
        unreachable!()
    };
    m
}
