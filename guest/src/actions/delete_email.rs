//! Delete Email: many emails in one request, into Deleted Items (the
//! default, recoverable by the user), the recoverable-items dumpster
//! (`soft`) or purged (`hard`).

use super::batch;
use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::DeleteMode;
use crate::platform::File;
use serde_json::{json, Map, Value};

pub struct DeleteEmail;

impl Action for DeleteEmail {
    fn about(&self) -> &'static About {
        &About {
            name: "delete-email",
            title: "Delete Email",
            kind: Kind::Containment,
            description: "Deletes emails in one request: to Deleted Items (default), soft (recoverable items) or hard (purged). One result per id; the call succeeds when some ids succeed, and also when every id is unknown (each ok: false)",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            batch::ITEM_IDS,
            param(
                "delete_type",
                Ty::OneOf(&["move-to-deleted-items", "soft", "hard"]),
                "move-to-deleted-items: recoverable by the user; soft: to the recoverable-items dumpster; hard: purged",
            )
            .default("\"move-to-deleted-items\""),
            batch::MAILBOX,
        ];
        P
    }

    fn output_schema(&self) -> Value {
        batch::output_schema(json!({"delete_type": {"type": "string"}}), &[], "deleted")
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let mailbox = ctx.target_mailbox(p)?;
        let ids = batch::ids(p);
        let kind = p.str("delete_type").unwrap_or_default();
        let mode = match kind.as_str() {
            "soft" => DeleteMode::Soft,
            "hard" => DeleteMode::Hard,
            _ => DeleteMode::MoveToDeletedItems,
        };
        let results = ctx.mailbox()?.delete(&mailbox, &ids, mode)?;
        let entries = batch::outcome(&ids, results, |_| Map::new())?;
        batch::output(json!({
            "mailbox": mailbox,
            "delete_type": kind,
            "deleted": batch::count_ok(&entries),
            "results": entries,
        }))
    }
}
