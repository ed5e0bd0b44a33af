//! GetAttachment: attachments by the ids GetItem listed (`t:AttachmentId`, base64
//! of `<item id>:<n>`). A file attachment comes with its decoded bytes as base64
//! `t:Content`; an attached email as `t:ItemAttachment` holding the email's item with
//! its MIME when AttachmentShape has IncludeMimeContent (as exchangelib asks).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getattachment-operation>

use base64::Engine as _;
use mail_parser::{MessageParser, PartType};

use super::common::{self, EwsError};
use super::{Call, Reply};
use crate::soap::{MESSAGES_NS, TYPES_NS};

pub const ELEMENT: &str = "GetAttachment";
const MESSAGE: &str = "GetAttachmentResponseMessage";

/// An attachment's bytes, as the store would hand them out.
pub enum Content {
    File(Vec<u8>),
    /// The attached email's own MIME.
    Email(Vec<u8>),
}

pub fn handle(call: &mut Call) -> Reply {
    let request = &call.envelope.operation;
    let mime = request
        .child(MESSAGES_NS, "AttachmentShape")
        .and_then(|s| s.child(TYPES_NS, "IncludeMimeContent"))
        .is_some_and(|m| matches!(m.trimmed(), "true" | "1"));
    let ids = attachment_ids(request);
    let results: Vec<_> = ids.iter().map(|id| find(call, id)).collect();
    let b64 = &base64::engine::general_purpose::STANDARD;
    Reply::Ok(common::response("GetAttachmentResponse", |x| {
        for (id, result) in ids.iter().zip(results) {
            let (info, content) = match result {
                Ok(r) => r,
                Err(e) => {
                    common::error_message(x, MESSAGE, &e, |x| x.empty("m:Attachments", &[]));
                    continue;
                }
            };
            let tag = common::success_start(x, MESSAGE);
            x.start("m:Attachments", &[]);
            match content {
                Content::File(data) => {
                    x.start("t:FileAttachment", &[]);
                    x.empty("t:AttachmentId", &[("Id", id)]);
                    x.leaf("t:Name", &info.name);
                    x.leaf("t:ContentType", &info.content_type);
                    x.leaf("t:Size", &data.len().to_string());
                    x.leaf("t:IsInline", &info.is_inline.to_string());
                    x.leaf("t:IsContactPhoto", "false");
                    x.leaf("t:Content", &b64.encode(&data));
                    x.end("t:FileAttachment");
                }
                Content::Email(data) => {
                    x.start("t:ItemAttachment", &[]);
                    x.empty("t:AttachmentId", &[("Id", id)]);
                    x.leaf("t:Name", &info.name);
                    x.leaf("t:ContentType", "message/rfc822");
                    x.leaf("t:Size", &data.len().to_string());
                    x.leaf("t:IsInline", "false");
                    x.start("t:Message", &[]);
                    if mime {
                        x.leaf_with(
                            "t:MimeContent",
                            &[("CharacterSet", "UTF-8")],
                            &b64.encode(&data),
                        );
                    }
                    let summary = crate::mime::summarize(&data);
                    x.leaf("t:Subject", &summary.subject);
                    x.end("t:Message");
                    x.end("t:ItemAttachment");
                }
            }
            x.end("m:Attachments");
            x.end(&tag);
        }
    }))
}

/// The ids of `m:AttachmentIds`, in order.
pub fn attachment_ids(request: &crate::dom::Element) -> Vec<String> {
    request
        .child(MESSAGES_NS, "AttachmentIds")
        .map(|a| {
            a.children
                .iter()
                .map(|c| c.attr("Id").unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The id GetItem lists for the `n`th (from 1) attachment of an item.
pub fn attachment_id(item_id: &str, n: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{item_id}:{n}"))
}

/// The bytes of the `n`th (from 1) attachment of a MIME message.
pub fn content(mime: &[u8], n: usize) -> Option<Content> {
    crate::mime::on_big_stack(|| content_here(mime, n))
}

fn content_here(mime: &[u8], n: usize) -> Option<Content> {
    let message = MessageParser::default().parse(mime)?;
    let part = message.attachments().nth(n.checked_sub(1)?)?;
    Some(match &part.body {
        PartType::Message(nested) => Content::Email(nested.raw_message().to_vec()),
        _ if part.is_message() => Content::Email(part.contents().to_vec()),
        _ => Content::File(part.contents().to_vec()),
    })
}

/// An attachment id as GetItem lists it: (item id, 1-based number).
/// Exchange answers an attachment it does not have as ErrorItemNotFound
/// (`ErrorAttachmentNotFound` is not in the schema's ResponseCodeType).
pub fn parse_id(id: &str) -> Result<(String, usize), EwsError> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(id.trim())
        .map_err(|_| EwsError::malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| EwsError::malformed())?;
    let (item_id, n) = decoded.rsplit_once(':').ok_or_else(EwsError::malformed)?;
    let n: usize = n.parse().map_err(|_| EwsError::malformed())?;
    Ok((item_id.to_string(), n))
}

fn find(call: &mut Call, id: &str) -> Result<(crate::mime::AttachmentInfo, Content), EwsError> {
    let not_found = EwsError::item_not_found;
    let (item_id, n) = parse_id(id)?;
    let (owner, m) = call.model.find_message(&item_id).ok_or_else(not_found)?;
    let owner = owner.address.clone();
    let info = m
        .summary
        .attachments
        .get(n.wrapping_sub(1))
        .cloned()
        .ok_or_else(not_found)?;
    let mime = m.mime.clone();
    common::check_access(call, &owner)?;
    let content = content(&mime, n).ok_or_else(not_found)?;
    Ok((info, content))
}
