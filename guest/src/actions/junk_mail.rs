//! Junk Mail: reports emails as junk (their senders blocked, the emails
//! moved to Junk Email) or as not junk (moved back to the Inbox), in one
//! request.

use super::batch;
use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::JunkReport;
use crate::platform::File;
use serde_json::{json, Value};

pub struct JunkMail;

impl Action for JunkMail {
    fn about(&self) -> &'static About {
        &About {
            name: "junk-mail",
            title: "Junk Mail",
            kind: Kind::Containment,
            description: "Marks emails as junk (sender blocked; moved to Junk Email) or not junk (moved back to the Inbox), in one request. One result per id with the moved email's new id; the call succeeds when some ids succeed, and also when every id is unknown (each ok: false). Needs Exchange 2013 or later. With api = graph (v1.0 has no markAsJunk): the email is moved to Junk Email (or back to the Inbox) and the sender is not added to the blocked senders; move must be true",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            batch::ITEM_IDS,
            param(
                "is_junk",
                Ty::Bool,
                "true: junk (the sender is blocked); false: not junk",
            )
            .default("true"),
            param(
                "move",
                Ty::Bool,
                "Move to Junk Email (or, when not junk, back to the Inbox)",
            )
            .default("true"),
            batch::MAILBOX,
        ];
        P
    }

    fn output_schema(&self) -> Value {
        batch::output_schema(
            json!({"is_junk": {"type": "boolean"}, "moved": {"type": "boolean"}}),
            &["moved_item_id", "moved_change_key"],
            "marked",
        )
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let mailbox = ctx.target_mailbox(p)?;
        let ids = batch::ids(p);
        let report = JunkReport {
            is_junk: p.bool("is_junk").unwrap_or(true),
            move_item: p.bool("move").unwrap_or(true),
        };
        let results = ctx.mailbox()?.report_junk(&mailbox, &ids, report)?;
        let entries = batch::outcome(&ids, results, |moved| {
            batch::item_fields(
                "moved_item_id",
                "moved_change_key",
                moved.and_then(Option::as_ref),
            )
        })?;
        batch::output(json!({
            "mailbox": mailbox,
            "is_junk": report.is_junk,
            "moved": report.move_item,
            "marked": batch::count_ok(&entries),
            "results": entries,
        }))
    }
}
