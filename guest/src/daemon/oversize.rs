//! An email too large to fetch whole (its MIME, base64 in the answer, would
//! pass MAX_RESPONSE_BYTES) is still delivered, once: a record from its EWS
//! properties (header fields, transport headers, the text body when that
//! fits), each attachment fetched alone where it fits, and an `errors` entry
//! saying what is missing. Refusing it instead would block every email
//! behind it, on every poll.

use super::fetch::{best_case, meta};
use super::record;
use super::Session;
use crate::ews::error::Error;
use crate::mailbox::{AttachmentInfo, FoundItem, ItemError, MailItem};
use crate::platform::{File, Level, MAX_RESPONSE_BYTES};
use ews_mail::{PieceMeta, Pieces};
use serde_json::Value;

pub fn fetch(s: &mut Session, id: &str, found: &FoundItem) -> Result<(Value, Vec<File>), Error> {
    let size = found.size.unwrap_or(0);
    s.log(
        Level::Warn,
        &format!(
            "{id}: {size} bytes is too large to fetch whole: fetching its properties and attachments one by one"
        ),
    );
    let mut errors = vec![format!(
        "too large to fetch whole ({size} bytes; one answer may hold {} MiB): no message.eml; \
         the record is built from Exchange's properties and each attachment that fits",
        MAX_RESPONSE_BYTES / (1024 * 1024)
    )];
    let item = match metadata(s, found, true) {
        Err(e) if e.is_too_large() => {
            errors.push("the body is too large to fetch: left out".into());
            metadata(s, found, false)?
        }
        other => other?,
    };
    let item = match item {
        Ok(item) => item,
        Err(d) => {
            let (json, files) = record::build(&meta(s, id), found, Err(d));
            return Ok((merge_errors(json, errors), files));
        }
    };
    let details = item.details.clone().unwrap_or_default();
    let mut pieces = Pieces::new();
    for a in &details.attachments {
        attachment(s, a, &mut pieces, &mut errors)?;
    }
    Ok(record::from_details(
        &meta(s, id),
        found,
        &item,
        &details,
        pieces,
        errors,
    ))
}

fn metadata(
    s: &mut Session,
    found: &FoundItem,
    body: bool,
) -> Result<Result<MailItem, ItemError>, Error> {
    let mailbox = s.mailbox.clone();
    s.server.details(&mailbox, &found.id, body)
}

/// One attachment: its bytes when they fit in an answer, else listed with no file.
fn attachment(
    s: &mut Session,
    a: &AttachmentInfo,
    pieces: &mut Pieces,
    errors: &mut Vec<String>,
) -> Result<(), Error> {
    let meta = PieceMeta {
        original_name: a.name.clone(),
        media_type: if a.is_item {
            "message/rfc822".into()
        } else {
            a.content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase()
        },
        content_id: a.content_id.clone(),
        inline: a.inline,
        is_email: a.is_item,
    };
    let label = a.name.as_deref().unwrap_or("(no name)");
    let too_large = || {
        format!(
            "attachment {label:?} ({} bytes) is too large to fetch: left out",
            a.size.unwrap_or(0)
        )
    };
    if best_case(a.size.unwrap_or(0)) > MAX_RESPONSE_BYTES as u64 {
        errors.push(too_large());
        pieces.missing(&meta, a.size);
        return Ok(());
    }
    let mailbox = s.mailbox.clone();
    let got = match s.server.attachment(&mailbox, &a.id) {
        Err(e) if e.is_too_large() => {
            errors.push(too_large());
            pieces.missing(&meta, a.size);
            return Ok(());
        }
        other => other?,
    };
    match got {
        Ok(data) => pieces.add(&meta, data),
        Err(d) => {
            errors.push(format!(
                "attachment {label:?}: {}",
                record::item_error("fetching it", &d)
            ));
            pieces.missing(&meta, a.size);
        }
    }
    Ok(())
}

/// The record's `errors` with `first` before what the record itself found.
fn merge_errors(mut json: Value, mut first: Vec<String>) -> Value {
    if let Some(Value::Array(rest)) = json.get_mut("errors") {
        first.extend(
            rest.drain(..)
                .filter_map(|v| v.as_str().map(str::to_string)),
        );
    }
    json["errors"] = serde_json::json!(first);
    json
}
