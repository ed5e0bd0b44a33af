//! The MIME tree: which parts are the bodies, which are attachments, and their bytes.
//!
//! mail-parser lists a message's parts flat, in document order (containers before their
//! children), with nested messages as `PartType::Message`. So one loop over `parts` sees
//! every leaf without recursion, whatever the multipart depth.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{HeaderName, Message, MessagePart, MimeHeaders, PartType};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::data::{bytes, hex};
use crate::{fields, names, MailFile};

/// The top level: attachments become files there (nested emails list theirs, no files).
pub struct Top<'a> {
    pub files: &'a mut Vec<MailFile>,
    pub names: names::Names,
}

/// The record fields of `msg`. With `top`, attachments get files and attached emails get a
/// nested record (made without `top`: one level deep, as docs/daemon.md says).
pub fn record(
    msg: &mut Message<'_>,
    mut top: Option<&mut Top<'_>>,
    errors: &mut Vec<String>,
) -> Map<String, Value> {
    // Header offsets index the message's own raw bytes: the input for the top and for
    // unencoded attached emails, the decoded bytes for a base64 message/rfc822.
    let raw = std::mem::take(&mut msg.raw_message);
    let mut out = Map::new();
    let headers = msg
        .parts
        .first()
        .map(|p| &p.headers[..])
        .unwrap_or_default();
    if headers.iter().all(|h| h.name.is_other()) {
        // Only unknown "headers": most likely not an email (random bytes with a colon).
        errors
            .push("no standard header (From, Subject, Date...): probably not an email".to_string());
    }
    out.insert(
        "internet_message_id".into(),
        fields::message_id(headers, &raw),
    );
    let subject = headers
        .iter()
        .find(|h| h.name == HeaderName::Subject)
        .and_then(|h| h.value.as_text())
        .map(str::to_string);
    out.insert("subject".into(), json!(subject));
    fields::address_fields(&mut out, headers);
    out.insert("sent".into(), fields::sent(headers, &raw, errors));
    out.insert("headers".into(), fields::raw_headers(headers, &raw));

    let (mut text, mut html) = (None::<String>, None::<String>);
    let mut attachments = Vec::new();
    for (i, part) in msg.parts.iter_mut().enumerate() {
        let meta = Meta::of(part);
        if part.is_encoding_problem {
            errors.push(format!(
                "part {i} ({}): malformed content, kept undecoded",
                meta.media_type
            ));
        }
        if matches!(part.body, PartType::Multipart(_)) && meta.media_type.starts_with("multipart/")
        {
            continue; // a container; its children follow in `parts`
        }
        if meta.media_type.starts_with("multipart/") {
            // Its boundary never came: the parser kept the content as text.
            errors.push(format!(
                "part {i} ({}): multipart without its boundary",
                meta.media_type
            ));
            if let PartType::Text(t) = &mut part.body {
                if t.trim().is_empty() {
                    continue; // nothing in it (a truncated email)
                }
                if text.is_none() {
                    text = Some(std::mem::take(t).into_owned());
                    continue;
                }
            }
        }
        // A body: the first text/plain (text/html) leaf that is not marked as a file.
        let is_html = meta.media_type == "text/html";
        if (is_html || meta.media_type == "text/plain")
            && !meta.attachment
            && meta.name.is_none()
            && matches!(part.body, PartType::Text(_) | PartType::Html(_))
        {
            let slot = if is_html { &mut html } else { &mut text };
            if slot.is_none() {
                check_charset(part, i, errors);
                if let PartType::Text(t) | PartType::Html(t) = &mut part.body {
                    *slot = Some(std::mem::take(t).into_owned());
                }
                continue;
            }
        }
        attachments.push(attachment(
            part,
            &meta,
            &raw,
            top.as_deref_mut(),
            attachments.len() + 1,
        ));
    }
    out.insert("body".into(), json!({"text": text, "html": html}));
    out.insert("attachments".into(), Value::Array(attachments));
    msg.raw_message = raw;
    out
}

/// What the part's headers say about it.
struct Meta {
    media_type: String,
    attachment: bool,
    inline: bool,
    name: Option<String>,
    content_id: Option<String>,
}

