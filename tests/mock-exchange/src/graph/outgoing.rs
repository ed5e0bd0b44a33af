//! Sending: sendMail, drafts (create, PATCH their fields, send), reply /
//! replyAll and createReply / createReplyAll, through the same pieces as
//! EWS's CreateItem and SendItem (`ops::sending`), so a message sent either
//! way lands in the same places. A JSON request body above 4 MB is 413, which
//! is why clients send larger files through an upload session.
//! <https://learn.microsoft.com/en-us/graph/api/user-sendmail>
//! <https://learn.microsoft.com/en-us/graph/api/message-reply>
//! <https://learn.microsoft.com/en-us/graph/api/message-createreply>

use base64::Engine as _;
use serde_json::{Map, Value};

use super::messages::{answer, json_body, locate, only_known};
use super::query::Query;
use super::reply::{GraphError, GraphReply, Outcome};
use super::{Ctx, Req};
use crate::compose::{Attachment, Mail};
use crate::ops::sending;

/// The largest JSON body Graph takes for these calls.
pub const MAX_JSON_BODY: usize = 4 * 1024 * 1024;

const MESSAGE_FIELDS: &[&str] = &[
    "subject",
    "body",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "importance",
    "internetMessageId",
    "from",
    "sender",
    "attachments",
    "categories",
    "flag",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "internetMessageHeaders",
];

fn schema_error(property: &str) -> GraphError {
    GraphError::bad_request(
        "BadRequest",
        &format!("Property {property} in payload has a value that does not match schema."),
    )
}

fn check_size(req: &Req) -> Result<(), GraphError> {
    if req.body.len() > MAX_JSON_BODY {
        return Err(GraphError::new(
            413,
            "RequestEntityTooLarge",
            "The request payload is too large: the maximum is 4 MB. Use an upload session for large attachments.",
        ));
    }
    Ok(())
}

