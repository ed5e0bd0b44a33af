//! Get Attachments: an email's attachments as files (attached emails as
//! `.eml`), each fetched alone so that one large attachment does not make
//! the answer too large for the others.

use super::params::{param, Checked, Param, Ty};
use super::{email_not_found, About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::{AttachmentInfo, Attachments, ItemRef};
use crate::platform::File;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct GetAttachments;

/// An email and a choice of its attachments: delete-attachments takes the same.
pub static PARAMS: &[Param] = &[
    param("item_id", Ty::ItemId, "The email's item id").required(),
    param(
        "attachment_ids",
        Ty::Strings { max: 512 },
        "Only these attachments (ids as get-attachments returns them)",
    ),
    param(
        "names",
        Ty::Strings { max: 255 },
        "Only attachments with these names",
    ),
    param(
        "mailbox",
        Ty::Email,
        "The mailbox holding it (default: primary_smtp_address)",
    ),
];

impl Action for GetAttachments {
    fn about(&self) -> &'static About {
        &About {
            name: "get-attachments",
            title: "Get Attachments",
            kind: Kind::Enrichment,
            description: "An email's attachments as files (attached emails as .eml), with name, type, size and SHA-256; all of them, or those named by id or name",
        }
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn output_schema(&self) -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "item_id": {"type": "string"},
                "change_key": {"type": ["string", "null"]},
                "attachments": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "attachment_id": {"type": "string"},
                        "name": {"type": ["string", "null"]},
                        "content_type": {"type": ["string", "null"]},
                        "size": {"type": "integer"},
                        "is_inline": {"type": "boolean"},
                        "content_id": {"type": ["string", "null"]},
                        "kind": {"enum": ["file", "item"]},
                        "sha256": {"type": "string"},
                        "file": {"type": "string", "description": "The returned file's name"}
                    },
                    "required": ["attachment_id", "name", "content_type", "size", "is_inline", "content_id", "kind", "sha256", "file"]
                }}
            },
            "required": ["item_id", "change_key", "attachments"]
        })
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let (mailbox, id, listed) = list(ctx, p)?;
        let chosen = choose(
            &listed.attachments,
            &p.strings("attachment_ids"),
            &p.strings("names"),
        )?;
        let mut names = FileNames::default();
        let mut entries = Vec::new();
        let mut files = Vec::new();
        for a in chosen {
            let data = ctx.mailbox()?.attachment(&mailbox, &a.id)?.map_err(|e| {
                Error::NotFound(format!(
                    "attachment {:?} of item_id {}: {}",
                    a.name.as_deref().unwrap_or(&a.id),
                    id.id,
                    e.describe()
                ))
            })?;
            let file = names.claim(a);
            entries.push(json!({
                "attachment_id": a.id,
                "name": a.name,
                "content_type": if a.is_item { Some("message/rfc822".to_string()) } else { a.content_type.clone() },
                "size": data.len(),
                "is_inline": a.inline,
                "content_id": a.content_id,
                "kind": if a.is_item { "item" } else { "file" },
                "sha256": Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect::<String>(),
                "file": file,
            }));
            files.push(File {
                name: file,
                media_type: if a.is_item {
                    "message/rfc822".into()
                } else {
                    a.content_type
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".into())
                },
                data,
            });
        }
        let json = json!({
            "item_id": listed.item.id,
            "change_key": listed.item.change_key,
            "attachments": entries,
        });
        Ok(Output {
            json: json.to_string(),
            files,
        })
    }
}

/// The target mailbox, the email's id as given, and its attachments as
/// listed now (an unknown email is not-found naming it).
pub fn list(ctx: &mut Context, p: &Checked) -> Result<(String, ItemRef, Attachments), Error> {
    let mailbox = ctx.target_mailbox(p)?;
    let id = ItemRef::new(&p.str("item_id").unwrap_or_default());
    let listed = ctx
        .mailbox()?
        .attachments(&mailbox, &id)?
        .map_err(|e| email_not_found(&id, &mailbox, e))?;
    Ok((mailbox, id, listed))
}

/// All attachments, or those named by id or by name; an id or a name that
/// matches none is not-found, naming it and what there is.
pub fn choose<'a>(
    all: &'a [AttachmentInfo],
    ids: &[String],
    names: &[String],
) -> Result<Vec<&'a AttachmentInfo>, Error> {
    if ids.is_empty() && names.is_empty() {
        return Ok(all.iter().collect());
    }
    let listed = || {
        all.iter()
            .map(|a| format!("{:?}", a.name.as_deref().unwrap_or("(no name)")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for id in ids {
        if !all.iter().any(|a| &a.id == id) {
            return Err(Error::NotFound(format!(
                "params.attachment_ids: the email has no attachment {id:?} (it has: {})",
                listed()
            )));
        }
    }
    for name in names {
        if !all.iter().any(|a| a.name.as_deref() == Some(name.as_str())) {
            return Err(Error::NotFound(format!(
                "params.names: the email has no attachment named {name:?} (it has: {})",
                listed()
            )));
        }
    }
    Ok(all
        .iter()
        .filter(|a| ids.contains(&a.id) || a.name.as_ref().is_some_and(|n| names.contains(n)))
        .collect())
}

/// Safe, unique file names for the returned files: the wanted name made
/// safe, made unique by the same rule as the daemon's files.
struct FileNames {
    names: ews_mail::FileNames,
    claimed: usize,
}

impl Default for FileNames {
    fn default() -> Self {
        FileNames {
            names: ews_mail::FileNames::new(),
            claimed: 0,
        }
    }
}

impl FileNames {
    fn claim(&mut self, a: &AttachmentInfo) -> String {
        self.claimed += 1;
        let n = self.claimed;
        let wanted = a
            .name
            .as_deref()
            .map(|name| {
                if a.is_item && !name.to_ascii_lowercase().ends_with(".eml") {
                    format!("{name}.eml")
                } else {
                    name.to_string()
                }
            })
            .and_then(|name| ews_mail::safe_file_name(&name))
            .unwrap_or_else(|| {
                if a.is_item {
                    format!("attached-{n}.eml")
                } else {
                    format!("attachment-{n}")
                }
            });
        self.names.claim(&wanted)
    }
}
