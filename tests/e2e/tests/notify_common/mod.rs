//! What the notification tests share: input files for `--file`, and an
//! attachment's bytes exactly as sent (mail-parser hands text parts back as
//! lossy UTF-8, which would hide a changed byte).

use base64::Engine as _;
use e2e::Host;
use mail_parser::MessagePart;
use std::path::PathBuf;

pub fn file(host: &Host, name: &str, data: &[u8]) -> PathBuf {
    let path = host.dir.path().join("in").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, data).unwrap();
    path
}

/// The base64 body of `part` in `mime`, decoded.
pub fn bytes(mime: &[u8], part: &MessagePart) -> Vec<u8> {
    let raw = &mime[part.raw_body_offset() as usize..part.raw_end_offset() as usize];
    let b64: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64 attachment")
}
