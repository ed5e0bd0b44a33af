//! Graph's JSON for what the store holds: message, attachment
//! (fileAttachment / itemAttachment with `@odata.type`) and mailFolder, with
//! `$select` applied (`id` and `@odata.etag` always come, as Graph sends them).
//! <https://learn.microsoft.com/en-us/graph/api/resources/message>
//! <https://learn.microsoft.com/en-us/graph/api/resources/attachment>
//! <https://learn.microsoft.com/en-us/graph/api/resources/mailfolder>

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::ids::to_rest;
use super::query::{Expand, Query};
use crate::mime::format_datetime;
use crate::model::Model;
use crate::ops::get_attachment::{self, Content};
use crate::store::{Folder, Store, StoredMessage};

/// Every property of v1.0's message that `$select` may name.
pub const MESSAGE_PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "conversationIndex",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "isRead",
    "isDraft",
    "webLink",
    "inferenceClassification",
    "body",
    "uniqueBody",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
    "internetMessageHeaders",
    "attachments",
    "singleValueExtendedProperties",
    "multiValueExtendedProperties",
    "extensions",
    "mentions",
];

/// Those a message answers only when `$select` names them; without
/// `$select` it answers every other one of `MESSAGE_PROPERTIES`.
const MESSAGE_SELECTED_ONLY: &[&str] = &[
    "uniqueBody",
    "internetMessageHeaders",
    "attachments",
    "singleValueExtendedProperties",
    "multiValueExtendedProperties",
    "extensions",
    "mentions",
];

pub const ATTACHMENT_PROPERTIES: &[&str] = &[
    "id",
    "name",
    "contentType",
    "size",
    "isInline",
    "lastModifiedDateTime",
    "contentBytes",
    "contentId",
    "contentLocation",
    "item",
];

pub const FOLDER_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "parentFolderId",
    "childFolderCount",
    "unreadItemCount",
    "totalItemCount",
    "sizeInBytes",
    "isHidden",
    "wellKnownName",
];

/// `{"emailAddress": {"name", "address"}}`.
pub fn recipient(name: Option<&str>, address: &str) -> Value {
    json!({"emailAddress": {"name": name.unwrap_or(address), "address": address}})
}

fn recipients(list: &[(Option<String>, String)]) -> Value {
    list.iter()
        .map(|(n, a)| recipient(n.as_deref(), a))
        .collect::<Vec<_>>()
        .into()
}

/// Whether `$select` (or the default set) asks for a property.
pub fn wants(select: Option<&[String]>, default: &[&str], property: &str) -> bool {
    match select {
        Some(s) => property == "id" || s.iter().any(|p| p.eq_ignore_ascii_case(property)),
        None => default.contains(&property),
    }
}

/// `wants` for a resource whose answer without `$select` holds every one of
/// `properties` but `selected_only`.
pub fn wants_unless_selected_only(
    select: Option<&[String]>,
    properties: &[&str],
    selected_only: &[&str],
    property: &str,
) -> bool {
    match select {
        Some(_) => wants(select, &[], property),
        None => properties.contains(&property) && !selected_only.contains(&property),
    }
}

/// `low`, `normal`, `high` from the store's `Low`, `Normal`, `High`.
pub fn importance(stored: &str) -> String {
    stored.to_ascii_lowercase()
}

fn preview(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(255).collect()
}

/// The HTML body Graph would give: the HTML part, or the text one as HTML.
fn html_body(mime: &[u8]) -> String {
    crate::mime::on_big_stack(|| {
        mail_parser::MessageParser::default()
            .parse(mime)
            .and_then(|m| m.body_html(0).map(|h| h.into_owned()))
            .unwrap_or_default()
    })
}

