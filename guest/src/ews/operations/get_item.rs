//! GetItem: many items in one request, each with its MIME content and the
//! metadata the daemon's record needs. messages.xsd `GetItemType`: ItemShape,
//! ItemIds. The answer has one GetItemResponseMessage per id, in order; an
//! error for one item is returned for that item, not for the batch.

use super::{each_message_mut, field_uri, per_item, Address, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;
use base64::Engine;

pub const NAME: &str = "GetItem";

/// What the daemon's record needs beside the MIME.
pub const PROPERTIES: &[&str] = &[
    "item:DateTimeReceived",
    "item:Size",
    "item:Categories",
    "item:Importance",
    "message:InternetMessageId",
    "item:Subject",
];

/// Without the MIME, what stands in for it: the header fields, the
/// transport headers and the attachment list (fetched apart).
pub const METADATA_PROPERTIES: &[&str] = &[
    "item:Subject",
    "item:Attachments",
    "item:DateTimeReceived",
    "item:Size",
    "item:Categories",
    "item:Importance",
    "item:InternetMessageHeaders",
    "item:DateTimeSent",
    "message:Sender",
    "message:ToRecipients",
    "message:CcRecipients",
    "message:BccRecipients",
    "message:From",
    "message:InternetMessageId",
    "message:ReplyTo",
];

/// What to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The whole email as MIME, plus PROPERTIES.
    Mime,
    /// METADATA_PROPERTIES, and the text body when `body`: for an email too
    /// large to fetch whole.
    Metadata { body: bool },
    /// To and Cc, and `item:Preview` (Exchange 2013 and later) when `preview`:
    /// what FindItem cannot return for a search result.
    Recipients { preview: bool },
}

pub use crate::mailbox::MailItem as Item;

pub use crate::mailbox::MailDetails as Details;

/// One entry of `t:Attachments`.
pub use crate::mailbox::AttachmentInfo as AttachmentRef;

pub fn write(x: &mut Xml, ids: &[ItemId], shape: Shape) {
    x.open("m:GetItem", &[]);
    x.open("m:ItemShape", &[]);
    x.leaf("t:BaseShape", "IdOnly");
    let properties = match shape {
        Shape::Mime => {
            x.leaf("t:IncludeMimeContent", "true");
            PROPERTIES
        }
        Shape::Metadata { body } => {
            if body {
                x.leaf("t:BodyType", "Text");
            }
            METADATA_PROPERTIES
        }
        Shape::Recipients { preview: true } => &[
            "item:Preview",
            "message:ToRecipients",
            "message:CcRecipients",
        ][..],
        Shape::Recipients { preview: false } => {
            &["message:ToRecipients", "message:CcRecipients"][..]
        }
    };
    let body = shape == (Shape::Metadata { body: true });
    let extra: &[&str] = if body { &["item:Body"] } else { &[] };
    finish(x, properties, extra, ids);
}

/// The rest of a GetItem after the ItemShape's leading elements: the
/// properties, then the ids. Shared by every GetItem reader (mail, contacts).
pub fn finish(x: &mut Xml, properties: &[&str], extra: &[&str], ids: &[ItemId]) {
    x.open("t:AdditionalProperties", &[]);
    for p in properties.iter().chain(extra) {
        field_uri(x, p);
    }
    x.close("t:AdditionalProperties");
    x.close("m:ItemShape");
    x.open("m:ItemIds", &[]);
    for id in ids {
        id.write(x);
    }
    x.close("m:ItemIds");
    x.close("m:GetItem");
}

