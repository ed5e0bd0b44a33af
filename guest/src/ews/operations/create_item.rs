//! CreateItem for mail that leaves: a new message (send-email), a reply or a
//! reply to all (reply-to-email). messages.xsd `CreateItemType`:
//! SavedItemFolderId?, Items; attribute MessageDisposition.
//!
//! Element order is the schema's: a Message is ItemType's fields (Subject,
//! Body, Attachments, Importance) before MessageType's (To, Cc, Bcc, From,
//! InternetMessageId, ReplyTo). A reply is types.xsd `SmartResponseType`,
//! which has no Attachments and no Importance: a reply with files goes as
//! a draft (`Disposition::SaveOnly`), then CreateAttachment and SendItem.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation-email-message>

use super::{response_messages, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::Error;
use crate::ews::response;
use crate::ews::xml::Element;
use crate::mailbox::{Body, Outgoing, OutgoingFile};

pub const NAME: &str = "CreateItem";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    SendAndSaveCopy,
    SendOnly,
    /// A draft, to add attachments to before sending it.
    SaveOnly,
}

impl Disposition {
    fn as_str(self) -> &'static str {
        match self {
            Disposition::SendAndSaveCopy => "SendAndSaveCopy",
            Disposition::SendOnly => "SendOnly",
            Disposition::SaveOnly => "SaveOnly",
        }
    }

    /// Where the server keeps the message: named, because without it
    /// SendAndSaveCopy and SaveOnly use the caller's default folders.
    fn folder(self) -> Option<&'static str> {
        match self {
            Disposition::SendAndSaveCopy => Some("sentitems"),
            Disposition::SaveOnly => Some("drafts"),
            Disposition::SendOnly => None,
        }
    }
}

fn open(x: &mut Xml, d: Disposition) {
    x.open("m:CreateItem", &[("MessageDisposition", d.as_str())]);
    if let Some(folder) = d.folder() {
        x.open("m:SavedItemFolderId", &[]);
        x.empty("t:DistinguishedFolderId", &[("Id", folder)]);
        x.close("m:SavedItemFolderId");
    }
    x.open("m:Items", &[]);
}

fn close(x: &mut Xml) {
    x.close("m:Items");
    x.close("m:CreateItem");
}

/// A new message with its attachments inline.
pub fn write_send(x: &mut Xml, m: &Outgoing) {
    let d = if m.save_copy {
        Disposition::SendAndSaveCopy
    } else {
        Disposition::SendOnly
    };
    open(x, d);
    x.open("t:Message", &[]);
    if let Some(s) = &m.subject {
        x.leaf("t:Subject", s);
    }
    body(x, "t:Body", m.body.as_ref());
    if !m.attachments.is_empty() {
        x.open("t:Attachments", &[]);
        for a in &m.attachments {
            file_attachment(x, a);
        }
        x.close("t:Attachments");
    }
    if let Some(i) = &m.importance {
        x.leaf("t:Importance", i);
    }
    recipients(x, "t:ToRecipients", &m.to);
    recipients(x, "t:CcRecipients", &m.cc);
    recipients(x, "t:BccRecipients", &m.bcc);
    if let Some(from) = &m.from {
        x.open("t:From", &[]);
        mailbox(x, from);
        x.close("t:From");
    }
    if let Some(id) = &m.internet_message_id {
        x.leaf("t:InternetMessageId", id);
    }
    recipients(x, "t:ReplyTo", &m.reply_to);
    x.close("t:Message");
    close(x);
}

/// A reply (or reply to all) to `original`: the server builds the subject,
/// the recipients and the quote; `m` adds recipients and the new text.
pub fn write_reply(x: &mut Xml, original: &ItemId, all: bool, m: &Outgoing, d: Disposition) {
    let element = if all {
        "t:ReplyAllToItem"
    } else {
        "t:ReplyToItem"
    };
    open(x, d);
    x.open(element, &[]);
    recipients(x, "t:ToRecipients", &m.to);
    recipients(x, "t:CcRecipients", &m.cc);
    recipients(x, "t:BccRecipients", &m.bcc);
    x.empty("t:ReferenceItemId", &reference(original));
    body(x, "t:NewBodyContent", m.body.as_ref());
    x.close(element);
    close(x);
}

fn reference(id: &ItemId) -> Vec<(&str, &str)> {
    let mut attrs = vec![("Id", id.id.as_str())];
    if let Some(ck) = &id.change_key {
        attrs.push(("ChangeKey", ck.as_str()));
    }
    attrs
}

fn body(x: &mut Xml, element: &str, b: Option<&Body>) {
    let (kind, text) = match b {
        Some(Body::Text(t)) => ("Text", t),
        Some(Body::Html(h)) => ("HTML", h),
        None => return,
    };
    x.open(element, &[("BodyType", kind)]);
    x.text(text);
    x.close(element);
}

pub fn file_attachment(x: &mut Xml, a: &OutgoingFile) {
    x.open("t:FileAttachment", &[]);
    x.leaf("t:Name", &a.name);
    x.leaf("t:ContentType", &a.content_type);
    x.leaf_base64("t:Content", &a.data);
    x.close("t:FileAttachment");
}

fn mailbox(x: &mut Xml, address: &str) {
    x.open("t:Mailbox", &[]);
    x.leaf("t:EmailAddress", address);
    x.close("t:Mailbox");
}

fn recipients(x: &mut Xml, element: &str, list: &[String]) {
    if list.is_empty() {
        return;
    }
    x.open(element, &[]);
    for a in list {
        mailbox(x, a);
    }
    x.close(element);
}

/// The created item's id, when the server returns one (a draft: SaveOnly);
/// a sent message has none. The refusal (ErrorSendAsDenied...) is the error.
pub fn read(answer: &Element) -> Result<Option<ItemId>, Error> {
    let messages = response_messages(answer, "CreateItemResponse", "CreateItemResponseMessage")?;
    if messages.len() != 1 {
        return Err(Error::Malformed(format!(
            "CreateItemResponse holds {} messages for 1 item",
            messages.len()
        )));
    }
    response::check(messages[0])?;
    Ok(messages[0]
        .child("Items")
        .and_then(|items| items.children.first())
        .and_then(|item| item.child("ItemId"))
        .and_then(ItemId::read))
}

#[cfg(test)]
mod tests;
