//! Send Email: a new message from the mailbox (or as another address), with
//! the invocation's input files attached. Everything is checked before
//! anything is sent; the Message-ID is chosen here, so the caller learns it
//! without reading the sent copy back.

use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::{Body, Outgoing, OutgoingFile};
use crate::platform::{uuid_v4, File};
use serde_json::{json, Value};

pub struct SendEmail;

/// Long enough for any report; short enough that a runaway playbook
/// variable is refused here rather than by the server.
pub const BODY_MAX: usize = 4_000_000;

pub const TO: Param = param("to", Ty::Emails, "Recipients");
pub const CC: Param = param("cc", Ty::Emails, "Cc recipients");
pub const BCC: Param = param("bcc", Ty::Emails, "Bcc recipients");
pub const BODY_TEXT: Param = param(
    "body_text",
    Ty::Text {
        max: BODY_MAX,
        line: false,
    },
    "The body as plain text",
);
pub const BODY_HTML: Param = param(
    "body_html",
    Ty::Text { max: BODY_MAX, line: false },
    "The body as HTML; with body_text too, the HTML is sent (EWS carries one body; Exchange derives the plain-text part from it)",
);
pub const ATTACHMENTS: Param = param(
    "attachments",
    Ty::FileNames { max: 255 },
    "Names of the invocation's input files to attach (ews-host invoke --file PATH); default: all of them",
);
pub const MAILBOX: Param = param(
    "mailbox",
    Ty::Email,
    "The mailbox that sends (default: primary_smtp_address)",
);

impl Action for SendEmail {
    fn about(&self) -> &'static About {
        &About {
            name: "send-email",
            title: "Send Email",
            kind: Kind::Notification,
            description: "Sends an email from the mailbox, with the invocation's input files as attachments; a copy is kept in Sent Items unless save_copy is false. With api = graph, files of more than 3 MB in all go through a draft and upload sessions, and such a message is always kept in Sent Items",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            TO,
            CC,
            BCC,
            param(
                "subject",
                Ty::Text {
                    max: 255,
                    line: true,
                },
                "The subject",
            ),
            BODY_TEXT,
            BODY_HTML,
            param(
                "importance",
                Ty::OneOf(&["Low", "Normal", "High"]),
                "The importance",
            ),
            param("reply_to", Ty::Emails, "Where replies should go (Reply-To)"),
            param(
                "from",
                Ty::Email,
                "Send as this address (the mailbox needs Send As on it)",
            ),
            ATTACHMENTS,
            param("save_copy", Ty::Bool, "Keep a copy in Sent Items").default("true"),
            MAILBOX,
        ];
        P
    }

    fn output_schema(&self) -> Value {
        sent_schema(json!({
            "message_id": {"type": ["string", "null"], "description": "The Message-ID header it was sent with"}
        }))
    }

    fn run(&self, ctx: &mut Context, p: &Checked, files: Vec<File>) -> Result<Output, Error> {
        let mut message = outgoing(p, files)?;
        if message.to.is_empty() && message.cc.is_empty() && message.bcc.is_empty() {
            return Err(Error::InvalidInput(
                "params.to: at least one recipient in to, cc or bcc".into(),
            ));
        }
        message.subject = p.raw_str("subject");
        message.importance = p.str("importance");
        message.reply_to = p.strings("reply_to");
        message.from = p.str("from");
        message.save_copy = p.bool("save_copy").unwrap_or(true);
        let mailbox = ctx.target_mailbox(p)?;
        let sender = message.from.as_deref().unwrap_or(&mailbox);
        let domain = sender.rsplit_once('@').map_or("localhost", |(_, d)| d);
        let message_id = format!("<{}@{domain}>", uuid_v4(ctx.host));
        message.internet_message_id = Some(message_id.clone());
        ctx.mailbox()?.send(&mailbox, &message)?;
        Ok(sent(json!({"message_id": message_id}), &mailbox, &message))
    }
}

/// The output schema of an action that sends: `sent`, `mailbox`, the
/// attached files' names, and the action's own `fields`.
pub fn sent_schema(fields: Value) -> Value {
    let mut properties = json!({
        "sent": {"const": true},
        "mailbox": {"type": "string"},
        "attachments": {"type": "array", "items": {"type": "string"}}
    });
    let mut required = vec![json!("sent"), json!("mailbox"), json!("attachments")];
    if let (Some(p), Value::Object(f)) = (properties.as_object_mut(), fields) {
        for (k, v) in f {
            required.push(json!(k));
            p.insert(k, v);
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required
    })
}

/// The output of an action that sent `message` from `mailbox`.
pub fn sent(mut fields: Value, mailbox: &str, message: &Outgoing) -> Output {
    let names: Vec<&str> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    fields["sent"] = json!(true);
    fields["mailbox"] = json!(mailbox);
    fields["attachments"] = json!(names);
    Output {
        json: fields.to_string(),
        files: vec![],
    }
}

/// What send and reply share: recipients, the body, and the attachments
/// chosen from the input files (moved, not copied).
pub fn outgoing(p: &Checked, files: Vec<File>) -> Result<Outgoing, Error> {
    let body = match (p.raw_str("body_html"), p.raw_str("body_text")) {
        (Some(html), _) => Some(Body::Html(html)),
        (None, Some(text)) => Some(Body::Text(text)),
        (None, None) => None,
    };
    Ok(Outgoing {
        to: p.strings("to"),
        cc: p.strings("cc"),
        bcc: p.strings("bcc"),
        body,
        attachments: choose_files(p, files)?,
        ..Outgoing::default()
    })
}

/// The input files `params.attachments` names (all of them by default); a
/// name that is not among them is invalid-input listing what there is.
fn choose_files(p: &Checked, files: Vec<File>) -> Result<Vec<OutgoingFile>, Error> {
    let into = |f: File| OutgoingFile {
        name: f.name,
        content_type: f.media_type,
        data: f.data,
    };
    // The host names input files after their paths: a name XML cannot
    // carry must be refused here, not dropped by the envelope writer.
    for f in &files {
        super::params::text(&format!("attachments ({:?})", f.name), &f.name, 255, true)?;
    }
    if !p.given("attachments") {
        return Ok(files.into_iter().map(into).collect());
    }
    let wanted = p.strings("attachments");
    if let Some(missing) = wanted.iter().find(|w| !files.iter().any(|f| &f.name == *w)) {
        let have: Vec<String> = files.iter().map(|f| format!("{:?}", f.name)).collect();
        return Err(Error::InvalidInput(format!(
            "params.attachments: no input file named {missing:?} (input files: {}); pass it with ews-host invoke --file PATH",
            if have.is_empty() { "none".to_string() } else { have.join(", ") }
        )));
    }
    Ok(files
        .into_iter()
        .filter(|f| wanted.contains(&f.name))
        .map(into)
        .collect())
}