/// One result per requested id, in the request's order. Takes the answer
/// so that each MIME is decoded out of it, not copied.
pub fn read(
    mut answer: Element,
    requested: usize,
    shape: Shape,
) -> Result<Vec<Result<Item, CodeDetail>>, Error> {
    let details = !matches!(shape, Shape::Mime);
    let messages = each_message_mut(
        &mut answer,
        "GetItemResponse",
        "GetItemResponseMessage",
        requested,
    )?;
    Ok(messages
        .into_iter()
        .map(|m| {
            per_item(m)?;
            m.children
                .iter_mut()
                .find(|c| c.name == "Items")
                .and_then(|i| i.children.first_mut())
                .and_then(|el| item(el, details))
                .ok_or_else(|| CodeDetail {
                    code: "ErrorUnexpectedAnswer".into(),
                    text: "GetItemResponseMessage without an item".into(),
                    message_xml: vec![],
                })
        })
        .collect())
}

fn item(el: &mut Element, details: bool) -> Option<Item> {
    let id = ItemId::read(el.child("ItemId")?)?;
    let mime = match el.children.iter_mut().find(|c| c.name == "MimeContent") {
        None => Err("Exchange returned no MimeContent".to_string()),
        Some(m) => decode_base64(std::mem::take(&mut m.text))
            .map_err(|e| format!("MimeContent is not base64: {e}")),
    };
    Some(Item {
        id,
        mime,
        subject: el.child("Subject").map(|s| s.text.clone()),
        received: el
            .child_text("DateTimeReceived")
            .and_then(crate::time::parse_xs_datetime),
        size: el.child_text("Size").and_then(|s| s.parse().ok()),
        categories: el.child_strings("Categories"),
        importance: el.child_text("Importance").map(str::to_string),
        internet_message_id: el.child_text("InternetMessageId").map(str::to_string),
        details: details.then(|| read_details(el)),
    })
}

/// Decodes base64 text (Exchange may wrap it in lines) and frees the text.
pub fn decode_base64(text: String) -> Result<Vec<u8>, base64::DecodeError> {
    let engine = &base64::engine::general_purpose::STANDARD;
    let wrapped = match memchr::memchr3(b'\r', b'\n', b' ', text.as_bytes()) {
        // One line, Exchange's usual answer: decoded in place.
        None => text.into_bytes(),
        Some(first) => {
            let compact = unwrap_lines(text.as_bytes(), first);
            // Freed before decoding: a MIME can be tens of megabytes.
            drop(text);
            compact
        }
    };
    // A tab or form feed inside a line: the rare slow path, with every kind of whitespace.
    engine
        .decode(&wrapped)
        .or_else(|_| engine.decode(strip(&wrapped)))
}

