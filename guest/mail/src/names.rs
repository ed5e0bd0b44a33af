//! Safe, unique file names for an item's files.
//!
//! The names come from the email (the sender chooses them), and the sinks write them to
//! disk (`<sink_dir>/<id>/<file>`), so every name is made safe here: no path separators,
//! no control or bidi characters (U+202E makes `invoice<RLO>fdp.exe` look like a PDF),
//! no Windows-reserved characters or device names, no leading dot (hidden files, `.`, `..`),
//! at most 120 characters and 200 UTF-8 bytes (ext4 and NTFS allow 255), extension kept.

use std::collections::{HashMap, HashSet};

/// Longest name, in characters (docs/daemon.md).
pub const MAX_CHARS: usize = 120;
/// Longest name, in bytes: 120 CJK characters would be 360 bytes, over the 255 of most file systems.
const MAX_BYTES: usize = 200;
/// Longer "extensions" are not kept apart when truncating (`a.verylongsentence...` is no extension).
const MAX_EXT_CHARS: usize = 16;

/// Replaces what a file system or a shell could misread; `None` when nothing usable remains.
pub fn sanitize(raw: &str) -> Option<String> {
    let mapped: String = raw
        .chars()
        .map(|c| if is_unsafe(c) { '_' } else { c })
        .collect();
    // Leading dots would hide the file or make `.`/`..`; trailing dots and spaces are dropped
    // by Windows, which would make `a.exe.` and `a.exe` the same file.
    let trimmed = mapped
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '_' || c == '.') {
        return None;
    }
    let mut name = trimmed.to_string();
    let stem = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    if is_device_name(&stem) {
        name.insert(0, '_');
    }
    Some(fit(&name, ""))
}

fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL, C1
        || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
        // Bidi overrides and isolates, zero-width characters, BOM: they disguise names.
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// CON, NUL, COM1... open devices on Windows whatever their extension.
fn is_device_name(stem: &str) -> bool {
    matches!(stem, "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
}

/// Splits `name` into stem and extension (with its dot) when the extension is short.
fn split_ext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i)
            if i > 0 && name[i + 1..].chars().count() <= MAX_EXT_CHARS && i + 1 < name.len() =>
        {
            (&name[..i], &name[i..])
        }
        _ => (name, ""),
    }
}

/// `name` with `suffix` inserted before its extension, the stem cut to the limits.
fn fit(name: &str, suffix: &str) -> String {
    let (stem, ext) = split_ext(name);
    let room_chars = MAX_CHARS.saturating_sub(ext.chars().count() + suffix.chars().count());
    let room_bytes = MAX_BYTES.saturating_sub(ext.len() + suffix.len());
    let mut out = String::with_capacity(name.len().min(MAX_BYTES));
    for (n, c) in stem.chars().enumerate() {
        if n >= room_chars || out.len() + c.len_utf8() > room_bytes {
            break;
        }
        out.push(c);
    }
    out.push_str(suffix);
    out.push_str(ext);
    out
}

/// The names already given within one item. Comparison ignores case, since Windows and
/// macOS file systems do (`A.pdf` and `a.pdf` would overwrite each other there).
pub struct Names {
    used: HashSet<String>,
    /// Next suffix to try per wanted name: keeps 10,000 same-named parts linear.
    next: HashMap<String, usize>,
}

impl Names {
    /// `message.eml` is the item's raw MIME; `record.json` sits next to the files in the dir sink.
    pub fn new() -> Self {
        let used = ["message.eml", "record.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        Names {
            used,
            next: HashMap::new(),
        }
    }

    /// Takes `wanted` (already sanitized) or `wanted-1`, `wanted-2`... before its extension.
    pub fn claim(&mut self, wanted: &str) -> String {
        let key = wanted.to_lowercase();
        if self.used.insert(key.clone()) {
            return wanted.to_string();
        }
        let mut k = self.next.get(&key).copied().unwrap_or(1);
        loop {
            let candidate = fit(wanted, &format!("-{k}"));
            k += 1;
            if self.used.insert(candidate.to_lowercase()) {
                self.next.insert(key, k);
                return candidate;
            }
        }
    }
}

/// A file extension for a media type, for attachments that carry no name.
pub fn ext_for(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/bmp" => "bmp",
        "image/svg+xml" => "svg",
        "image/tiff" => "tif",
        "image/webp" => "webp",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "text/csv" => "csv",
        "text/rtf" | "application/rtf" => "rtf",
        "text/xml" | "application/xml" => "xml",
        "message/rfc822" | "message/global" => "eml",
        "application/ms-tnef" | "application/vnd.ms-tnef" => "dat",
        "application/vnd.ms-outlook" => "msg",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => "p7s",
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => "p7m",
        "application/pgp-signature" => "asc",
        "application/zip" | "application/x-zip-compressed" => "zip",
        "application/gzip" | "application/x-gzip" => "gz",
        "application/msword" => "doc",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "application/javascript" | "text/javascript" => "js",
        "application/json" => "json",
        m if m.starts_with("text/") || m.starts_with("multipart/") => "txt",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_cases() {
        assert_eq!(sanitize("../../x").as_deref(), Some("_.._x"));
        assert_eq!(sanitize(".."), None);
        assert_eq!(sanitize("."), None);
        assert_eq!(sanitize(".bashrc").as_deref(), Some("bashrc"));
        assert_eq!(sanitize("a\0b\r\n.pdf").as_deref(), Some("a_b__.pdf"));
        assert_eq!(
            sanitize("<>:\"/\\|?*.txt").as_deref(),
            Some("_________.txt")
        );
        assert_eq!(sanitize("CON.txt").as_deref(), Some("_CON.txt"));
        assert_eq!(
            sanitize("inv\u{202E}fdp.exe").as_deref(),
            Some("inv_fdp.exe")
        );
        let long = sanitize(&format!("{}.pdf", "a".repeat(500))).unwrap();
        assert_eq!(long.chars().count(), MAX_CHARS);
        assert!(long.ends_with(".pdf"));
        let cjk = sanitize(&format!("{}.txt", "か".repeat(500))).unwrap();
        assert!(cjk.len() <= MAX_BYTES && cjk.ends_with(".txt"));
    }

    #[test]
    fn unique_names() {
        let mut n = Names::new();
        assert_eq!(n.claim("a.pdf"), "a.pdf");
        assert_eq!(n.claim("A.pdf"), "A-1.pdf");
        assert_eq!(n.claim("a.pdf"), "a-2.pdf");
        assert_eq!(n.claim("message.eml"), "message-1.eml");
        assert_eq!(n.claim("noext"), "noext");
        assert_eq!(n.claim("noext"), "noext-1");
    }
}
