//! `GET /users/{u}/mailboxSettings/automaticRepliesSetting`: the
//! out-of-office settings, named as EWS names them.

use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::error::Call;
use crate::graph::types::{AutomaticRepliesSetting, DateTimeTimeZone};
use crate::mailbox::OutOfOffice;
use crate::time::parse_rfc3339;

pub fn out_of_office(client: &mut GraphClient, of: &str) -> Result<OutOfOffice, Error> {
    let call = Call {
        what: "read the automatic-reply settings",
        permission: "MailboxSettings.Read",
        mailbox: of,
    };
    let url = format!(
        "{}/mailboxSettings/automaticRepliesSetting",
        GraphClient::user(of)
    );
    let s: AutomaticRepliesSetting = client.json(
        &call,
        Req::get(url).header("Prefer", "outlook.timezone=\"UTC\""),
    )?;
    let state = match s.status.as_deref().unwrap_or("disabled") {
        "alwaysEnabled" => "Enabled",
        "scheduled" => "Scheduled",
        _ => "Disabled",
    };
    let external_audience = match s.external_audience.as_deref().unwrap_or("none") {
        "contactsOnly" => "Known",
        "all" => "All",
        _ => "None",
    };
    let duration = match (&s.scheduled_start_date_time, &s.scheduled_end_date_time) {
        (Some(a), Some(b)) => utc(a).zip(utc(b)),
        _ => None,
    };
    Ok(OutOfOffice {
        state: state.into(),
        external_audience: external_audience.into(),
        duration,
        internal_reply: s.internal_reply_message.unwrap_or_default(),
        external_reply: s.external_reply_message.unwrap_or_default(),
        allow_external_oof: None,
    })
}

/// A dateTimeTimeZone in UTC (asked for with `Prefer: outlook.timezone`);
/// another zone is not guessed at.
fn utc(t: &DateTimeTimeZone) -> Option<i64> {
    let zone = t.time_zone.as_deref().unwrap_or("UTC");
    if !zone.eq_ignore_ascii_case("UTC") {
        return None;
    }
    let s = t.date_time.trim().trim_end_matches('Z');
    parse_rfc3339(&format!("{s}Z"))
}
