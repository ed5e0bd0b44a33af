//! MIME to record (see docs/daemon.md, "The record").
//!
//! [`parse_email`] turns an email's MIME, as EWS GetItem's MimeContent gives it, into the
//! MIME-derived part of the daemon's record and the item's files. It is a pure function
//! (no clock, randomness or I/O) so that it builds for wasm32-unknown-unknown and so that
//! the same email always gives the same record and file names (the sinks are idempotent).
//! It never panics: an email that cannot be read is still delivered, with `errors`.

mod data;
mod fields;
mod guard;
mod names;
mod parts;
mod pieces;

use mail_parser::MessageParser;
use serde_json::{json, Map, Value};

pub use names::MAX_CHARS as MAX_NAME_CHARS;
pub use names::Names as FileNames;
pub use pieces::{PieceMeta, Pieces};

/// The name of the raw MIME file, always present (the record's `eml`).
pub const EML_FILE: &str = "message.eml";

/// The MIME-derived part of one record, and the item's files.
#[derive(Debug, Clone, PartialEq)]
pub struct MailRecord {
    /// internet_message_id, subject, from, sender, to, cc, bcc, reply_to, sent, headers,
    /// body, attachments, eml, errors. The EWS metadata (id, item_id, received...) is not here.
    pub json: Map<String, Value>,
    /// `message.eml` first, then one file per top-level attachment, in attachment order.
    pub files: Vec<MailFile>,
    /// What could not be read; the same strings as `json["errors"]`.
    pub errors: Vec<String>,
}

/// A file of the item; `name` is safe and unique within the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    pub name: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

/// Parses one email. Never panics; whatever the input, `files[0]` is `message.eml` with
/// the input bytes untouched (no line-ending or header rewriting: it is evidence).
pub fn parse_email(mime: &[u8]) -> MailRecord {
    let mut rec = parse(mime);
    rec.files[0].data = mime.to_vec();
    rec
}

/// [`parse_email`] on bytes it may keep: they become `message.eml` without a copy, so a
/// large email is held once, not twice.
pub fn parse_email_owned(mime: Vec<u8>) -> MailRecord {
    let mut rec = parse(&mime);
    rec.files[0].data = mime;
    rec
}

/// The record, with `files[0]` (message.eml) still empty: the callers fill it.
fn parse(mime: &[u8]) -> MailRecord {
    let eml = MailFile {
        name: EML_FILE.to_string(),
        media_type: "message/rfc822".to_string(),
        data: Vec::new(),
    };
    let mut files = vec![eml];
    let mut errors = Vec::new();
    let parser = if guard::too_deep(mime) {
        errors
            .push("attached emails nested too deep: transfer encodings left undecoded".to_string());
        guard::safe_parser()
    } else {
        MessageParser::default()
    };
    let mut json = match parser.parse(mime) {
        Some(mut msg) => {
            let mut top = parts::Top {
                files: &mut files,
                names: names::Names::new(),
            };
            let json = parts::record(&mut msg, Some(&mut top), &mut errors);
            data::dismantle(msg);
            json
        }
        None => not_an_email(mime, &mut errors),
    };
    if mime.is_empty() {
        errors.push("empty message".to_string());
    }
    json.insert("eml".into(), Value::String(EML_FILE.into()));
    json.insert("errors".into(), json!(errors));
    MailRecord {
        json,
        files,
        errors,
    }
}

/// The header fields of an email without its parts: `subject`, `from`,
/// `sender`, `to`, `cc`, `bcc`, `reply_to`, `internet_message_id`, `sent`, as
/// the record has them. Cheap on a large email: the body is not parsed.
pub fn headline(mime: &[u8]) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(msg) = MessageParser::default().parse_headers(mime) else {
        return out;
    };
    let headers = msg.parts.first().map(|p| &p.headers[..]).unwrap_or_default();
    out.insert("internet_message_id".into(), fields::message_id(headers, mime));
    let subject = headers
        .iter()
        .find(|h| h.name == mail_parser::HeaderName::Subject)
        .and_then(|h| h.value.as_text())
        .map(str::to_string);
    out.insert("subject".into(), json!(subject));
    fields::address_fields(&mut out, headers);
    out.insert("sent".into(), fields::sent(headers, mime, &mut Vec::new()));
    out
}

/// A name safe to write to disk for `raw` (see `names`), or `None` when
/// nothing usable remains of it.
pub fn safe_file_name(raw: &str) -> Option<String> {
    names::sanitize(raw)
}

/// No header at all: the fields are empty, the bytes (read as UTF-8, lossily) are the text,
/// so that a keyword search still sees them; message.eml keeps them exactly.
fn not_an_email(mime: &[u8], errors: &mut Vec<String>) -> Map<String, Value> {
    errors.push("no message header found: not an email, kept as message.eml".to_string());
    let text = (!mime.is_empty()).then(|| String::from_utf8_lossy(mime).into_owned());
    let mut json = Map::new();
    for key in ["internet_message_id", "subject", "from", "sender", "sent"] {
        json.insert(key.into(), Value::Null);
    }
    for key in ["to", "cc", "bcc", "reply_to", "headers", "attachments"] {
        json.insert(key.into(), Value::Array(Vec::new()));
    }
    json.insert("body".into(), json!({"text": text, "html": null}));
    json
}
