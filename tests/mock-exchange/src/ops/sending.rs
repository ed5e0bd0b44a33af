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

/// Keeps `mail` as a draft of `mailbox` (in Drafts) for SendItem or Graph's
/// send: (its id, change key).
pub fn save_draft(
    model: &mut Model,
    mailbox: &str,
    mail: Mail,
) -> Result<(String, String), EwsError> {
    let mb = model
        .mailbox_mut(mailbox)
        .ok_or_else(EwsError::item_not_found)?;
    let folder = mb.store.ensure("drafts");
    let id = mb
        .store
        .add_message(&folder, &mail.mime(true), true, mail.date, vec![], "Normal");
    let key = mb
        .store
        .message(&id)
        .map(|m| m.change_key.clone())
        .unwrap_or_default();
    model.drafts.insert(id.clone(), mail);
    Ok((id, key))
}

/// Changes a draft the mock holds and stores its MIME again: a new change key.
pub fn edit_draft(
    model: &mut Model,
    owner: &str,
    id: &str,
    edit: impl FnOnce(&mut Mail),
) -> Result<String, EwsError> {
    let draft = model.drafts.get_mut(id).ok_or_else(|| {
        EwsError::new("ErrorInvalidOperation", "The mock changes its drafts only.")
    })?;
    edit(draft);
    let mime = draft.mime(true);
    let store = &mut model
        .mailbox_mut(owner)
        .ok_or_else(EwsError::item_not_found)?
        .store;
    if let Some(m) = store.message_mut(id) {
        m.summary = crate::mime::summarize(&mime);
        m.mime = mime;
    }
    store.touch(id).ok_or_else(EwsError::item_not_found)
}

/// Sends a draft the mock holds: it leaves Drafts and is delivered.
pub fn send_draft(model: &mut Model, owner: &str, id: &str, save: bool) -> Result<(), EwsError> {
    let draft = model
        .drafts
        .get(id)
        .ok_or_else(|| EwsError::new("ErrorInvalidOperation", "The mock sends its drafts only."))?;
    check_limits(model, owner, draft)?;
    let mail = model.drafts.remove(id).unwrap_or_default();
    if let Some(mb) = model.mailbox_mut(owner) {
        mb.store.remove_message(id);
    }
    deliver(model, owner, &mail, save);
    Ok(())
}

/// A reply by `me` to the message `id` of `owner`, built as Exchange builds
/// it: "Re: " subject, To the original's Reply-To or From (to all: plus its
/// To and Cc, less the replying mailbox), In-Reply-To and References, the
/// original quoted under `new` ((is HTML, text)). The original gets a new
/// change key (it is marked replied to).
pub fn reply_mail(
    model: &mut Model,
    me: &str,
    owner: &str,
    id: &str,
    all: bool,
    new: (bool, String),
) -> Result<Mail, EwsError> {
    let original = model
        .mailbox(owner)
        .and_then(|mb| mb.store.message(id))
        .map(|m| m.summary.clone())
        .ok_or_else(EwsError::item_not_found)?;
    let mut to: Vec<String> = if original.reply_to.is_empty() {
        original.from_address.clone().into_iter().collect()
    } else {
        original.reply_to.iter().map(|(_, a)| a.clone()).collect()
    };
    let mut cc = Vec::new();
    if all {
        to.extend(original.to.iter().map(|(_, a)| a.clone()));
        cc.extend(original.cc.iter().map(|(_, a)| a.clone()));
    }
    to.retain(|a| !a.eq_ignore_ascii_case(me));
    cc.retain(|a| !a.eq_ignore_ascii_case(me));
    let subject = if original.subject.to_ascii_lowercase().starts_with("re:") {
        original.subject.clone()
    } else {
        format!("Re: {}", original.subject)
    };
    let (html, new) = new;
    let quoted = if html {
        format!(
            "{new}<hr><blockquote>{}</blockquote>",
            original
                .text_body
                .replace('&', "&amp;")
                .replace('<', "&lt;")
        )
    } else {
        format!(
            "{new}\r\n\r\n-----Original Message-----\r\n{}",
            original.text_body
        )
    };
    let prior = original
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("References"));
    let message_id = original
        .internet_message_id
        .clone()
        .map(|m| format!("<{}>", m.trim_matches(['<', '>'])));
    let references = match (prior, &message_id) {
        (Some((_, r)), Some(m)) => Some(format!("{} {m}", r.trim())),
        (None, m) => m.clone(),
        (Some((_, r)), None) => Some(r.trim().to_string()),
    };
    let mut mail = Mail {
        to,
        cc,
        subject,
        body: Some((html, quoted)),
        in_reply_to: message_id,
        references,
        ..Mail::default()
    };
    prepare(model, me, &mut mail);
    if let Some(mb) = model.mailbox_mut(owner) {
        mb.store.touch(id);
    }
    Ok(mail)
}
