//! GetUserOofSettings: a mailbox's automatic-reply (out of office) settings.
//! messages.xsd: `GetUserOofSettingsRequest` holds one `t:Mailbox`
//! (types.xsd `EmailAddress`: Name?, Address, RoutingType?); the answer is a
//! ResponseMessage, then OofSettings and AllowExternalOof.

use crate::ews::envelope::Xml;
use crate::ews::error::Error;
use crate::ews::response;
use crate::ews::types::Mailbox;
use crate::ews::xml::Element;

pub const NAME: &str = "GetUserOofSettings";

pub use crate::mailbox::OutOfOffice as OofSettings;

pub fn write(x: &mut Xml, mailbox: &Mailbox) {
    x.open("m:GetUserOofSettingsRequest", &[]);
    x.open("t:Mailbox", &[]);
    x.leaf("t:Address", &mailbox.address);
    x.close("t:Mailbox");
    x.close("m:GetUserOofSettingsRequest");
}

pub fn read(answer: &Element) -> Result<OofSettings, Error> {
    if answer.name != "GetUserOofSettingsResponse" {
        return Err(Error::Malformed(format!(
            "expected GetUserOofSettingsResponse, got <{}>",
            answer.name
        )));
    }
    let message = answer.child("ResponseMessage").ok_or_else(|| {
        Error::Malformed("GetUserOofSettingsResponse without ResponseMessage".into())
    })?;
    response::check(message)?;
    let oof = answer
        .child("OofSettings")
        .ok_or_else(|| Error::Malformed("GetUserOofSettingsResponse without OofSettings".into()))?;
    let state = one_of(oof, "OofState", &["Enabled", "Disabled", "Scheduled"])?;
    let external_audience = one_of(oof, "ExternalAudience", &["None", "Known", "All"])?;
    let duration = match oof.child("Duration") {
        Some(d) => Some((datetime(d, "StartTime")?, datetime(d, "EndTime")?)),
        None => None,
    };
    let reply = |name: &str| {
        oof.path(&[name, "Message"])
            .map(|m| m.text.clone())
            .unwrap_or_default()
    };
    Ok(OofSettings {
        state,
        external_audience,
        duration,
        internal_reply: reply("InternalReply"),
        external_reply: reply("ExternalReply"),
        allow_external_oof: answer.child_text("AllowExternalOof").map(str::to_string),
    })
}

fn one_of(parent: &Element, name: &str, allowed: &[&str]) -> Result<String, Error> {
    match parent.child_text(name) {
        Some(v) if allowed.contains(&v) => Ok(v.to_string()),
        Some(v) => Err(Error::Malformed(format!(
            "{name} is {v:?}, expected one of {}",
            allowed.join(", ")
        ))),
        None => Err(Error::Malformed(format!("OofSettings without {name}"))),
    }
}

fn datetime(parent: &Element, name: &str) -> Result<i64, Error> {
    let text = parent.child_text(name).unwrap_or_default();
    crate::time::parse_xs_datetime(text).ok_or_else(|| {
        Error::Malformed(format!(
            "Duration/{name} is {text:?}, expected an xs:dateTime"
        ))
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub mod tests_fixtures {
    pub use super::tests::{NOT_FOUND, SCHEDULED};
}
