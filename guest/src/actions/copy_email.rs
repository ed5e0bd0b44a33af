//! Copy Email: many emails into one folder in one request, in the same
//! mailbox or another (a quarantine mailbox): the folder path is resolved
//! in the destination mailbox, level by level.

use super::batch;
use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::resolve_folder;
use crate::platform::File;
use serde_json::{json, Value};

pub struct CopyEmail;

impl Action for CopyEmail {
    fn about(&self) -> &'static About {
        &About {
            name: "copy-email",
            title: "Copy Email",
            kind: Kind::Containment,
            description: "Copies emails into a folder (a path like Inbox/Quarantine, or a well-known folder like junkemail), in the same mailbox or in destination_mailbox, in one request. One result per id with the copy's id (Exchange gives none for a copy into another mailbox); the call succeeds when some ids succeed, and also when every id is unknown (each ok: false). With api = graph, only within the emails' own mailbox (Graph cannot copy between mailboxes: destination_mailbox must be that mailbox)",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            batch::ITEM_IDS,
            param(
                "destination_folder",
                Ty::Text { max: 1024, line: true },
                "A folder path from the mailbox root (Inbox/Quarantine, case-insensitive), a well-known folder (inbox, junkemail, deleteditems...), or id:<folder id>",
            )
            .required(),
            param(
                "destination_mailbox",
                Ty::Email,
                "Copy into this mailbox (default: the one holding the emails)",
            ),
            batch::MAILBOX,
        ];
        P
    }

    fn output_schema(&self) -> Value {
        batch::output_schema(
            json!({"destination_mailbox": {"type": "string"}, "destination_folder": {"type": "string"}}),
            &["new_item_id", "new_change_key"],
            "copied",
        )
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let mailbox = ctx.target_mailbox(p)?;
        let destination = p
            .str("destination_mailbox")
            .unwrap_or_else(|| mailbox.clone());
        let path = p.str("destination_folder").unwrap_or_default();
        let ids = batch::ids(p);
        let mb = ctx.mailbox()?;
        // The shared resolution names the daemon's key; here it is a parameter.
        let folder = resolve_folder(mb, &destination, &path).map_err(|e| match e {
            Error::NotFound(m) => Error::NotFound(format!(
                "params.destination_folder: {} (mailbox {destination})",
                m.strip_prefix("folder: ").unwrap_or(&m)
            )),
            other => other,
        })?;
        let results = mb.copy(&mailbox, &ids, &folder)?;
        let entries = batch::outcome(&ids, results, |copy| {
            batch::item_fields(
                "new_item_id",
                "new_change_key",
                copy.and_then(Option::as_ref),
            )
        })?;
        batch::output(json!({
            "mailbox": mailbox,
            "destination_mailbox": destination,
            "destination_folder": path,
            "copied": batch::count_ok(&entries),
            "results": entries,
        }))
    }
}
