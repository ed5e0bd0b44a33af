//! Get Out Of Office: a mailbox's automatic-reply settings, through
//! GetUserOofSettings.

use super::{params, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::ews::operations::get_user_oof_settings as op;
use crate::ews::types::Mailbox;
use crate::platform::File;
use crate::time::format_rfc3339_utc;
use serde_json::{json, Map, Value};

pub struct GetOutOfOffice;

impl Action for GetOutOfOffice {
    fn name(&self) -> &'static str {
        "get-out-of-office"
    }
    fn title(&self) -> &'static str {
        "Get Out Of Office"
    }
    fn kind(&self) -> Kind {
        Kind::Enrichment
    }
    fn description(&self) -> &'static str {
        "The automatic-reply (out of office) settings of a mailbox: state, audience, schedule and replies"
    }

    fn params_schema(&self) -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "mailbox": {"type": "string", "format": "email", "description": "The mailbox whose settings to read"}
            },
            "required": ["mailbox"],
            "additionalProperties": false
        })
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

    fn run(
        &self,
        ctx: &mut Context,
        p: &Map<String, Value>,
        _files: Vec<File>,
    ) -> Result<Output, Error> {
        params::only_known(p, &["mailbox"])?;
        let mailbox = Mailbox {
            address: params::required_email(p, "mailbox")?,
        };
        let answer = ctx.client()?.call(op::NAME, |x| op::write(x, &mailbox))?;
        let oof = op::read(&answer).map_err(|e| e.about(&format!("mailbox {}", mailbox.address)))?;
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
