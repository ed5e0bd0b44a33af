//! `t:Message` as FindItem and GetItem return it, for an ItemShape: IdOnly,
//! Default or AllProperties plus AdditionalProperties, elements in the schema's
//! order (ItemType's, then MessageType's).
//!
//! FindItem answers less than GetItem, as Exchange documents: "FindItem
//! returns only the first 512 bytes of any streamable property. For Unicode,
//! it returns the first 255 characters", and of `From`/`Sender` "only the
//! Name property of the Mailbox"; recipients, the body, attachments and
//! transport headers only through GetItem.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem-operation>
//! A naive reading of the schema (the same `t:Message` for both) would give
//! FindItem everything, and a client built on that works only against us.

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

/// What FindItem cannot return (Exchange: ErrorInvalidPropertyRequest).
pub const GET_ITEM_ONLY: &[&str] = &[
    "item:Body",
    "item:Attachments",
    "item:MimeContent",
    "item:InternetMessageHeaders",
    "item:UniqueBody",
    "message:ToRecipients",
    "message:CcRecipients",
    "message:BccRecipients",
    "message:ReplyTo",
];

/// FindItem's cut of a text property, in characters.
pub const FIND_ITEM_TEXT_CHARS: usize = 255;

/// A parsed `m:ItemShape`.
#[derive(Clone, Debug, Default)]
pub struct ItemShape {
    pub base: String,
    pub mime: bool,
    pub extra: Vec<String>,
    /// Extended properties asked for: (the PropertyTag as written, the tag).
    pub extended: Vec<(String, u16)>,
    /// `t:BodyType`: `Text` gives the text body alone.
    pub body_type: Option<String>,
}

impl ItemShape {
    pub fn read(request: &Element) -> ItemShape {
        let (base, extra) = super::common::shape(request, "ItemShape");
        let el = request.child(crate::soap::MESSAGES_NS, "ItemShape");
        let mime = el
            .and_then(|s| s.child(TYPES_NS, "IncludeMimeContent"))
            .is_some_and(|m| matches!(m.trimmed(), "true" | "1"));
        let extended = el
            .and_then(|s| s.child(TYPES_NS, "AdditionalProperties"))
            .map(|a| {
                a.children
                    .iter()
                    .filter(|p| p.name == "ExtendedFieldURI")
                    .filter(|p| p.attr("PropertyType") == Some("String"))
                    .filter_map(|p| {
                        let written = p.attr("PropertyTag")?;
                        Some((written.to_string(), crate::restriction::parse_tag(written)?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body_type = el
            .and_then(|s| s.child(TYPES_NS, "BodyType"))
            .map(|b| b.trimmed().to_string());
        // Exchange gives the MIME for `item:MimeContent` among the
        // AdditionalProperties too (exchangelib asks so), not only for IncludeMimeContent.
        let mime = mime || extra.iter().any(|e| e == "item:MimeContent");
        ItemShape {
            base,
            mime,
            extra,
            extended,
            body_type,
        }
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
        if full {
            x.leaf("t:Subject", &s.subject);
        } else {
            let cut: String = s.subject.chars().take(FIND_ITEM_TEXT_CHARS).collect();
            x.leaf("t:Subject", &cut);
        }
    }
    if full && w("item:Body") {
        let text = match shape.body_type.as_deref() {
            Some("Text") => s.text_body.as_str(),
            _ => s.body_text.as_str(),
        };
        x.leaf_with(
            "t:Body",
            &[("BodyType", "Text"), ("IsTruncated", "false")],
            text,
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
    if full && w("item:InternetMessageHeaders") && !s.headers.is_empty() {
        x.start("t:InternetMessageHeaders", &[]);
        for (name, value) in &s.headers {
            x.leaf_with("t:InternetMessageHeader", &[("HeaderName", name)], value);
        }
        x.end("t:InternetMessageHeaders");
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
    for (written, tag) in &shape.extended {
        let value = match *tag {
            0x5D02 => m.from_smtp.as_deref(),
            _ => None,
        };
        if let Some(v) = value {
            x.start("t:ExtendedProperty", &[]);
            x.empty(
                "t:ExtendedFieldURI",
                &[("PropertyTag", written), ("PropertyType", "String")],
            );
            x.leaf("t:Value", v);
            x.end("t:ExtendedProperty");
        }
    }
    if full && w("item:Preview") {
        let preview: String = s
            .text_body
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(255)
            .collect();
        x.leaf("t:Preview", &preview);
    }
    if w("message:Sender") {
        mailbox(x, "t:Sender", m, full);
    }
    if full {
        for (uri, tag, list) in [
            ("message:ToRecipients", "t:ToRecipients", &s.to),
            ("message:CcRecipients", "t:CcRecipients", &s.cc),
            ("message:BccRecipients", "t:BccRecipients", &s.bcc),
        ] {
            if w(uri) {
                recipients(x, tag, list);
            }
        }
    }
    if w("message:From") {
        mailbox(x, "t:From", m, full);
    }
    if w("message:InternetMessageId") {
        if let Some(id) = &s.internet_message_id {
            x.leaf("t:InternetMessageId", id);
        }
    }
    if w("message:IsRead") {
        x.leaf("t:IsRead", &m.is_read.to_string());
    }
    if full && w("message:ReplyTo") {
        recipients(x, "t:ReplyTo", &s.reply_to);
    }
    x.end("t:Message");
}

/// From or Sender; FindItem (`full` false) gives the name only.
fn mailbox(x: &mut XmlOut, tag: &str, m: &StoredMessage, full: bool) {
    let s = &m.summary;
    let Some(address) = s.from_address.as_deref().filter(|a| !a.is_empty()) else {
        return;
    };
    x.start(tag, &[]);
    x.start("t:Mailbox", &[]);
    x.leaf("t:Name", s.from_name.as_deref().unwrap_or(address));
    if full {
        x.leaf("t:EmailAddress", address);
        x.leaf("t:RoutingType", "SMTP");
        x.leaf("t:MailboxType", "OneOff");
    }
    x.end("t:Mailbox");
    x.end(tag);
}

fn recipients(x: &mut XmlOut, tag: &str, list: &[(Option<String>, String)]) {
    if list.is_empty() {
        return;
    }
    x.start(tag, &[]);
    for (name, address) in list {
        x.start("t:Mailbox", &[]);
        x.leaf("t:Name", name.as_deref().unwrap_or(address));
        x.leaf("t:EmailAddress", address);
        x.leaf("t:RoutingType", "SMTP");
        x.leaf("t:MailboxType", "OneOff");
        x.end("t:Mailbox");
    }
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
        let id = super::get_attachment::attachment_id(&m.id, i + 1);
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
