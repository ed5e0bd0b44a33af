//! An attachment's bytes, and dropping a parsed message safely.

use std::borrow::Cow;

use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
use mail_parser::{Encoding, Message, MessagePart, PartType};

/// The attachment's bytes after transfer decoding: a decoded binary is moved out of the
/// parsed message (`take`, at the top level, where it becomes a file), not copied.
pub fn bytes<'r>(part: &'r mut MessagePart<'_>, raw: &'r [u8], take: bool) -> Cow<'r, [u8]> {
    let body = raw
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    match &mut part.body {
        PartType::Binary(b) | PartType::InlineBinary(b) if take => {
            Cow::Owned(std::mem::take(b).into_owned())
        }
        PartType::Binary(b) | PartType::InlineBinary(b) => Cow::Borrowed(&b[..]),
        // An attached email is kept as it came; base64 around it is undone.
        PartType::Message(_) if part.encoding == Encoding::None => Cow::Borrowed(body),
        PartType::Message(m) if take => Cow::Owned(std::mem::take(&mut m.raw_message).into_owned()),
        PartType::Message(m) => Cow::Borrowed(&m.raw_message[..]),
        // Text was turned into UTF-8 by the parser: an attached .txt in windows-1251 must stay
        // those bytes (its hash is the file's), so undo only the transfer encoding.
        PartType::Text(t) | PartType::Html(t) => match part.encoding {
            Encoding::Base64 => {
                base64_decode(body).map_or_else(|| Cow::Owned(t.as_bytes().to_vec()), Cow::Owned)
            }
            Encoding::QuotedPrintable => quoted_printable_decode(body)
                .map_or_else(|| Cow::Owned(t.as_bytes().to_vec()), Cow::Owned),
            Encoding::None => Cow::Borrowed(body),
        },
        // A nested message the parser could not finish: its raw bytes.
        PartType::Multipart(_) => Cow::Borrowed(body),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Drops a parsed message without recursion: emails nested 10,000 deep would otherwise
/// overflow the stack in the generated drop code (wasm's is 1 MiB).
pub fn dismantle(msg: Message<'_>) {
    let mut stack = vec![msg];
    while let Some(mut m) = stack.pop() {
        for p in m.parts.drain(..) {
            if let PartType::Message(inner) = p.body {
                stack.push(inner);
            }
        }
    }
}
