//! Replies: `POST .../messages/{id}/reply` (or `replyAll`) with a comment,
//! which Graph puts above the quoted original. With files or recipients to
//! add, `POST .../createReply` (or `createReplyAll`) makes the draft, the
//! recipients are added to the draft's, and `draft::finish` attaches and
//! sends it.

use super::send_mail::{body_json, recipients_json};
use super::{draft, message_path, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::error::Call;
use crate::mailbox::{Body, Outgoing};
use crate::platform::Method;
use serde_json::{json, Value};

pub fn reply(
    client: &mut GraphClient,
    mailbox: &str,
    original: &str,
    all: bool,
    message: &Outgoing,
) -> Result<(), Error> {
    let path = message_path(&GraphClient::user(mailbox), original);
    // A text body is Graph's comment (put above the quoted original); an
    // HTML one goes as the reply's body, since a comment is text. Graph
    // refuses both at once.
    let request = match &message.body {
        Some(Body::Html(h)) => json!({"message": {"body": body_json(&Body::Html(h.clone()))}}),
        Some(Body::Text(t)) => json!({ "comment": t }),
        None => json!({"comment": ""}),
    };
    let simple = message.attachments.is_empty()
        && message.to.is_empty()
        && message.cc.is_empty()
        && message.bcc.is_empty();
    if simple {
        let call = Call {
            what: "reply to an email",
            permission: "Mail.Send",
            mailbox,
        };
        let action = if all { "replyAll" } else { "reply" };
        let url = format!("{path}/{action}");
        client.send(&call, Req::json(Method::Post, url, &request))?;
        return Ok(());
    }
    let call = Call {
        what: "create a reply",
        permission: MAIL,
        mailbox,
    };
    let action = if all { "createReplyAll" } else { "createReply" };
    let url = format!("{path}/{action}");
    let draft: Value = client.json(&call, Req::json(Method::Post, url, &request))?;
    let id = draft["id"]
        .as_str()
        .ok_or_else(|| Error::Malformed("Graph created a reply without an id".into()))?
        .to_string();
    let mut patch = serde_json::Map::new();
    for (key, extra) in [
        ("toRecipients", &message.to),
        ("ccRecipients", &message.cc),
        ("bccRecipients", &message.bcc),
    ] {
        if extra.is_empty() {
            continue;
        }
        let mut list = draft[key].as_array().cloned().unwrap_or_default();
        if let Value::Array(more) = recipients_json(extra) {
            list.extend(more);
        }
        patch.insert(key.into(), Value::Array(list));
    }
    if !patch.is_empty() {
        let url = message_path(&GraphClient::user(mailbox), &id);
        let patched = client.send(&call, Req::json(Method::Patch, url, &Value::Object(patch)));
        if let Err(e) = patched {
            draft::discard(client, mailbox, &id);
            return Err(e);
        }
    }
    draft::finish(client, mailbox, &id, &message.attachments)
}
