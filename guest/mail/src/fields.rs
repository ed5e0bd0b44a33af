//! Header-derived fields: the raw header list, addresses, the Date, the Message-ID.

use std::borrow::Cow;

use mail_parser::{Addr, DateTime, Header, HeaderName, HeaderValue};
use serde_json::{json, Map, Value};

/// Every header, in order, as on the wire but unfolded (RFC 5322 2.2.3: a CRLF followed by
/// white space is removed, the white space kept). Not decoded: analysts want the bytes the
/// sender chose (encoded words, odd charsets); non-UTF-8 bytes become U+FFFD, the exact
/// bytes stay in message.eml.
pub fn raw_headers(headers: &[Header<'_>], raw: &[u8]) -> Value {
    // An mbox envelope line (`From sender date`, no colon after the name) is no header:
    // EWS never sends one, but saved .eml files and attached emails have them.
    let mbox = headers
        .first()
        .is_some_and(|h| h.name.as_str().starts_with("From "));
    let list = headers
        .iter()
        .skip(usize::from(mbox))
        .map(|h| json!({"name": raw_name(h, raw), "value": raw_value(h, raw)}))
        .collect();
    Value::Array(list)
}

/// The name as written (the parser gives known names in canonical case; `SUBJECT` is a
/// spam tell worth keeping).
fn raw_name<'h>(h: &'h Header<'_>, raw: &'h [u8]) -> Cow<'h, str> {
    raw.get(h.offset_field as usize..h.offset_start as usize)
        .and_then(|b| b.split(|&c| c == b':').next())
        .map(|b| String::from_utf8_lossy(b.trim_ascii()))
        .filter(|n| !n.is_empty())
        .unwrap_or(Cow::Borrowed(h.name.as_str()))
}

/// One header's raw value, unfolded, without the white space after the colon.
pub fn raw_value(h: &Header<'_>, raw: &[u8]) -> String {
    let bytes = raw
        .get(h.offset_start as usize..h.offset_end as usize)
        .unwrap_or_default();
    let unfolded: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    String::from_utf8_lossy(&unfolded).trim().to_string()
}

/// All addresses of every header named `name` (a header may repeat; groups are flattened,
/// an empty group such as `undisclosed-recipients:;` adds nothing).
pub fn addresses(headers: &[Header<'_>], name: &HeaderName<'_>) -> Vec<Value> {
    headers
        .iter()
        .filter(|h| &h.name == name)
        .filter_map(|h| h.value.as_address())
        .flat_map(|a| a.iter())
        .map(addr_json)
        .collect()
}

fn addr_json(a: &Addr<'_>) -> Value {
    json!({"name": a.name.as_deref(), "address": a.address.as_deref()})
}

/// Fills from, sender, to, cc, bcc, reply_to.
pub fn address_fields(out: &mut Map<String, Value>, headers: &[Header<'_>]) {
    let from = addresses(headers, &HeaderName::From)
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    // Without a Sender header, the sender is the author: what EWS reports in Item/Sender too.
    // The raw headers still tell whether there was a distinct Sender.
    let sender = addresses(headers, &HeaderName::Sender)
        .into_iter()
        .next()
        .unwrap_or_else(|| from.clone());
    out.insert("from".into(), from);
    out.insert("sender".into(), sender);
    for (key, name) in [
        ("to", HeaderName::To),
        ("cc", HeaderName::Cc),
        ("bcc", HeaderName::Bcc),
        ("reply_to", HeaderName::ReplyTo),
    ] {
        out.insert(key.into(), Value::Array(addresses(headers, &name)));
    }
}

/// The Message-ID with its angle brackets, as EWS's InternetMessageId has them.
pub fn message_id(headers: &[Header<'_>], raw: &[u8]) -> Value {
    let Some(h) = headers.iter().find(|h| h.name == HeaderName::MessageId) else {
        return Value::Null;
    };
    match &h.value {
        HeaderValue::Text(id) if !id.is_empty() => Value::String(format!("<{id}>")),
        HeaderValue::TextList(ids) if !ids.is_empty() => Value::String(format!("<{}>", ids[0])),
        _ => {
            // Not an id the parser understood: keep what the sender wrote.
            let v = raw_value(h, raw);
            if v.is_empty() {
                Value::Null
            } else {
                Value::String(v)
            }
        }
    }
}

/// The Date header as RFC 3339 UTC; `null` (and an error) when present but unreadable.
pub fn sent(headers: &[Header<'_>], raw: &[u8], errors: &mut Vec<String>) -> Value {
    let Some(h) = headers.iter().find(|h| h.name == HeaderName::Date) else {
        return Value::Null;
    };
    match h.value.as_datetime() {
        Some(dt) if valid(dt) => {
            Value::String(DateTime::from_timestamp(dt.to_timestamp()).to_rfc3339())
        }
        _ => {
            let mut v = raw_value(h, raw);
            truncate(&mut v, 200);
            errors.push(format!("unparsable Date header: {v:?}"));
            Value::Null
        }
    }
}

/// mail-parser's range checks (years 1900-3000: a date outside is a forgery or a bug, and
/// `sent` is used to sort and filter) plus the day within its month.
fn valid(dt: &DateTime) -> bool {
    let leap = dt.year.is_multiple_of(4) && (!dt.year.is_multiple_of(100) || dt.year.is_multiple_of(400));
    let days = match dt.month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    dt.is_valid() && dt.day <= days
}

/// Cuts `s` to at most `max` bytes on a character boundary (for error messages).
pub fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
}
