//! What the store reads from a message's MIME, once, when the message is added:
//! the header fields FindItem returns and the Restriction evaluator matches on
//! (RFC 2047 encoded words decoded by mail-parser), the text of the bodies, and
//! the attachments GetItem lists.

use mail_parser::{MessageParser, MimeHeaders as _};

/// One attachment as `t:FileAttachment` / `t:ItemAttachment` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub content_id: Option<String>,
    pub is_inline: bool,
    /// A `message/rfc822` part (an `ItemAttachment`).
    pub is_item: bool,
}

/// The parsed fields of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub subject: String,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    /// `Date:` as seconds since the epoch, when it parses.
    pub sent: Option<i64>,
    pub internet_message_id: Option<String>,
    /// The text and HTML bodies, decoded, concatenated (for `item:Body` Contains).
    pub body_text: String,
    /// `item:Size` as Exchange reports it: the store holds attachments
    /// decoded, so a MIME with base64 attachments is a third larger than this.
    /// (A mock that answered the MIME's length would let a client's size
    /// planning pass here and fail on Exchange.)
    pub store_size: usize,
    /// The first text/plain body alone (`BodyType` Text).
    pub text_body: String,
    /// (name, address) of To, Cc, Bcc and Reply-To.
    pub to: Vec<(Option<String>, String)>,
    pub cc: Vec<(Option<String>, String)>,
    pub bcc: Vec<(Option<String>, String)>,
    pub reply_to: Vec<(Option<String>, String)>,
    /// Every top-level header, (name, raw value), as InternetMessageHeaders lists them.
    pub headers: Vec<(String, String)>,
    pub attachments: Vec<AttachmentInfo>,
}

impl Summary {
    pub fn has_attachments(&self) -> bool {
        self.attachments.iter().any(|a| !a.is_inline)
    }
}

/// Runs a mail-parser parse on a thread with a large stack: it copies a base64
/// attached email recursively, and a chain of thousands of them (the daemon's
/// nesting-guard test sends one) overflows a test thread's 2 MiB, where Exchange
/// itself would just store the email. The stack is only reserved, not used.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(s, f)
            .expect("a thread for parsing MIME")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Reads `mime` (never fails: what cannot be read stays empty).
pub fn summarize(mime: &[u8]) -> Summary {
    on_big_stack(|| summarize_here(mime))
}

fn summarize_here(mime: &[u8]) -> Summary {
    let Some(message) = MessageParser::default().parse(mime) else {
        return Summary::default();
    };
    let from = message.from().and_then(|a| a.first());
    let mut body_text = String::new();
    for i in 0..message.text_body_count() {
        if let Some(t) = message.body_text(i) {
            body_text.push_str(&t);
            body_text.push('\n');
        }
    }
    if let Some(h) = message.body_html(0) {
        body_text.push_str(&h);
    }
    let attachments = message
        .attachments()
        .enumerate()
        .map(|(i, part)| {
            let is_item = part.is_message();
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            let name = part
                .attachment_name()
                .map(str::to_string)
                .or_else(|| {
                    is_item.then(|| {
                        part.message()
                            .and_then(|m| m.subject())
                            .unwrap_or("Untitled")
                            .to_string()
                    })
                })
                .unwrap_or_else(|| format!("attachment{}", i + 1));
            AttachmentInfo {
                name,
                content_type,
                size: part.len(),
                content_id: part
                    .content_id()
                    .map(|c| c.trim_matches(['<', '>']).to_string()),
                is_inline: part.content_disposition().is_some_and(|d| d.is_inline())
                    && part.content_id().is_some(),
                is_item,
            }
        })
        .collect();
    let list = |a: Option<&mail_parser::Address>| -> Vec<(Option<String>, String)> {
        a.map(|a| {
            a.iter()
                .filter_map(|x| Some((x.name().map(str::to_string), x.address()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
    };
    let headers = message
        .headers()
        .iter()
        .map(|h| {
            let raw = mime
                .get(h.offset_start as usize..h.offset_end as usize)
                .map(|b| String::from_utf8_lossy(b).trim().replace("\r\n", ""))
                .unwrap_or_default();
            (h.name.as_str().to_string(), raw)
        })
        .collect();
    let encoding_overhead: usize = message
        .attachments()
        .filter(|p| p.encoding == mail_parser::Encoding::Base64)
        .map(|p| {
            let raw = p.offset_end.saturating_sub(p.offset_body) as usize;
            raw.saturating_sub(p.len())
        })
        .sum();
    Summary {
        store_size: mime.len().saturating_sub(encoding_overhead),
        text_body: message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        to: list(message.to()),
        cc: list(message.cc()),
        bcc: list(message.bcc()),
        reply_to: list(message.reply_to()),
        headers,
        subject: message.subject().unwrap_or_default().to_string(),
        from_name: from.and_then(|a| a.name.as_deref()).map(str::to_string),
        from_address: from.and_then(|a| a.address.as_deref()).map(str::to_string),
        sent: message
            .date()
            .filter(|d| d.is_valid())
            .map(|d| d.to_timestamp()),
        internet_message_id: message.message_id().map(|id| format!("<{id}>")),
        body_text,
        attachments,
    }
}

/// Seconds since the epoch of an `xs:dateTime` / RFC 3339 value.
pub fn parse_datetime(value: &str) -> Option<i64> {
    let value = value.trim();
    // mail-parser wants a zone; EWS allows none (then UTC is meant here).
    let with_zone;
    let v = if value.ends_with('Z') || value[value.len().saturating_sub(6)..].contains(['+', '-']) {
        value
    } else {
        with_zone = format!("{value}Z");
        &with_zone
    };
    mail_parser::DateTime::parse_rfc3339(v)
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp())
}

/// `2026-11-20T10:00:00Z`.
pub fn format_datetime(ts: i64) -> String {
    let d = mail_parser::DateTime::from_timestamp(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year, d.month, d.day, d.hour, d.minute, d.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eml(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/testdata/eml/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn dates_round_trip() {
        let ts = parse_datetime("2026-11-20T10:00:00Z").unwrap();
        assert_eq!(format_datetime(ts), "2026-11-20T10:00:00Z");
        assert_eq!(parse_datetime("2026-11-20T11:00:00+01:00"), Some(ts));
        assert_eq!(parse_datetime("2026-11-20T10:00:00"), Some(ts));
        assert_eq!(parse_datetime("2026-11-20T10:00:00.000Z"), Some(ts));
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn reads_encoded_words_and_attachments() {
        let s = summarize(&eml("encword-iso-2022-jp.eml"));
        assert!(!s.subject.is_ascii() && !s.subject.contains("=?"), "{s:?}");
        let s = summarize(&eml("nested-rfc822.eml"));
        assert!(
            s.has_attachments() && s.attachments.iter().any(|a| a.is_item),
            "{s:?}"
        );
        assert!(s.from_address.is_some() && s.sent.is_some(), "{s:?}");
    }
}
