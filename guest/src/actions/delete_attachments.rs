//! Delete Attachments: removes an email's attachments (all, or those named
//! by id or name) in one request, after listing them to know their names.

use super::get_attachments::{choose, list, PARAMS};
use super::params::{Checked, Param};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::{CodeDetail, Error};
use crate::mailbox::ItemRef;
use crate::platform::File;
use serde_json::{json, Value};

pub struct DeleteAttachments;

impl Action for DeleteAttachments {
    fn about(&self) -> &'static About {
        &About {
            name: "delete-attachments",
            title: "Delete Attachments",
            kind: Kind::Containment,
            description: "Deletes an email's attachments (all, or those named by id or name) in one request; returns what was deleted and the email's new change key. An email without attachments is a success with nothing deleted",
        }
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn output_schema(&self) -> Value {
        let entry = |extra: Value| {
            let mut props =
                json!({"attachment_id": {"type": "string"}, "name": {"type": ["string", "null"]}});
            if let (Some(p), Some(e)) = (props.as_object_mut(), extra.as_object()) {
                p.extend(e.clone());
            }
            json!({"type": "array", "items": {"type": "object", "properties": props, "required": ["attachment_id", "name"]}})
        };
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "item_id": {"type": "string"},
                "change_key": {"type": ["string", "null"], "description": "The email's change key after the delete"},
                "mailbox": {"type": "string"},
                "deleted": entry(json!({})),
                "failed": entry(json!({"error": {"type": "string"}}))
            },
            "required": ["item_id", "change_key", "mailbox", "deleted", "failed"]
        })
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let (mailbox, id, listed) = list(ctx, p)?;
        let chosen = choose(
            &listed.attachments,
            &p.strings("attachment_ids"),
            &p.strings("names"),
        )?;
        let mut item = listed.item.clone();
        let (mut deleted, mut failed) = (Vec::new(), Vec::new());
        if !chosen.is_empty() {
            let ids: Vec<String> = chosen.iter().map(|a| a.id.clone()).collect();
            let results = ctx.mailbox()?.delete_attachments(&mailbox, &ids)?;
            if results.len() != ids.len() {
                return Err(Error::Malformed(format!(
                    "{} results for {} attachments",
                    results.len(),
                    ids.len()
                )));
            }
            for (a, r) in chosen.iter().zip(results) {
                match r {
                    Ok(root) => {
                        // Each delete changes the email: the last key is current.
                        if let Some(root) = root {
                            item = root;
                        }
                        deleted.push(json!({"attachment_id": a.id, "name": a.name}));
                    }
                    Err(e) => failed.push((a, e)),
                }
            }
        }
        if deleted.is_empty() && !failed.is_empty() {
            let (a, e) = failed.remove(0);
            return Err(attachment_failure(
                &id,
                a.name.as_deref().unwrap_or(&a.id),
                e,
            ));
        }
        let failed: Vec<Value> = failed
            .into_iter()
            .map(|(a, e)| json!({"attachment_id": a.id, "name": a.name, "error": e.describe()}))
            .collect();
        super::batch::output(json!({
            "item_id": item.id,
            "change_key": item.change_key,
            "mailbox": mailbox,
            "deleted": deleted,
            "failed": failed,
        }))
    }
}

fn attachment_failure(id: &ItemRef, name: &str, e: crate::mailbox::ItemError) -> Error {
    if e.is_not_found() {
        Error::NotFound(format!(
            "attachment {name:?} of item_id {}: {}",
            id.id,
            e.describe()
        ))
    } else {
        Error::Response(CodeDetail {
            code: e.code,
            text: format!("attachment {name:?} of item_id {}: {}", id.id, e.message),
            message_xml: vec![],
        })
    }
}
