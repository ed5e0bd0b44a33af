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
/// Every email passes through here whole, mostly base64, so the scan looks at 16 positions
/// at a time for a token's first two letters ([`pairs`]), and compares whole tokens only
/// where such a pair stands (the scan was half of the daemon's CPU once, and a tenth still
/// when it went byte by byte).
fn tokens(raw: &[u8]) -> usize {
    let at = |i: usize, t: &[u8]| {
        raw.get(i..i + t.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(t))
    };
    let token_at = |i: usize| usize::from(at(i, b"message/") || at(i, b"digest"));
    let mut n = 0;
    let mut i = 0;
    while let Some(block) = raw.get(i..).and_then(|r| r.first_chunk::<{ LANES + 1 }>()) {
        let mut found = pairs(block);
        while found != 0 {
            n += token_at(i + found.trailing_zeros() as usize);
            found &= found - 1;
        }
        i += LANES;
    }
    n + (i..raw.len()).map(token_at).sum::<usize>()
}

const LANES: usize = 16;

/// Bit j set where `block[j..j + 2]` is `me` or `di` in any case. ASCII letters fold to
/// lower case with 0x20; other bytes that land on those letters only cost a comparison.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn pairs(block: &[u8; LANES + 1]) -> u16 {
    let mut found = 0u16;
    for j in 0..LANES {
        let (a, b) = (block[j] | 0x20, block[j + 1] | 0x20);
        let pair = (a == b'm') & (b == b'e') | (a == b'd') & (b == b'i');
        found |= u16::from(pair) << j;
    }
    found
}

/// [`pairs`] in wasm SIMD, written out because the component is optimised for size and
/// the compiler does not vectorise the loop then. Only the component runs it: the e2e test
/// `a_chain_of_attached_emails_too_deep_to_parse_arrives_with_an_error` traps without it.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn pairs(block: &[u8; LANES + 1]) -> u16 {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_and, v128_or};
    let load = |at: usize| -> v128 {
        let bytes: [u8; LANES] = std::array::from_fn(|j| block[at + j]);
        // SAFETY: v128 is 16 plain bytes; any bit pattern is a valid value.
        unsafe { std::mem::transmute::<[u8; LANES], v128>(bytes) }
    };
    let fold = u8x16_splat(0x20);
    let (a, b) = (v128_or(load(0), fold), v128_or(load(1), fold));
    let is = |v: v128, c: u8| u8x16_eq(v, u8x16_splat(c));
    u8x16_bitmask(v128_or(
        v128_and(is(a, b'm'), is(b, b'e')),
        v128_and(is(a, b'd'), is(b, b'i')),
    ))
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
                    // Inside a multipart the part's end runs on over the closing
                    // delimiter; base64 has no `-`, so the text stops at the first one.
                    Some(Enc::Base64) => base64_decode(
                        &body[..body.iter().position(|&b| b == b'-').unwrap_or(body.len())],
                    ),
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
                [&b"message/"[..], b"digest"].iter().any(|t| {
                    raw.get(i..i + t.len())
                        .is_some_and(|w| w.eq_ignore_ascii_case(t))
                })
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
