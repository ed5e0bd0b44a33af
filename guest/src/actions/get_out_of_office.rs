//! Get Out Of Office: a mailbox's automatic-reply settings, through
//! GetUserOofSettings.

use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::ews::operations::get_user_oof_settings as op;
use crate::ews::types::Mailbox;
use crate::platform::File;
use crate::time::format_rfc3339_utc;
use serde_json::{json, Value};

pub struct GetOutOfOffice;

impl Action for GetOutOfOffice {
    fn about(&self) -> &'static About {
        &About {
            name: "get-out-of-office",
            title: "Get Out Of Office",
            kind: Kind::Enrichment,
            description: "The automatic-reply (out of office) settings of a mailbox: state, audience, schedule and replies",
        }
    }

    fn params(&self) -> &'static [Param] {
        static P: &[Param] =
            &[param("mailbox", Ty::Email, "The mailbox whose settings to read").required()];
        P
    }

    fn output_schema(&self) -> Value {
        let text = json!({"type": "string"});
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "mailbox": {"type": "string", "format": "email"},
                "state": {"enum": ["Enabled", "Disabled", "Scheduled"]},
                "external_audience": {"enum": ["None", "Known", "All"]},
                "schedule": {
                    "description": "The window when state is Scheduled, in UTC; null otherwise",
                    "oneOf": [
                        {"type": "null"},
                        {"type": "object",
                         "properties": {"start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"}},
                         "required": ["start", "end"]}
                    ]
                },
                "internal_reply": text,
                "external_reply": text,
                "allow_external_oof": {"description": "What the organization allows: None, Known or All", "type": ["string", "null"]}
            },
            "required": ["mailbox", "state", "external_audience", "schedule", "internal_reply", "external_reply", "allow_external_oof"]
        })
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let mailbox = Mailbox {
            address: p.str("mailbox").unwrap_or_default(),
        };
        let primary = ctx.primary_mailbox()?;
        let oof = ctx.mailbox()?.out_of_office(&primary, &mailbox.address)?;
        Ok(Output {
            json: output(&mailbox, &oof).to_string(),
            files: vec![],
        })
    }
}

fn output(mailbox: &Mailbox, oof: &op::OofSettings) -> Value {
    let schedule = match oof.duration {
        Some((start, end)) if oof.state == "Scheduled" => {
            json!({"start": format_rfc3339_utc(start), "end": format_rfc3339_utc(end)})
        }
        _ => Value::Null,
    };
    json!({
        "mailbox": mailbox.address,
        "state": oof.state,
        "external_audience": oof.external_audience,
        "schedule": schedule,
        "internal_reply": oof.internal_reply,
        "external_reply": oof.external_reply,
        "allow_external_oof": oof.allow_external_oof,
    })
}
