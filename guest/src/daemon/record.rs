//! One email's record (docs/daemon.md, "The record"): the MIME-derived
//! fields from `ews_mail::parse_email`, then the EWS metadata over them. An
//! email whose GetItem failed or whose MIME is missing still gets a record,
//! from what FindItem said, with `errors` saying why; an email too large to
//! fetch whole gets one from its EWS properties and attachments fetched one
//! by one (`from_details`).

use crate::mailbox::{Address, FoundItem, ItemError, MailDetails as Details, MailItem as Item};
use crate::platform::File;
use crate::time::format_rfc3339_utc;
use serde_json::{json, Map, Value};

pub struct Meta<'a> {
    pub id: &'a str,
    pub mailbox: &'a str,
    pub folder: &'a str,
}

/// Takes the item so that its MIME becomes message.eml without a copy.
pub fn build(meta: &Meta, found: &FoundItem, got: Result<Item, ItemError>) -> (Value, Vec<File>) {
    from_fetch(meta, found, got, Vec::new(), |mime, errors| {
        let rec = ews_mail::parse_email_owned(mime);
        errors.extend(rec.errors);
        (rec.json, files_of(rec.files))
    })
}

/// The record of a quarantined email (checkpoint.rs, `quarantined`): its MIME
/// is never parsed again, since parsing it stopped the component once; the
/// fields come from FindItem, the MIME is kept whole as message.eml.
pub fn unparsed(
    meta: &Meta,
    found: &FoundItem,
    got: Result<Item, ItemError>,
) -> (Value, Vec<File>) {
    let errors = vec![format!(
        "parsing this email stopped the component in an earlier poll (the host's log says \
         how): delivered unparsed, with its MIME whole in {}",
        ews_mail::EML_FILE
    )];
    from_fetch(meta, found, got, errors, |mime, _| {
        let mut json = fallback(found);
        json.insert("eml".into(), json!(ews_mail::EML_FILE));
        let eml = File {
            name: ews_mail::EML_FILE.to_string(),
            media_type: "message/rfc822".to_string(),
            data: mime,
        };
        (json, vec![eml])
    })
}

/// A record from what GetItem gave: the MIME's fields and files from
/// `with_mime`, else FindItem's fields and an error saying why there is no
/// MIME.
fn from_fetch(
    meta: &Meta,
    found: &FoundItem,
    got: Result<Item, ItemError>,
    mut errors: Vec<String>,
    with_mime: impl FnOnce(Vec<u8>, &mut Vec<String>) -> (Map<String, Value>, Vec<File>),
) -> (Value, Vec<File>) {
    let (json, files, item) = match got {
        Ok(mut item) => match std::mem::replace(&mut item.mime, Err(String::new())) {
            Ok(mime) => {
                let (json, files) = with_mime(mime, &mut errors);
                (json, files, Some(item))
            }
            Err(why) => {
                errors.push(format!("GetItem: {why}"));
                let mut json = fallback(found);
                if let Some(subject) = &item.subject {
                    json.insert("subject".into(), json!(subject));
                }
                (json, vec![], Some(item))
            }
        },
        Err(d) => {
            errors.push(item_error("GetItem", &d));
            (fallback(found), vec![], None)
        }
    };
    finish(meta, found, item.as_ref(), json, files, errors)
}

/// "GetItem: ErrorItemNotFound: The specified object was not found in the store."
pub fn item_error(operation: &str, d: &ItemError) -> String {
    format!("{operation}: {}", d.describe())
}

/// A record from EWS properties instead of MIME: the header fields, the
/// transport headers, the text body, and the attachments in `pieces`.
/// `eml` is null: there is no MIME to keep.
pub fn from_details(
    meta: &Meta,
    found: &FoundItem,
    item: &Item,
    details: &Details,
    pieces: ews_mail::Pieces,
    errors: Vec<String>,
) -> (Value, Vec<File>) {
    let list = |v: &[Address]| Value::Array(v.iter().map(address).collect());
    let headers: Vec<Value> = details
        .headers
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let Value::Object(json) = json!({
        "internet_message_id": item.internet_message_id,
        "subject": item.subject,
        "from": details.from.as_ref().map(address),
        "sender": details.sender.as_ref().map(address),
        "to": list(&details.to), "cc": list(&details.cc), "bcc": list(&details.bcc),
        "reply_to": list(&details.reply_to),
        "sent": details.sent.map(format_rfc3339_utc),
        "headers": headers,
        "body": {"text": details.body_text, "html": null},
        "attachments": pieces.attachments,
        "eml": null,
    }) else {
        unreachable!()
    };
    finish(
        meta,
        found,
        Some(item),
        json,
        files_of(pieces.files),
        errors,
    )
}

fn address(a: &Address) -> Value {
    json!({"name": a.name, "address": a.address})
}

fn files_of(files: Vec<ews_mail::MailFile>) -> Vec<File> {
    files
        .into_iter()
        .map(|f| File {
            name: f.name,
            media_type: f.media_type,
            data: f.data,
        })
        .collect()
}

/// The EWS metadata over the MIME-derived (or stand-in) fields.
fn finish(
    meta: &Meta,
    found: &FoundItem,
    item: Option<&Item>,
    mut json: Map<String, Value>,
    files: Vec<File>,
    errors: Vec<String>,
) -> (Value, Vec<File>) {
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
    // A fetch that says nothing of them (Graph's $value) leaves the listing's.
    let categories = item
        .map(|i| i.categories.clone())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| found.categories.clone());
    json.insert("categories".into(), json!(categories));
    json.insert(
        "importance".into(),
        json!(item
            .and_then(|i| i.importance.clone())
            .or_else(|| found.importance.clone())),
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

/// The record's MIME-derived fields from FindItem alone: From's name, and
/// its address from PidTagSentRepresentingSmtpAddress.
pub fn fallback(found: &FoundItem) -> Map<String, Value> {
    let name = found.from.as_ref().and_then(|a| a.name.clone());
    let address = found
        .from
        .as_ref()
        .and_then(|a| a.address.clone())
        .or_else(|| found.from_smtp.clone());
    let from = if name.is_none() && address.is_none() {
        Value::Null
    } else {
        json!({"name": name, "address": address})
    };
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
