//! Download Mail As EML: one email's MIME, byte for byte as the server holds
//! it (evidence: no line ending or header is rewritten), as a `.eml` file.

use super::params::{param, Checked, Param, Ty};
use super::{email_not_found, About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::ItemRef;
use crate::platform::File;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct DownloadMailAsEml;

impl Action for DownloadMailAsEml {
    fn about(&self) -> &'static About {
        &About {
            name: "download-mail-as-eml",
            title: "Download Mail As EML",
            kind: Kind::Enrichment,
            description: "One email as an .eml file, byte for byte the MIME content Exchange holds, with its subject, sender, message id, size and SHA-256. With api = graph the MIME is the one Graph generates from the stored email (/$value): the same message, not necessarily the same bytes",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            param("item_id", Ty::ItemId, "The email's item id").required(),
            param(
                "mailbox",
                Ty::Email,
                "The mailbox holding it (default: primary_smtp_address)",
            ),
        ];
        P
    }

    fn output_schema(&self) -> Value {
        let address = json!({"type": ["object", "null"], "properties": {"name": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]}}});
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "item_id": {"type": "string"},
                "change_key": {"type": ["string", "null"]},
                "mailbox": {"type": "string"},
                "subject": {"type": ["string", "null"]},
                "from": address,
                "message_id": {"type": ["string", "null"]},
                "size": {"type": "integer"},
                "sha256": {"type": "string"},
                "file": {"type": "string", "description": "The returned .eml file's name"}
            },
            "required": ["item_id", "change_key", "mailbox", "subject", "from", "message_id", "size", "sha256", "file"]
        })
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let mailbox = ctx.target_mailbox(p)?;
        let id = ItemRef::new(&p.str("item_id").unwrap_or_default());
        let got = ctx
            .mailbox()?
            .mime(&mailbox, std::slice::from_ref(&id))?
            .pop()
            .ok_or_else(|| Error::Malformed("no answer for the item".into()))?;
        let mut item = got.map_err(|e| email_not_found(&id, &mailbox, e))?;
        let mime = std::mem::replace(&mut item.mime, Ok(vec![])).map_err(|why| {
            Error::Response(crate::ews::error::CodeDetail {
                code: "ErrorMimeContentConversionFailed".into(),
                text: format!("item_id {}: {why}", id.id),
                message_xml: vec![],
            })
        })?;
        let head = ews_mail::headline(&mime);
        let subject = head
            .get("subject")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(item.subject.clone());
        let file = subject
            .as_deref()
            .and_then(|s| ews_mail::safe_file_name(&format!("{s}.eml")))
            .unwrap_or_else(|| "message.eml".into());
        let sha256: String = Sha256::digest(&mime)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let message_id = head
            .get("internet_message_id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(item.internet_message_id.clone());
        let json = json!({
            "item_id": item.id.id,
            "change_key": item.id.change_key,
            "mailbox": mailbox,
            "subject": subject,
            "from": head.get("from").cloned().unwrap_or(Value::Null),
            "message_id": message_id,
            "size": mime.len(),
            "sha256": sha256,
            "file": file,
        });
        Ok(Output {
            json: json.to_string(),
            files: vec![File {
                name: file,
                media_type: "message/rfc822".into(),
                data: mime,
            }],
        })
    }
}
