//! Graph's message, recipient and attachment JSON into the transport-neutral
//! values of `mailbox`: what every listing and read shares.

use super::types::{Attachment, Message, Recipient};
use crate::mailbox::{Address, AttachmentInfo, FoundItem, ItemRef, MailDetails};
use crate::time::parse_rfc3339;

/// The size property a listing expands (`PidTagMessageSize`): v1.0's
/// message has no size of its own.
pub const SIZE_PROPERTY: &str = "Integer 0x0E08";

pub fn address(r: &Recipient) -> Address {
    Address {
        name: r.email_address.name.clone().filter(|n| !n.is_empty()),
        address: r.email_address.address.clone().filter(|a| !a.is_empty()),
    }
}

pub fn addresses(rs: &[Recipient]) -> Vec<Address> {
    rs.iter().map(address).collect()
}

/// EWS spells importance `Low`, `Normal`, `High`; Graph in lower case.
pub fn importance(i: &Option<String>) -> Option<String> {
    i.as_deref().map(|i| {
        let mut c = i.chars();
        match c.next() {
            Some(f) => f
                .to_uppercase()
                .chain(c.flat_map(char::to_lowercase))
                .collect(),
            None => String::new(),
        }
    })
}

pub fn time(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(parse_rfc3339)
}

pub fn item_ref(m: &Message) -> ItemRef {
    ItemRef {
        id: m.id.clone(),
        change_key: m.change_key.clone(),
    }
}

pub fn size(m: &Message) -> Option<u64> {
    m.single_value_extended_properties
        .iter()
        .flatten()
        .find(|p| is_size_property(&p.id))
        .and_then(|p| p.value.as_deref())
        .and_then(|v| v.trim().parse().ok())
}

/// Graph may answer the id as asked (`Integer 0x0E08`) or normalised
/// (`Integer 0xe08`).
fn is_size_property(id: &str) -> bool {
    let mut parts = id.split_whitespace();
    let kind = parts.next().unwrap_or_default();
    let tag = parts.next().unwrap_or_default();
    let tag = tag.trim_start_matches("0x").trim_start_matches("0X");
    kind.eq_ignore_ascii_case("Integer") && u32::from_str_radix(tag, 16) == Ok(0x0E08)
}

pub fn found_item(m: Message) -> FoundItem {
    let from = m.from.as_ref().map(address);
    FoundItem {
        id: item_ref(&m),
        subject: m.subject.clone(),
        received: time(&m.received_date_time),
        size: size(&m),
        from_smtp: from.as_ref().and_then(|a| a.address.clone()),
        from,
        is_read: m.is_read,
        internet_message_id: m.internet_message_id.clone(),
        sent: time(&m.sent_date_time),
        has_attachments: m.has_attachments,
        importance: importance(&m.importance),
        categories: m.categories,
    }
}

/// A contract attachment id: `<message id>.<attachment id>` (docs/graph.md).
pub fn attachment_id(message_id: &str, attachment_id: &str) -> String {
    format!("{message_id}.{attachment_id}")
}

/// The message id and Graph's attachment id of a contract attachment id.
pub fn split_attachment_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('.')
        .filter(|(m, a)| !m.is_empty() && !a.is_empty())
}

pub fn attachment(message_id: &str, a: &Attachment) -> AttachmentInfo {
    AttachmentInfo {
        id: attachment_id(message_id, &a.id),
        name: a.name.clone(),
        content_type: a.content_type.clone(),
        content_id: None,
        size: a.size,
        inline: a.is_inline,
        is_item: a
            .odata_type
            .as_deref()
            .is_some_and(|t| t.ends_with("itemAttachment")),
    }
}

/// The attachments a message was read with (`$expand=attachments`).
pub fn attachments(m: &Message) -> Vec<AttachmentInfo> {
    m.attachments
        .iter()
        .flatten()
        .map(|a| attachment(&m.id, a))
        .collect()
}

pub fn details(m: &Message) -> MailDetails {
    MailDetails {
        from: m.from.as_ref().map(address),
        sender: m.sender.as_ref().map(address),
        to: addresses(&m.to_recipients),
        cc: addresses(&m.cc_recipients),
        bcc: addresses(&m.bcc_recipients),
        reply_to: addresses(&m.reply_to),
        sent: time(&m.sent_date_time),
        headers: m
            .internet_message_headers
            .iter()
            .flatten()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect(),
        // Asked for as text; an HTML answer is not a text body.
        body_text: m
            .body
            .as_ref()
            .filter(|b| {
                b.content_type
                    .as_deref()
                    .is_none_or(|t| t.eq_ignore_ascii_case("text"))
            })
            .and_then(|b| b.content.clone()),
        attachments: attachments(m),
        preview: m.body_preview.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_message_becomes_a_found_item() {
        let m: Message = serde_json::from_str(
            r#"{"id":"AAMk-x_","changeKey":"CQA","subject":"Hi","receivedDateTime":"2026-11-29T10:00:00Z",
                "from":{"emailAddress":{"name":"Eve","address":"eve@evil.example"}},"importance":"high",
                "singleValueExtendedProperties":[{"id":"Integer 0xe08","value":"4242"}]}"#,
        )
        .unwrap();
        let f = found_item(m);
        assert_eq!(f.id.id, "AAMk-x_");
        assert_eq!(f.from_smtp.as_deref(), Some("eve@evil.example"));
        assert_eq!(f.importance.as_deref(), Some("High"));
        assert_eq!(f.received, Some(1_795_946_400));
        assert_eq!(f.size, Some(4242));
        assert_eq!(split_attachment_id("AAMk.AAMkB="), Some(("AAMk", "AAMkB=")));
        // Nulls where Graph documents collections read as empty.
        let m: Message = serde_json::from_str(
            r#"{"id":"x","categories":null,"toRecipients":null,"from":{"emailAddress":null}}"#,
        )
        .unwrap();
        assert!(m.categories.is_empty() && m.to_recipients.is_empty());
        // A wrong type is an error the listing turns into an id-only item.
        assert!(serde_json::from_str::<Message>(r#"{"id":"x","isRead":"yes"}"#).is_err());
        assert_eq!(split_attachment_id("AAMk"), None);
    }
}
