//! Reply To Email: a reply (or reply to all) to an email in the mailbox,
//! built by the server (subject, recipients, quote, threading headers), with
//! extra recipients, a new body and the invocation's input files.

use super::params::{param, Checked, Param, Ty};
use super::send_email::{
    outgoing, sent, sent_schema, ATTACHMENTS, BCC, BODY_HTML, BODY_TEXT, CC, MAILBOX, TO,
};
use super::{email_not_found, About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::ItemRef;
use crate::platform::File;
use serde_json::{json, Value};

pub struct ReplyToEmail;

impl Action for ReplyToEmail {
    fn about(&self) -> &'static About {
        &About {
            name: "reply-to-email",
            title: "Reply To Email",
            kind: Kind::Notification,
            description: "Replies to an email (to its sender, or to all), quoting it, with extra recipients and the invocation's input files as attachments; a copy is kept in Sent Items",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            param("item_id", Ty::ItemId, "The email to reply to").required(),
            BODY_TEXT,
            BODY_HTML,
            param(
                "reply_all",
                Ty::Bool,
                "Reply to the sender and every recipient (To, Cc) but the mailbox",
            )
            .default("false"),
            TO,
            CC,
            BCC,
            ATTACHMENTS,
            MAILBOX,
        ];
        P
    }

    fn output_schema(&self) -> Value {
        sent_schema(json!({
            "item_id": {"type": "string", "description": "The email replied to"},
            "change_key": {"type": ["string", "null"], "description": "Its change key after the reply"},
            "reply_all": {"type": "boolean"}
        }))
    }

    fn run(&self, ctx: &mut Context, p: &Checked, files: Vec<File>) -> Result<Output, Error> {
        let message = outgoing(p, files)?;
        let all = p.bool("reply_all").unwrap_or(false);
        let mailbox = ctx.target_mailbox(p)?;
        let id = ItemRef::new(&p.str("item_id").unwrap_or_default());
        // Read first: an unknown id is not-found naming it, and the reply
        // names the version it answers.
        let current = ctx
            .mailbox()?
            .attachments(&mailbox, &id)?
            .map_err(|e| email_not_found(&id, &mailbox, e))?
            .item;
        ctx.mailbox()?.reply(&mailbox, &current, all, &message)?;
        // Replying changes the original (it is marked replied to): report
        // its change key as it is now, or as it was if it cannot be read.
        let after = ctx
            .mailbox()?
            .attachments(&mailbox, &id)
            .ok()
            .and_then(Result::ok)
            .map_or(current, |a| a.item);
        let fields = json!({"item_id": after.id, "change_key": after.change_key, "reply_all": all});
        Ok(sent(fields, &mailbox, &message))
    }
}
