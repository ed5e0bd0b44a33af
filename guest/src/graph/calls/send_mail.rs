//! `POST /users/{u}/sendMail`: a message with its files inline, when they
//! fit Graph's 4 MB request (files up to 3 MB in all); larger ones go
//! through a draft and upload sessions (`draft`).

use super::draft;
use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::error::Call;
use crate::mailbox::{Body, Outgoing, OutgoingFile};
use crate::platform::Method;
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// Files above this in all go by upload session (Graph's documented limit
/// for attachments sent inline).
pub const INLINE_LIMIT: usize = 3 * 1024 * 1024;

pub fn send(client: &mut GraphClient, mailbox: &str, message: &Outgoing) -> Result<(), Error> {
    let total: usize = message.attachments.iter().map(|f| f.data.len()).sum();
    if total > INLINE_LIMIT {
        return draft::send_large(client, mailbox, message);
    }
    let call = Call {
        what: "send mail",
        permission: "Mail.Send",
        mailbox,
    };
    let mut m = message_json(message);
    m.insert(
        "attachments".into(),
        Value::Array(message.attachments.iter().map(file_json).collect()),
    );
    let body = json!({"message": m, "saveToSentItems": message.save_copy});
    let url = format!("{}/sendMail", GraphClient::user(mailbox));
    client.send(&call, Req::json(Method::Post, url, &body))?;
    Ok(())
}

fn recipients(addresses: &[String]) -> Value {
    Value::Array(
        addresses
            .iter()
            .map(|a| json!({"emailAddress": {"address": a}}))
            .collect(),
    )
}

/// The message's properties, without its files.
pub fn message_json(m: &Outgoing) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(s) = &m.subject {
        out.insert("subject".into(), json!(s));
    }
    if let Some(b) = &m.body {
        out.insert("body".into(), body_json(b));
    }
    for (key, list) in [
        ("toRecipients", &m.to),
        ("ccRecipients", &m.cc),
        ("bccRecipients", &m.bcc),
        ("replyTo", &m.reply_to),
    ] {
        if !list.is_empty() {
            out.insert(key.into(), recipients(list));
        }
    }
    if let Some(from) = &m.from {
        out.insert("from".into(), json!({"emailAddress": {"address": from}}));
    }
    if let Some(i) = &m.importance {
        out.insert("importance".into(), json!(i.to_lowercase()));
    }
    if let Some(id) = &m.internet_message_id {
        out.insert("internetMessageId".into(), json!(id));
    }
    out
}

pub fn body_json(b: &Body) -> Value {
    match b {
        Body::Text(t) => json!({"contentType": "text", "content": t}),
        Body::Html(h) => json!({"contentType": "html", "content": h}),
    }
}

/// A file as a fileAttachment with its bytes inline.
pub fn file_json(f: &OutgoingFile) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": f.name,
        "contentType": f.content_type,
        "contentBytes": base64::engine::general_purpose::STANDARD.encode(&f.data),
    })
}

pub fn recipients_json(addresses: &[String]) -> Value {
    recipients(addresses)
}
