//! What CreateItem, CreateAttachment and SendItem share: reading a message's
//! parts from the request, and sending it as Exchange's transport would (a
//! copy in the sender's Sent Items, one in the Inbox of every recipient that
//! is a mailbox of the mock).

use base64::Engine as _;

use super::common::EwsError;
use crate::compose::{Attachment, Mail};
use crate::dom::Element;
use crate::model::Model;
use crate::soap::TYPES_NS;

/// `t:ToRecipients` and the like: the addresses of their `t:Mailbox`es.
pub fn recipients(item: &Element, name: &str) -> Vec<String> {
    item.child(TYPES_NS, name)
        .map(|list| {
            list.children_named(TYPES_NS, "Mailbox")
                .filter_map(|m| m.child(TYPES_NS, "EmailAddress"))
                .map(|a| a.trimmed().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `t:Body` / `t:NewBodyContent`: (is HTML, the text exactly as sent).
pub fn body(item: &Element, name: &str) -> Option<(bool, String)> {
    let b = item.child(TYPES_NS, name)?;
    Some((b.attr("BodyType") == Some("HTML"), b.text.clone()))
}

/// The `t:FileAttachment`s of an `Attachments` element, their content decoded.
pub fn file_attachments(list: Option<&Element>) -> Result<Vec<Attachment>, EwsError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    list.children_named(TYPES_NS, "FileAttachment")
        .map(|a| {
            let text = |n: &str| a.child(TYPES_NS, n).map(|c| c.text.clone());
            let content = text("Content").unwrap_or_default();
            let data = base64::engine::general_purpose::STANDARD
                .decode(content.split_whitespace().collect::<String>())
                .map_err(|_| {
                    EwsError::new("ErrorInvalidRequest", "Attachment content is not base64.")
                })?;
            Ok(Attachment {
                name: text("Name").unwrap_or_default(),
                content_type: text("ContentType")
                    .unwrap_or_else(|| "application/octet-stream".into()),
                data,
            })
        })
        .collect()
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `mail` as sent by `sender`: the sender's display name on From, a
/// Message-ID when the client gave none.
pub fn prepare(model: &Model, sender: &str, mail: &mut Mail) {
    let name = model
        .mailbox(sender)
        .map(|m| m.display_name.clone())
        .unwrap_or_default();
    mail.from = (name, sender.to_string());
    mail.date = now();
    if mail.message_id.is_empty() {
        let domain = sender.rsplit_once('@').map_or("mock.example", |(_, d)| d);
        mail.message_id = format!(
            "<mock-{:x}-{}@{domain}>",
            mail.date,
            model.mailboxes().count()
        );
    }
}

/// Sends: the sender's copy (with Bcc) into Sent Items when `save_copy`,
/// and a copy into the Inbox of each recipient the mock holds.
pub fn deliver(model: &mut Model, sender: &str, mail: &Mail, save_copy: bool) {
    if save_copy {
        if let Some(mb) = model.mailbox_mut(sender) {
            let folder = mb.store.ensure("sentitems");
            let importance = mail.importance.as_deref().unwrap_or("Normal");
            mb.store.add_message(
                &folder,
                &mail.mime(true),
                true,
                mail.date,
                vec![],
                importance,
            );
        }
    }
    let public = mail.mime(false);
    for to in mail.recipients() {
        if let Some(mb) = model.mailbox_mut(&to) {
            let folder = mb.store.ensure("inbox");
            let importance = mail.importance.as_deref().unwrap_or("Normal");
            mb.store
                .add_message(&folder, &public, false, mail.date, vec![], importance);
        }
    }
}

/// The limits Exchange applies when a message leaves: the organization's
/// maximum size (of the MIME, as transport measures it) and the sender's quota.
pub fn check_limits(model: &Model, sender: &str, mail: &Mail) -> Result<(), EwsError> {
    if model
        .over_quota
        .contains(&sender.trim().to_ascii_lowercase())
    {
        return Err(EwsError::new(
            "ErrorQuotaExceeded",
            "The mailbox quota has been exceeded.",
        ));
    }
    if let Some(max) = model.max_send_bytes {
        if mail.mime(true).len() > max {
            return Err(EwsError::new(
                "ErrorMessageSizeExceeded",
                "The message exceeds the maximum supported size.",
            ));
        }
    }
    Ok(())
}

/// The mock's send-as model: a mailbox sends as itself only.
pub fn check_from(sender: &str, from: Option<&str>) -> Result<(), EwsError> {
    match from {
        Some(f) if !f.eq_ignore_ascii_case(sender) => Err(EwsError::new(
            "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.",
        )),
        _ => Ok(()),
    }
}