impl Meta {
    fn of(part: &MessagePart<'_>) -> Meta {
        let media_type = match part.content_type() {
            Some(ct) => {
                let sub = ct
                    .subtype()
                    .unwrap_or(if ct.ctype().eq_ignore_ascii_case("text") {
                        "plain"
                    } else {
                        "octet-stream"
                    });
                clean_token(&format!("{}/{}", ct.ctype(), sub))
            }
            // RFC 2045 default, and RFC 2046 5.1.5 inside multipart/digest.
            None if matches!(part.body, PartType::Message(_)) => "message/rfc822".into(),
            None => "text/plain".into(),
        };
        let disp = part
            .content_disposition()
            .map(|d| d.ctype().to_ascii_lowercase());
        let content_id = part.content_id().map(str::to_string);
        Meta {
            attachment: disp.as_deref() == Some("attachment"),
            // Marked inline, or (unmarked) referenced by a Content-ID: an embedded image.
            inline: disp.as_deref() == Some("inline") || (disp.is_none() && content_id.is_some()),
            name: part
                .attachment_name()
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            content_id,
            media_type,
        }
    }
}

/// A media type as a JSON-safe lowercase token (the header is the sender's).
fn clean_token(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(127)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// An error when a body's charset is unknown (the text is then UTF-8, lossily).
fn check_charset(part: &MessagePart<'_>, i: usize, errors: &mut Vec<String>) {
    if let Some(cs) = part.content_type().and_then(|ct| ct.attribute("charset")) {
        let known = charset_decoder(cs.as_bytes()).is_some()
            || ["utf-8", "utf8", "us-ascii", "ascii", ""]
                .iter()
                .any(|k| cs.trim().eq_ignore_ascii_case(k));
        if !known {
            let mut cs = cs.to_string();
            fields::truncate(&mut cs, 64);
            errors.push(format!("part {i}: unknown charset {cs:?}, read as UTF-8"));
        }
    }
}

/// One attachment's record entry; at the top level also its file (and an attached email's record).
fn attachment(
    part: &mut MessagePart<'_>,
    meta: &Meta,
    raw: &[u8],
    top: Option<&mut Top<'_>>,
    n: usize,
) -> Value {
    let is_email = matches!(part.body, PartType::Message(_))
        || meta.media_type.starts_with("message/rfc822")
        || meta.media_type == "message/global";
    let mut entry = Map::new();
    let mut nested_subject = None;
    if let (Some(_), PartType::Message(m)) = (&top, &mut part.body) {
        let rec = nested_record(m);
        nested_subject = rec
            .get("subject")
            .and_then(Value::as_str)
            .map(str::to_string);
        entry.insert("email".into(), Value::Object(rec));
    }
    let data = bytes(part, raw, top.is_some());
    entry.insert("original_name".into(), json!(meta.name));
    entry.insert("media_type".into(), json!(meta.media_type));
    entry.insert("size".into(), json!(data.len()));
    entry.insert("sha256".into(), json!(hex(&Sha256::digest(&data))));
    entry.insert("content_id".into(), json!(meta.content_id));
    entry.insert("inline".into(), json!(meta.inline));
    entry.insert(
        "kind".into(),
        json!(if is_email { "email" } else { "file" }),
    );
    let file = top.map(|top| {
        let name = file_name(
            &mut top.names,
            meta.name.as_deref(),
            nested_subject.filter(|_| is_email),
            is_email,
            &meta.media_type,
            n,
        );
        top.files.push(MailFile {
            name: name.clone(),
            media_type: meta.media_type.clone(),
            data: data.into_owned(),
        });
        name
    });
    entry.insert("file".into(), json!(file));
    Value::Object(entry)
}

/// The file name of the `n`th attachment: its own name made safe, else an attached
/// email's subject, else `attached-n.eml` / `attachment-n.<ext>`; unique in the item.
pub fn file_name(
    names: &mut names::Names,
    original: Option<&str>,
    nested_subject: Option<String>,
    is_email: bool,
    media_type: &str,
    n: usize,
) -> String {
    let wanted = original
        .and_then(names::sanitize)
        .or_else(|| nested_subject.and_then(|s| names::sanitize(&format!("{s}.eml"))))
        .unwrap_or_else(|| match is_email {
            true => format!("attached-{n}.eml"),
            false => format!("attachment-{n}.{}", names::ext_for(media_type)),
        });
    names.claim(&wanted)
}

/// An attached email's record, one level deep (its attachments listed, no files).
pub fn nested_record(msg: &mut Message<'_>) -> Map<String, Value> {
    let mut errors = Vec::new();
    let mut rec = record(msg, None, &mut errors);
    rec.insert("errors".into(), json!(errors));
    rec
}