/// A message as Graph answers it, with `$select` and `$expand` applied.
pub fn message(
    model: &Model,
    store: &Store,
    m: &StoredMessage,
    q: &Query,
    prefer_text: bool,
) -> Value {
    let select = q.select.as_deref();
    let want =
        |p: &str| wants_unless_selected_only(select, MESSAGE_PROPERTIES, MESSAGE_SELECTED_ONLY, p);
    let s = &m.summary;
    let mut o = Map::new();
    o.insert(
        "@odata.etag".into(),
        json!(format!("W/\"{}\"", m.change_key)),
    );
    o.insert("id".into(), json!(to_rest(&m.id)));
    let from_address = m.from_smtp.clone().or(s.from_address.clone());
    let from = from_address
        .as_deref()
        .map(|a| recipient(s.from_name.as_deref(), a))
        .unwrap_or(Value::Null);
    let received = format_datetime(m.received);
    let mut put = |name: &str, value: Value| {
        if want(name) {
            o.insert(name.to_string(), value);
        }
    };
    put("createdDateTime", json!(received));
    put("lastModifiedDateTime", json!(received));
    put("changeKey", json!(m.change_key));
    put("categories", json!(m.categories));
    put("receivedDateTime", json!(received));
    put(
        "sentDateTime",
        json!(format_datetime(s.sent.unwrap_or(m.received))),
    );
    put("hasAttachments", json!(s.has_attachments()));
    put("internetMessageId", json!(s.internet_message_id));
    put("subject", json!(s.subject));
    put("bodyPreview", json!(preview(&s.text_body)));
    put("importance", json!(importance(&m.importance)));
    put("parentFolderId", json!(to_rest(&m.folder)));
    put("conversationId", json!(to_rest(&m.id)));
    put("isDeliveryReceiptRequested", json!(false));
    put("isReadReceiptRequested", json!(false));
    put("isRead", json!(m.is_read));
    put("isDraft", json!(model.drafts.contains_key(&m.id)));
    put(
        "webLink",
        json!(format!(
            "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
            m.id.replace('/', "%2F")
                .replace('+', "%2B")
                .replace('=', "%3D")
        )),
    );
    put("inferenceClassification", json!("focused"));
    if want("body") || want("uniqueBody") {
        let body = if prefer_text {
            json!({"contentType": "text", "content": s.text_body})
        } else {
            json!({"contentType": "html", "content": html_body(&m.mime)})
        };
        put("body", body.clone());
        put("uniqueBody", body);
    }
    put("sender", from.clone());
    put("from", from);
    put("toRecipients", recipients(&s.to));
    put("ccRecipients", recipients(&s.cc));
    put("bccRecipients", recipients(&s.bcc));
    put("replyTo", recipients(&s.reply_to));
    put("flag", json!({"flagStatus": "notFlagged"}));
    put(
        "internetMessageHeaders",
        s.headers
            .iter()
            .map(|(n, v)| {
                let value = v.split_once(':').map_or(v.as_str(), |(_, v)| v).trim();
                json!({"name": n, "value": value})
            })
            .collect::<Vec<_>>()
            .into(),
    );
    for e in &q.expand {
        match e {
            Expand::ExtendedProperty(id) => {
                let props: Vec<Value> = if id.eq_ignore_ascii_case("Integer 0x0E08") {
                    vec![json!({"id": "Integer 0x0E08", "value": m.size().to_string()})]
                } else {
                    Vec::new()
                };
                o.insert("singleValueExtendedProperties".into(), props.into());
            }
            Expand::Attachments(select) => {
                let list: Vec<Value> = (1..=s.attachments.len())
                    .filter_map(|n| attachment(store, m, n, select.as_deref()))
                    .collect();
                o.insert("attachments".into(), list.into());
            }
        }
    }
    Value::Object(o)
}

/// The `n`th (from 1) attachment of a message.
pub fn attachment(
    _store: &Store,
    m: &StoredMessage,
    n: usize,
    select: Option<&[String]>,
) -> Option<Value> {
    let info = m.summary.attachments.get(n.checked_sub(1)?)?;
    let want = |p: &str| wants(select, ATTACHMENT_PROPERTIES, p);
    let mut o = Map::new();
    let item = info.is_item;
    let kind = if item {
        "itemAttachment"
    } else {
        "fileAttachment"
    };
    o.insert(
        "@odata.type".into(),
        json!(format!("#microsoft.graph.{kind}")),
    );
    if !item {
        o.insert("@odata.mediaContentType".into(), json!(info.content_type));
    }
    o.insert(
        "id".into(),
        json!(to_rest(&get_attachment::attachment_id(&m.id, n))),
    );
    let mut put = |name: &str, value: Value| {
        if want(name) {
            o.insert(name.to_string(), value);
        }
    };
    put("lastModifiedDateTime", json!(format_datetime(m.received)));
    put("name", json!(info.name));
    put(
        "contentType",
        if item {
            Value::Null
        } else {
            json!(info.content_type)
        },
    );
    put("size", json!(info.size));
    put("isInline", json!(info.is_inline));
    if !item {
        put("contentId", json!(info.content_id));
        put("contentLocation", Value::Null);
        if want("contentBytes") {
            if let Some(Content::File(data)) = get_attachment::content(&m.mime, n) {
                put(
                    "contentBytes",
                    json!(base64::engine::general_purpose::STANDARD.encode(data)),
                );
            }
        }
    }
    Some(Value::Object(o))
}

/// A mail folder.
pub fn folder(store: &Store, f: &Folder, select: Option<&[String]>) -> Value {
    let want = |p: &str| wants(select, &FOLDER_PROPERTIES[..8], p);
    let (total, unread) = store.counts(&f.id);
    let size: usize = store.in_folder(&f.id).map(StoredMessage::size).sum();
    let mut o = Map::new();
    o.insert("id".into(), json!(to_rest(&f.id)));
    let mut put = |name: &str, value: Value| {
        if want(name) {
            o.insert(name.to_string(), value);
        }
    };
    put("displayName", json!(f.name));
    put(
        "parentFolderId",
        json!(f.parent.as_deref().map(to_rest).unwrap_or_default()),
    );
    put("childFolderCount", json!(store.children(&f.id).count()));
    put("unreadItemCount", json!(unread));
    put("totalItemCount", json!(total));
    put("sizeInBytes", json!(size));
    put("isHidden", json!(false));
    put("wellKnownName", json!(f.distinguished));
    Value::Object(o)
}