/// `[{"emailAddress": {"address", "name"}}]` → addresses.
fn recipients(body: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, GraphError> {
    let Some(v) = body.get(name) else {
        return Ok(None);
    };
    let list = v.as_array().ok_or_else(|| schema_error(name))?;
    list.iter()
        .map(|r| {
            r.pointer("/emailAddress/address")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| schema_error(name))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `{"contentType": "text"|"html", "content"}` → (is HTML, text).
fn body_of(v: &Value) -> Result<(bool, String), GraphError> {
    let html = match v.get("contentType").and_then(Value::as_str) {
        None => true,
        Some(t) if t.eq_ignore_ascii_case("html") => true,
        Some(t) if t.eq_ignore_ascii_case("text") => false,
        Some(_) => return Err(schema_error("body")),
    };
    let content = v.get("content").and_then(Value::as_str).unwrap_or_default();
    Ok((html, content.to_string()))
}

/// A fileAttachment of a request body (`@odata.type` is required: attachment
/// is abstract).
pub fn file_attachment(v: &Value) -> Result<Attachment, GraphError> {
    let kind = v
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind.trim_start_matches('#') != "microsoft.graph.fileAttachment" {
        return Err(GraphError::bad_request(
            "RequestBodyRead",
            "An attachment must have '@odata.type': '#microsoft.graph.fileAttachment' (the mock takes file attachments only).",
        ));
    }
    let data = base64::engine::general_purpose::STANDARD
        .decode(
            v.get("contentBytes")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .map_err(|_| schema_error("contentBytes"))?;
    Ok(Attachment {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        content_type: v
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("application/octet-stream")
            .to_string(),
        data,
    })
}

fn attachments(body: &Map<String, Value>) -> Result<Vec<Attachment>, GraphError> {
    match body.get("attachments") {
        None => Ok(Vec::new()),
        Some(Value::Array(list)) => list.iter().map(file_attachment).collect(),
        Some(_) => Err(schema_error("attachments")),
    }
}

/// The message fields a body sets, as one edit of a `Mail`.
pub fn draft_edit(body: &Map<String, Value>) -> Result<impl FnOnce(&mut Mail), GraphError> {
    only_known(body, MESSAGE_FIELDS, "message")?;
    let to = recipients(body, "toRecipients")?;
    let cc = recipients(body, "ccRecipients")?;
    let bcc = recipients(body, "bccRecipients")?;
    let reply_to = recipients(body, "replyTo")?;
    let subject = body
        .get("subject")
        .and_then(Value::as_str)
        .map(str::to_string);
    let text = body.get("body").map(body_of).transpose()?;
    let importance = match body.get("importance").and_then(Value::as_str) {
        None => None,
        Some("low") => Some("Low"),
        Some("normal") => Some("Normal"),
        Some("high") => Some("High"),
        Some(_) => return Err(schema_error("importance")),
    };
    let message_id = body
        .get("internetMessageId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let files = attachments(body)?;
    Ok(move |mail: &mut Mail| {
        if let Some(v) = to {
            mail.to = v;
        }
        if let Some(v) = cc {
            mail.cc = v;
        }
        if let Some(v) = bcc {
            mail.bcc = v;
        }
        if let Some(v) = reply_to {
            mail.reply_to = v;
        }
        if let Some(v) = subject {
            mail.subject = v;
        }
        if text.is_some() {
            mail.body = text;
        }
        if let Some(v) = importance {
            mail.importance = Some(v.to_string());
        }
        if let Some(v) = message_id {
            mail.message_id = v;
        }
        mail.attachments.extend(files);
    })
}

/// A new message from a Graph message object, as the mailbox sends it.
fn new_mail(ctx: &mut Ctx, message: &Map<String, Value>) -> Result<Mail, GraphError> {
    let me = ctx.mailbox.clone().unwrap_or_default();
    let from = message
        .get("from")
        .and_then(|f| f.pointer("/emailAddress/address"))
        .and_then(Value::as_str);
    sending::check_from(&me, from).map_err(|e| GraphError::from_ews(&e))?;
    let mut mail = Mail::default();
    draft_edit(message)?(&mut mail);
    sending::prepare(ctx.model(), &me, &mut mail);
    Ok(mail)
}

fn deliver(ctx: &mut Ctx, mail: &Mail, save: bool) -> Result<(), GraphError> {
    let me = ctx.mailbox.clone().unwrap_or_default();
    sending::check_limits(ctx.model(), &me, mail).map_err(|e| GraphError::from_ews(&e))?;
    sending::deliver(ctx.model(), &me, mail, save);
    Ok(())
}

/// `POST /users/{u}/sendMail {"message", "saveToSentItems"}`: 202 Accepted.
pub fn send_mail(ctx: &mut Ctx, req: &Req) -> Outcome {
    check_size(req)?;
    super::query::parse(req.query, &[])?;
    let body = json_body(req)?;
    only_known(&body, &["message", "saveToSentItems"], "sendMail")?;
    let Some(Value::Object(message)) = body.get("message") else {
        return Err(GraphError::bad_request(
            "ErrorInvalidParameter",
            "The value of the parameter 'Message' is empty.",
        ));
    };
    let save = match body.get("saveToSentItems") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(schema_error("saveToSentItems")),
    };
    let mail = new_mail(ctx, message)?;
    deliver(ctx, &mail, save)?;
    Ok(GraphReply::empty(202))
}

/// `POST /users/{u}/messages`: a draft (201, `isDraft` true).
pub fn create(ctx: &mut Ctx, req: &Req, _folder: Option<&str>) -> Outcome {
    check_size(req)?;
    super::query::parse(req.query, &[])?;
    let body = json_body(req)?;
    let mail = new_mail(ctx, &body)?;
    let me = ctx.mailbox.clone().unwrap_or_default();
    let (id, _) =
        sending::save_draft(ctx.model(), &me, mail).map_err(|e| GraphError::from_ews(&e))?;
    ctx.item = Some(id.clone());
    Ok(answer(ctx, &id, &Query::default(), req.prefer_text, 201))
}

/// `POST .../messages/{id}/send`: a draft leaves; 202 Accepted.
pub fn send_draft(ctx: &mut Ctx, req: &Req, rest_id: &str) -> Outcome {
    let id = locate(ctx, rest_id)?;
    if !req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(GraphError::bad_request(
            "BadRequest",
            "The send action takes no request body.",
        ));
    }
    let me = ctx.mailbox.clone().unwrap_or_default();
    sending::send_draft(ctx.model(), &me, &id, true).map_err(|e| GraphError::from_ews(&e))?;
    Ok(GraphReply::empty(202))
}

/// reply / replyAll (202) and createReply / createReplyAll (201, the draft).
/// `comment` and `message.body` exclude each other (Graph: 400 for both).
pub fn reply(ctx: &mut Ctx, req: &Req, rest_id: &str, all: bool, draft: bool) -> Outcome {
    check_size(req)?;
    super::query::parse(req.query, &[])?;
    let body = json_body(req)?;
    only_known(&body, &["comment", "message"], "reply")?;
    let message = match body.get("message") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(schema_error("message")),
    };
    let comment = body.get("comment").and_then(Value::as_str);
    if comment.is_some() && message.contains_key("body") {
        return Err(GraphError::bad_request(
            "ErrorInvalidRequest",
            "A reply may have a comment or a message body, not both.",
        ));
    }
    let id = locate(ctx, rest_id)?;
    let me = ctx.mailbox.clone().unwrap_or_default();
    let new = match message.get("body") {
        Some(b) => body_of(b)?,
        None => (false, comment.unwrap_or_default().to_string()),
    };
    let edit = {
        let mut rest = message.clone();
        rest.remove("body");
        draft_edit(&rest)?
    };
    let mut mail = sending::reply_mail(ctx.model(), &me, &me, &id, all, new)
        .map_err(|e| GraphError::from_ews(&e))?;
    edit(&mut mail);
    if draft {
        let (new_id, _) =
            sending::save_draft(ctx.model(), &me, mail).map_err(|e| GraphError::from_ews(&e))?;
        return Ok(answer(
            ctx,
            &new_id,
            &Query::default(),
            req.prefer_text,
            201,
        ));
    }
    deliver(ctx, &mail, true)?;
    Ok(GraphReply::empty(202))
}

/// Adds files to a draft the mock holds: its new change key.
pub fn add_files(ctx: &mut Ctx, id: &str, files: Vec<Attachment>) -> Result<String, GraphError> {
    let me = ctx.mailbox.clone().unwrap_or_default();
    sending::edit_draft(ctx.model(), &me, id, |d| d.attachments.extend(files))
        .map_err(|e| GraphError::from_ews(&e))
}
