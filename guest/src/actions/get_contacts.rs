//! Get Contacts: a page of a mailbox's contacts, for an analyst checking
//! whether a sender is someone the victim knows. No contacts is a result
//! ("No contacts found"), not an error.

use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::platform::File;
use serde_json::{json, Value};

pub struct GetContacts;

impl Action for GetContacts {
    fn about(&self) -> &'static About {
        &About {
            name: "get-contacts",
            title: "Get Contacts",
            kind: Kind::Enrichment,
            description: "A page of the contacts in a mailbox's Contacts folder, by display name, with their email addresses and phone numbers",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            param("limit", Ty::Int { min: 1, max: 1000 }, "Contacts per page").default("100"),
            param(
                "offset",
                Ty::Int {
                    min: 0,
                    max: 1_000_000,
                },
                "Contacts to skip",
            )
            .default("0"),
            param(
                "mailbox",
                Ty::Email,
                "Whose contacts (default: primary_smtp_address)",
            ),
        ];
        P
    }

    fn output_schema(&self) -> Value {
        let text = json!({"type": ["string", "null"]});
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "contacts": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "item_id": {"type": "string"}, "change_key": text,
                        "display_name": text, "given_name": text, "surname": text,
                        "email_addresses": {"type": "array", "items": {"type": "string"}},
                        "phones": {"type": "array", "items": {"type": "object", "properties": {"kind": {"type": "string"}, "number": {"type": "string"}}}},
                        "company": text, "job_title": text
                    },
                    "required": ["item_id", "display_name", "given_name", "surname", "email_addresses", "phones", "company", "job_title"]
                }},
                "total": {"type": "integer"},
                "more": {"type": "boolean"},
                "message": {"type": "string", "description": "\"No contacts found\" when there are none"}
            },
            "required": ["contacts", "total", "more"]
        })
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let mailbox = ctx.target_mailbox(p)?;
        let offset = p.int("offset").unwrap_or(0) as u32;
        let limit = p.int("limit").unwrap_or(100) as u32;
        let (list, total) = ctx.mailbox()?.contacts(&mailbox, offset, limit)?;
        let contacts: Vec<Value> = list
            .iter()
            .map(|c| {
                json!({
                    "item_id": c.item.id, "change_key": c.item.change_key,
                    "display_name": c.display_name, "given_name": c.given_name, "surname": c.surname,
                    "email_addresses": c.emails,
                    "phones": c.phones.iter().map(|(kind, number)| json!({"kind": kind, "number": number})).collect::<Vec<_>>(),
                    "company": c.company, "job_title": c.job_title,
                })
            })
            .collect();
        let more = u64::from(offset) + (list.len() as u64) < total;
        let mut out = json!({"contacts": contacts, "total": total, "more": more});
        if list.is_empty() {
            out["message"] = json!("No contacts found");
        }
        Ok(Output {
            json: out.to_string(),
            files: vec![],
        })
    }
}
