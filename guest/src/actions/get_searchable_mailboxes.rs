//! Get Searchable Mailboxes: the mailboxes an eDiscovery search may cover,
//! for an analyst who needs to know which mailboxes exist before searching
//! them. Needs the Discovery Management role.

use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::platform::File;
use serde_json::{json, Value};

pub struct GetSearchableMailboxes;

impl Action for GetSearchableMailboxes {
    fn about(&self) -> &'static About {
        &About {
            name: "get-searchable-mailboxes",
            title: "Get Searchable Mailboxes",
            kind: Kind::Enrichment,
            description: "The mailboxes an eDiscovery search may cover (GetSearchableMailboxes), optionally filtered by name or address; needs the Discovery Management role. With api = graph (no eDiscovery mailbox list in v1.0): the directory's users with a mailbox (GET /users, User.Read.All), the filter matching the start of the name or address; guid is the user's object id",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] = &[
            param(
                "search_filter",
                Ty::Text {
                    max: 255,
                    line: true,
                },
                "Only mailboxes whose name or address contains this",
            ),
            param(
                "expand_group_membership",
                Ty::Bool,
                "List the members of distribution groups instead of the groups",
            )
            .default("false"),
        ];
        P
    }

    fn output_schema(&self) -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "mailboxes": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "guid": {"type": "string"},
                        "primary_smtp_address": {"type": "string"},
                        "display_name": {"type": "string"},
                        "is_external": {"type": "boolean"},
                        "external_email_address": {"type": ["string", "null"]},
                        "is_membership_group": {"type": "boolean"},
                        "reference_id": {"type": "string"}
                    },
                    "required": ["guid", "primary_smtp_address", "display_name", "is_external", "reference_id"]
                }}
            },
            "required": ["mailboxes"]
        })
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let primary = ctx.primary_mailbox()?;
        let filter = p.str("search_filter").filter(|f| !f.is_empty());
        let expand = p.bool("expand_group_membership").unwrap_or(false);
        let list = ctx
            .mailbox()?
            .searchable_mailboxes(&primary, filter.as_deref(), expand)?;
        let mailboxes: Vec<Value> = list
            .iter()
            .map(|m| {
                json!({
                    "guid": m.guid,
                    "primary_smtp_address": m.primary_smtp_address,
                    "display_name": m.display_name,
                    "is_external": m.is_external,
                    "external_email_address": m.external_email_address,
                    "is_membership_group": m.is_membership_group,
                    "reference_id": m.reference_id,
                })
            })
            .collect();
        Ok(Output {
            json: json!({"mailboxes": mailboxes}).to_string(),
            files: vec![],
        })
    }
}