/// The text without its line breaks and spaces, `first` being the first of
/// them. Line by line, found with memchr (SIMD), not byte by byte: a MIME is
/// megabytes of 76-byte lines, and a per-byte split was a tenth of the
/// daemon's CPU.
fn unwrap_lines(bytes: &[u8], first: usize) -> Vec<u8> {
    let mut compact = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    let mut cut = Some(first);
    while let Some(at) = cut {
        compact.extend_from_slice(&rest[..at]);
        let skip = rest[at..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        rest = &rest[at + skip..];
        cut = memchr::memchr3(b'\r', b'\n', b' ', rest);
    }
    compact.extend_from_slice(rest);
    compact
}

fn strip(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect()
}

fn read_details(el: &Element) -> Details {
    let list = |name: &str| -> Vec<Address> {
        el.child(name)
            .map(|r| r.children.iter().map(Address::read).collect())
            .unwrap_or_default()
    };
    let headers = el
        .child("InternetMessageHeaders")
        .map(|h| {
            h.children
                .iter()
                .map(|c| {
                    (
                        c.attr("HeaderName").unwrap_or_default().to_string(),
                        c.text.trim().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let attachments = el
        .child("Attachments")
        .map(|a| a.children.iter().filter_map(attachment_ref).collect())
        .unwrap_or_default();
    Details {
        from: el.child("From").map(Address::read),
        sender: el.child("Sender").map(Address::read),
        to: list("ToRecipients"),
        cc: list("CcRecipients"),
        bcc: list("BccRecipients"),
        reply_to: list("ReplyTo"),
        sent: el
            .child_text("DateTimeSent")
            .and_then(crate::time::parse_xs_datetime),
        headers,
        body_text: el.child("Body").map(|b| b.text.clone()),
        attachments,
        preview: el.child("Preview").map(|p| p.text.clone()),
    }
}

fn attachment_ref(el: &Element) -> Option<AttachmentRef> {
    let is_item = match el.name.as_str() {
        "FileAttachment" => false,
        "ItemAttachment" => true,
        // A ReferenceAttachment is a link to a cloud file: nothing to fetch.
        _ => return None,
    };
    let text = |n: &str| {
        el.child_text(n)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Some(AttachmentRef {
        id: el.child("AttachmentId")?.attr("Id")?.to_string(),
        name: text("Name"),
        content_type: text("ContentType"),
        content_id: text("ContentId"),
        size: el.child_text("Size").and_then(|s| s.parse().ok()),
        inline: el.child_text("IsInline") == Some("true"),
        is_item,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;
    use crate::ews::response;

    #[test]
    fn reads_microsofts_sample_and_per_item_errors() {
        let s = include_str!("../../../testdata/GetItem-mime-response.xml");
        let items = read(response::body(s.as_bytes()).unwrap(), 1, Shape::Mime).unwrap();
        let it = items[0].as_ref().unwrap();
        assert_eq!(it.id.id, "AAMkADEzYjJkLTYxMwB8GqYicWAAA=");
        // Microsoft shortened the sample's MIME to a valid base64 of garbage:
        // exactly those bytes, nothing made up or dropped.
        let mime = it.mime.as_ref().unwrap();
        assert_eq!(mime.len(), 26);
        assert!(mime.starts_with(b"Recg") && mime.ends_with(b"\r\n"));

        let two = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">U3ViamVjdDog
aGkNCg0KYm9keQ==</t:MimeContent><t:ItemId Id="A" ChangeKey="CA"/><t:Subject>hi</t:Subject><t:DateTimeReceived>2026-11-20T08:00:05Z</t:DateTimeReceived><t:Size>20</t:Size><t:Categories><t:String>Phish</t:String><t:String>Red</t:String></t:Categories><t:Importance>High</t:Importance><t:InternetMessageId>&lt;x@y&gt;</t:InternetMessageId></t:Message></m:Items></m:GetItemResponseMessage><m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"#;
        let items = read(response::body(two.as_bytes()).unwrap(), 2, Shape::Mime).unwrap();
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.mime.as_deref().unwrap(), b"Subject: hi\r\n\r\nbody");
        assert_eq!(a.categories, vec!["Phish", "Red"]);
        assert_eq!(a.importance.as_deref(), Some("High"));
        assert_eq!(a.size, Some(20));
        assert_eq!(a.internet_message_id.as_deref(), Some("<x@y>"));
        assert_eq!(items[1].as_ref().unwrap_err().code, "ErrorItemNotFound");
        assert!(read(response::body(two.as_bytes()).unwrap(), 3, Shape::Mime).is_err());
        assert!(a.details.is_none());
    }

    #[test]
    fn reads_the_metadata_shape() {
        let s = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id="A" ChangeKey="CA"/><t:Subject>big</t:Subject><t:Body BodyType="Text">hello</t:Body><t:Attachments><t:FileAttachment><t:AttachmentId Id="AT1"/><t:Name>a&#x1;.pdf</t:Name><t:ContentType>application/pdf</t:ContentType><t:Size>70000000</t:Size><t:IsInline>false</t:IsInline></t:FileAttachment><t:ItemAttachment><t:AttachmentId Id="AT2"/><t:Name>fwd</t:Name><t:Size>900</t:Size></t:ItemAttachment><t:ReferenceAttachment><t:AttachmentId Id="AT3"/></t:ReferenceAttachment></t:Attachments><t:DateTimeReceived>2026-11-20T08:00:05Z</t:DateTimeReceived><t:InternetMessageHeaders><t:InternetMessageHeader HeaderName="Received">from x</t:InternetMessageHeader><t:InternetMessageHeader HeaderName="X-Spam">yes</t:InternetMessageHeader></t:InternetMessageHeaders><t:DateTimeSent>2026-11-20T08:00:00Z</t:DateTimeSent><t:Sender><t:Mailbox><t:Name>M</t:Name><t:EmailAddress>m@evil.com</t:EmailAddress></t:Mailbox></t:Sender><t:ToRecipients><t:Mailbox><t:Name>Soc</t:Name><t:EmailAddress>soc@contoso.com</t:EmailAddress></t:Mailbox><t:Mailbox><t:EmailAddress>b@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients><t:From><t:Mailbox><t:Name>M</t:Name><t:EmailAddress>m@evil.com</t:EmailAddress></t:Mailbox></t:From></t:Message></m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"#;
        let items = read(
            response::body(s.as_bytes()).unwrap(),
            1,
            Shape::Metadata { body: true },
        )
        .unwrap();
        let it = items[0].as_ref().unwrap();
        assert!(it.mime.is_err());
        let d = it.details.as_ref().unwrap();
        assert_eq!(
            d.from.as_ref().unwrap().address.as_deref(),
            Some("m@evil.com")
        );
        assert_eq!(d.to.len(), 2);
        assert_eq!(d.to[1].address.as_deref(), Some("b@contoso.com"));
        assert_eq!(d.headers[1], ("X-Spam".to_string(), "yes".to_string()));
        assert_eq!(d.body_text.as_deref(), Some("hello"));
        assert_eq!(
            d.sent,
            crate::time::parse_xs_datetime("2026-11-20T08:00:00Z")
        );
        assert_eq!(
            d.attachments.len(),
            2,
            "the reference attachment has nothing to fetch"
        );
        assert_eq!(d.attachments[0].name.as_deref(), Some("a\u{1}.pdf"));
        assert_eq!(d.attachments[0].size, Some(70_000_000));
        assert!(d.attachments[1].is_item);
    }

    #[test]
    fn decodes_wrapped_and_unwrapped_base64() {
        assert_eq!(decode_base64("aGVs\r\nbG8=".into()).unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8=".into()).unwrap(), b"hello");
        assert!(decode_base64("aGVsbG8".into()).is_err());
        assert_eq!(
            decode_base64(" aG\tVs \r\n\r\nbG8=\n".into()).unwrap(),
            b"hello"
        );
        assert_eq!(decode_base64("aG\x0cVsbG8=".into()).unwrap(), b"hello");
        assert!(decode_base64("aGVs\r\nbG8*".into()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn prop_wrapped_base64_decodes_to_what_was_encoded(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            cuts in proptest::collection::vec((0usize..400, 0usize..5), 0..12),
        ) {
            use base64::Engine;
            let mut text = base64::engine::general_purpose::STANDARD.encode(&data).into_bytes();
            for (at, ws) in cuts {
                let at = at.min(text.len());
                text.insert(at, [b'\r', b'\n', b' ', b'\t', 0x0c][ws]);
            }
            let text = String::from_utf8(text).unwrap();
            proptest::prop_assert_eq!(decode_base64(text).unwrap(), data);
        }
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        let ids = vec![
            ItemId {
                id: "AAMk1==".into(),
                change_key: Some("CQ1".into()),
            },
            ItemId {
                id: "AAMk<2>".into(),
                change_key: None,
            },
        ];
        for (name, imp) in [("gi-plain", None), ("gi-imp", Some("soc@example.com"))] {
            schema_check::validate(
                name,
                "Exchange2010_SP2",
                imp,
                |x| write(x, &ids, Shape::Mime),
                "m:GetItem",
                true,
            );
        }
        for body in [true, false] {
            schema_check::validate(
                &format!("gi-meta-{body}"),
                "Exchange2010_SP2",
                Some("soc@example.com"),
                |x| write(x, &ids, Shape::Metadata { body }),
                "m:GetItem",
                true,
            );
        }
    }
}
