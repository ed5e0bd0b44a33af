//! A guard against one stack overflow in mail-parser.
//!
//! mail-parser walks unencoded nesting iteratively, but an attached email in base64 or
//! quoted-printable is decoded, parsed, and then copied with a recursive `into_owned`: a
//! chain of thousands of emails inside one base64 part overflows the stack (wasm32's is
//! 1 MiB) and aborts the guest, which would bring the whole poll down. Before the real
//! parse, [`too_deep`] looks into such parts (with a parser that decodes nothing, so is
//! safe itself) and counts what could nest there.

use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
use mail_parser::{HeaderName, MessageParser, MimeHeaders, PartType};

/// The most nesting tokens allowed inside one encoded attached email: real forwards nest a
/// handful; the recursion it bounds stays far below 1 MiB.
const MAX_TOKENS: usize = 100;
/// mail-parser decodes and parses encoded attached emails three levels deep.
const ENCODED_LEVELS: usize = 3;

/// Whether parsing `raw` normally could recurse too deep.
pub fn too_deep(raw: &[u8]) -> bool {
    check(raw, ENCODED_LEVELS)
}

/// Tokens that can make a part a nested message (a digest's parts are messages by default).
/// Every email passes through here whole, so the scan looks at one byte per position and
/// compares a token only where its first letter stands (it was half of the daemon's CPU).
fn tokens(raw: &[u8]) -> usize {
    let at = |i: usize, t: &[u8]| {
        raw.get(i..i + t.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(t))
    };
    let mut n = 0;
    for (i, &b) in raw.iter().enumerate() {
        // ASCII letters fold to lower case with 0x20; other bytes that land
        // on `m` or `d` only cost the comparison.
        n += match b | 0x20 {
            b'm' => usize::from(at(i, b"message/")),
            b'd' => usize::from(at(i, b"digest")),
            _ => 0,
        };
    }
    n
}

/// A parser that leaves transfer encodings alone: nothing gets decoded, so nothing gets
/// parsed twice or copied recursively. Used for the check, and for emails that fail it.
pub fn safe_parser() -> MessageParser {
    MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .with_message_ids()
        .header_text(HeaderName::Subject)
        .ignore_header(HeaderName::ContentTransferEncoding)
}

fn check(raw: &[u8], levels: usize) -> bool {
    if levels == 0 || tokens(raw) == 0 {
        return false;
    }
    let Some(msg) = safe_parser().parse(raw) else {
        return false;
    };
    // Without transfer decoding every nested message is read in place: all offsets index `raw`.
    let mut stack = vec![msg];
    let mut risky = false;
    while let Some(mut m) = stack.pop() {
        for part in m.parts.drain(..) {
            let is_message = matches!(part.body, PartType::Message(_))
                || part
                    .content_type()
                    .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("message"));
            if is_message && !risky {
                let head = raw
                    .get(part.offset_header as usize..part.offset_body as usize)
                    .unwrap_or_default();
                let body = raw
                    .get(part.offset_body as usize..part.offset_end as usize)
                    .unwrap_or_default();
                let decoded = match transfer_encoding(head) {
                    Some(Enc::Base64) => base64_decode(body),
                    Some(Enc::Qp) => quoted_printable_decode(body),
                    None => None,
                };
                if let Some(d) = decoded {
                    risky = tokens(&d) > MAX_TOKENS || check(&d, levels - 1);
                }
            }
            if let PartType::Message(inner) = part.body {
                stack.push(inner);
            }
        }
    }
    risky
}

enum Enc {
    Base64,
    Qp,
}

/// The Content-Transfer-Encoding in a raw header block, if base64 or quoted-printable.
fn transfer_encoding(head: &[u8]) -> Option<Enc> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = text.find("content-transfer-encoding")?;
    let value = text[at..].split_once(':')?.1.trim_start();
    if value.starts_with("base64") {
        Some(Enc::Base64)
    } else if value.starts_with("quoted-printable") {
        Some(Enc::Qp)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plain(raw: &[u8]) -> usize {
        (0..raw.len())
            .filter(|&i| {
                [&b"message/"[..], b"digest"]
                    .iter()
                    .any(|t| raw.get(i..i + t.len()).is_some_and(|w| w.eq_ignore_ascii_case(t)))
            })
            .count()
    }

    #[test]
    fn counts_tokens_in_any_case() {
        assert_eq!(
            tokens(b"Message/rfc822 DIGEST digest message/ mESSAGE/ messag"),
            5
        );
        assert_eq!(tokens(b""), 0);
    }

    proptest! {
        #[test]
        fn prop_the_fast_scan_counts_what_the_plain_one_does(
            raw in proptest::collection::vec(
                prop::sample::select(b"mMdDeEsSaAgGiIt/ -\r\nx\x4d\x6d\xcd\xed".to_vec()),
                0..400,
            )
        ) {
            prop_assert_eq!(tokens(&raw), plain(&raw));
        }
    }
}
