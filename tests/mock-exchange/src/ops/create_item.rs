//! CreateItem for mail: a `t:Message` (SendAndSaveCopy, SendOnly), or a
//! `t:ReplyToItem` / `t:ReplyAllToItem` (those, or SaveOnly: a draft in
//! Drafts, which CreateAttachment extends and SendItem sends). The mock
//! composes the MIME Exchange's transport would (see `compose`), so tests
//! assert on what was really sent. A mailbox sends as itself only: any other
//! `t:From` is ErrorSendAsDenied. A reply is built as Exchange builds it:
//! "Re: " subject, To the original's Reply-To or From (to all: plus its To
//! and Cc, less the replying mailbox), In-Reply-To and References, the
//! original quoted under the new text; the original gets a new change key
//! (it is marked replied to).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation-email-message>

use super::common::{self, EwsError};
use super::sending::{self, body, check_from, recipients};
use super::{Call, Reply};
use crate::compose::Mail;
use crate::dom::Element;
use crate::soap::{MESSAGES_NS, TYPES_NS};

pub const ELEMENT: &str = "CreateItem";
const MESSAGE: &str = "CreateItemResponseMessage";

/// What one item of the request became: a draft's id, or nothing (sent).
type Outcome = Result<Option<(String, String)>, EwsError>;

fn new_message(call: &mut Call, item: &Element, disposition: &str) -> Outcome {
    let from = item
        .path(&[
            (TYPES_NS, "From"),
            (TYPES_NS, "Mailbox"),
            (TYPES_NS, "EmailAddress"),
        ])
        .map(|a| a.trimmed().to_string());
    check_from(call.mailbox, from.as_deref())?;
    let text = |n: &str| item.child(TYPES_NS, n).map(|c| c.text.clone());
    let mut mail = Mail {
        to: recipients(item, "ToRecipients"),
        cc: recipients(item, "CcRecipients"),
        bcc: recipients(item, "BccRecipients"),
        reply_to: recipients(item, "ReplyTo"),
        subject: text("Subject").unwrap_or_default(),
        body: body(item, "Body"),
        importance: text("Importance"),
        message_id: text("InternetMessageId").unwrap_or_default(),
        attachments: sending::file_attachments(item.child(TYPES_NS, "Attachments"))?,
        ..Mail::default()
    };
    sending::prepare(call.model, call.mailbox, &mut mail);
    finish(call, mail, disposition)
}

fn reply(call: &mut Call, item: &Element, all: bool, disposition: &str) -> Outcome {
    let id = item
        .child(TYPES_NS, "ReferenceItemId")
        .and_then(|r| r.attr("Id"))
        .unwrap_or_default()
        .to_string();
    if !common::well_formed(&id) {
        return Err(EwsError::malformed());
    }
    let owner = match call.model.find_message(&id) {
        Some((mb, _)) => mb.address.clone(),
        None => return Err(EwsError::item_not_found()),
    };
    common::check_access(call, &owner)?;
    let new = body(item, "NewBodyContent").unwrap_or((false, String::new()));
    let me = call.mailbox.to_string();
    let mut mail = sending::reply_mail(call.model, &me, &owner, &id, all, new)?;
    mail.to.extend(recipients(item, "ToRecipients"));
    mail.cc.extend(recipients(item, "CcRecipients"));
    mail.bcc = recipients(item, "BccRecipients");
    finish(call, mail, disposition)
}

/// Sends, or keeps as a draft (SaveOnly) to be sent by SendItem.
fn finish(call: &mut Call, mail: Mail, disposition: &str) -> Outcome {
    match disposition {
        "SaveOnly" => sending::save_draft(call.model, call.mailbox, mail).map(Some),
        _ => {
            sending::check_limits(call.model, call.mailbox, &mail)?;
            let save_copy = disposition != "SendOnly";
            sending::deliver(call.model, call.mailbox, &mail, save_copy);
            Ok(None)
        }
    }
}

pub fn handle(call: &mut Call) -> Reply {
    let envelope = call.envelope;
    let request = &envelope.operation;
    let disposition = request.attr("MessageDisposition").unwrap_or("SaveOnly");
    let items: Vec<&Element> = request
        .child(MESSAGES_NS, "Items")
        .map(|i| i.children.iter().collect())
        .unwrap_or_default();
    let results: Vec<Outcome> = items
        .into_iter()
        .map(|item| match item.name.as_str() {
            "Message" => new_message(call, item, disposition),
            "ReplyToItem" => reply(call, item, false, disposition),
            "ReplyAllToItem" => reply(call, item, true, disposition),
            _ => Err(EwsError::new(
                "ErrorInvalidOperation",
                "The mock creates messages and replies only.",
            )),
        })
        .collect();
    Reply::Ok(common::response("CreateItemResponse", |x| {
        for result in results {
            match result {
                Err(e) => common::error_message(x, MESSAGE, &e, |x| x.empty("m:Items", &[])),
                Ok(draft) => {
                    let tag = common::success_start(x, MESSAGE);
                    match draft {
                        None => x.empty("m:Items", &[]),
                        Some((id, key)) => {
                            x.start("m:Items", &[]);
                            x.start("t:Message", &[]);
                            x.empty("t:ItemId", &[("Id", &id), ("ChangeKey", &key)]);
                            x.end("t:Message");
                            x.end("m:Items");
                        }
                    }
                    x.end(&tag);
                }
            }
        }
    }))
}
