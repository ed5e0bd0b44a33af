//! `t:Message` as FindItem and GetItem return it, for an ItemShape: IdOnly,
//! Default or AllProperties plus AdditionalProperties, elements in the schema's
//! order (ItemType's, then MessageType's).

use base64::Engine as _;

use crate::dom::Element;
use crate::mime::format_datetime;
use crate::soap::{XmlOut, TYPES_NS};
use crate::store::{Store, StoredMessage};

/// What Default returns for a message (as Exchange's default shape does, roughly).
const DEFAULT: &[&str] = &[
    "item:ParentFolderId",
    "item:ItemClass",
    "item:Subject",
    "item:DateTimeReceived",
    "item:Size",
    "item:Importance",
    "item:DateTimeSent",
    "item:DateTimeCreated",
    "item:HasAttachments",
    "message:Sender",
    "message:From",
    "message:IsRead",
];

/// What AllProperties adds (GetItem also gets the body and the attachments).
const ALL: &[&str] = &[
    "item:Categories",
    "message:InternetMessageId",
    "item:Body",
    "item:Attachments",
];

/// A parsed `m:ItemShape`.
#[derive(Clone, Debug, Default)]
pub struct ItemShape {
    pub base: String,
    pub mime: bool,
    pub extra: Vec<String>,
}

impl ItemShape {
    pub fn read(request: &Element) -> ItemShape {
        let (base, extra) = super::common::shape(request, "ItemShape");
        let mime = request
            .child(crate::soap::MESSAGES_NS, "ItemShape")
            .and_then(|s| s.child(TYPES_NS, "IncludeMimeContent"))
            .is_some_and(|m| matches!(m.trimmed(), "true" | "1"));
        ItemShape { base, mime, extra }
    }

    pub fn wants(&self, uri: &str) -> bool {
        self.extra.iter().any(|e| e == uri)
            || match self.base.as_str() {
                "Default" => DEFAULT.contains(&uri),
                "AllProperties" => DEFAULT.contains(&uri) || ALL.contains(&uri),
                _ => false,
            }
    }
}

/// Writes one `t:Message`. `full` (GetItem) allows MimeContent, Body and Attachments.
pub fn write_message(
    x: &mut XmlOut,
    store: &Store,
    m: &StoredMessage,
    shape: &ItemShape,
    full: bool,
) {
    let s = &m.summary;
    let w = |uri: &str| shape.wants(uri);
    x.start("t:Message", &[]);
    if full && shape.mime {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&m.mime);
        x.leaf_with("t:MimeContent", &[("CharacterSet", "UTF-8")], &b64);
    }
    x.empty("t:ItemId", &[("Id", &m.id), ("ChangeKey", &m.change_key)]);
    if w("item:ParentFolderId") {
        let ck = store
            .folder(&m.folder)
            .map(|f| f.change_key.as_str())
            .unwrap_or("");
        x.empty("t:ParentFolderId", &[("Id", &m.folder), ("ChangeKey", ck)]);
    }
    if w("item:ItemClass") {
        x.leaf("t:ItemClass", "IPM.Note");
    }
    if w("item:Subject") {
        x.leaf("t:Subject", &s.subject);
    }
    if full && w("item:Body") {
        x.leaf_with(
            "t:Body",
            &[("BodyType", "Text"), ("IsTruncated", "false")],
            &s.body_text,
        );
    }
    if full && w("item:Attachments") && !s.attachments.is_empty() {
        write_attachments(x, m);
    }
    let received = format_datetime(m.received);
    if w("item:DateTimeReceived") {
        x.leaf("t:DateTimeReceived", &received);
    }
    if w("item:Size") {
        x.leaf("t:Size", &m.size().to_string());
    }
    if w("item:Categories") && !m.categories.is_empty() {
        x.start("t:Categories", &[]);
        for c in &m.categories {
            x.leaf("t:String", c);
        }
        x.end("t:Categories");
    }
    if w("item:Importance") {
        x.leaf("t:Importance", &m.importance);
    }
    if w("item:DateTimeSent") {
        x.leaf(
            "t:DateTimeSent",
            &s.sent
                .map(format_datetime)
                .unwrap_or_else(|| received.clone()),
        );
    }
    if w("item:DateTimeCreated") {
        x.leaf("t:DateTimeCreated", &received);
    }
    if w("item:HasAttachments") {
        x.leaf("t:HasAttachments", &s.has_attachments().to_string());
    }
    if w("message:Sender") {
        mailbox(x, "t:Sender", m);
    }
    if w("message:From") {
        mailbox(x, "t:From", m);
    }
    if w("message:InternetMessageId") {
        if let Some(id) = &s.internet_message_id {
            x.leaf("t:InternetMessageId", id);
        }
    }
    if w("message:IsRead") {
        x.leaf("t:IsRead", &m.is_read.to_string());
    }
    x.end("t:Message");
}

fn mailbox(x: &mut XmlOut, tag: &str, m: &StoredMessage) {
    let s = &m.summary;
    let Some(address) = s.from_address.as_deref().filter(|a| !a.is_empty()) else {
        return;
    };
    x.start(tag, &[]);
    x.start("t:Mailbox", &[]);
    x.leaf("t:Name", s.from_name.as_deref().unwrap_or(address));
    x.leaf("t:EmailAddress", address);
    x.leaf("t:RoutingType", "SMTP");
    x.leaf("t:MailboxType", "OneOff");
    x.end("t:Mailbox");
    x.end(tag);
}

fn write_attachments(x: &mut XmlOut, m: &StoredMessage) {
    let modified = format_datetime(m.received);
    x.start("t:Attachments", &[]);
    for (i, a) in m.summary.attachments.iter().enumerate() {
        let tag = if a.is_item {
            "t:ItemAttachment"
        } else {
            "t:FileAttachment"
        };
        let id = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", m.id, i + 1));
        x.start(tag, &[]);
        x.empty("t:AttachmentId", &[("Id", &id)]);
        x.leaf("t:Name", &a.name);
        x.leaf("t:ContentType", &a.content_type);
        if let Some(cid) = &a.content_id {
            x.leaf("t:ContentId", cid);
        }
        x.leaf("t:Size", &a.size.to_string());
        x.leaf("t:LastModifiedTime", &modified);
        x.leaf("t:IsInline", &a.is_inline.to_string());
        if !a.is_item {
            x.leaf("t:IsContactPhoto", "false");
        }
        x.end(tag);
    }
    x.end("t:Attachments");
}
