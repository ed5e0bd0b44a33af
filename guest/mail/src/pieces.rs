//! The attachment part of a record assembled from attachments fetched one by one,
//! for an email too large to fetch whole: the same entries, file names and nested
//! records that `parse_email` gives, so that an engine reads both alike.

use mail_parser::MessageParser;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::data::hex;
use crate::{names, parts, MailFile};

/// What one attachment is, as the server listed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PieceMeta {
    pub original_name: Option<String>,
    pub media_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    /// An attached email (EWS `ItemAttachment`).
    pub is_email: bool,
}

/// Attachments in the order they are added; `files` are the item's files.
pub struct Pieces {
    names: names::Names,
    pub files: Vec<MailFile>,
    pub attachments: Vec<Value>,
}

impl Default for Pieces {
    fn default() -> Self {
        Self::new()
    }
}

impl Pieces {
    pub fn new() -> Self {
        Pieces {
            names: names::Names::new(),
            files: Vec::new(),
            attachments: Vec::new(),
        }
    }

    /// An attachment whose bytes arrived: a file, or an attached email's MIME (parsed
    /// one level deep, as `parse_email` does).
    pub fn add(&mut self, meta: &PieceMeta, data: Vec<u8>) {
        let n = self.attachments.len() + 1;
        let mut entry = self.entry(meta, Some(data.len() as u64));
        let mut nested_subject = None;
        if meta.is_email {
            let rec = match MessageParser::default().parse(&data) {
                Some(mut msg) => parts::nested_record(&mut msg),
                None => {
                    let mut m = Map::new();
                    m.insert("errors".into(), json!(["not an email"]));
                    m
                }
            };
            nested_subject = rec
                .get("subject")
                .and_then(Value::as_str)
                .map(str::to_string);
            entry.insert("email".into(), Value::Object(rec));
        }
        entry.insert("sha256".into(), json!(hex(&Sha256::digest(&data))));
        let name = parts::file_name(
            &mut self.names,
            meta.original_name.as_deref(),
            nested_subject,
            meta.is_email,
            &meta.media_type,
            n,
        );
        entry.insert("file".into(), json!(name));
        self.files.push(MailFile {
            name,
            media_type: meta.media_type.clone(),
            data,
        });
        self.attachments.push(Value::Object(entry));
    }

    /// An attachment that could not be fetched: listed, with no file.
    pub fn missing(&mut self, meta: &PieceMeta, size: Option<u64>) {
        let mut entry = self.entry(meta, size);
        entry.insert("sha256".into(), Value::Null);
        entry.insert("file".into(), Value::Null);
        self.attachments.push(Value::Object(entry));
    }

    fn entry(&self, meta: &PieceMeta, size: Option<u64>) -> Map<String, Value> {
        let mut entry = Map::new();
        entry.insert("original_name".into(), json!(meta.original_name));
        entry.insert("media_type".into(), json!(meta.media_type));
        entry.insert("size".into(), json!(size));
        entry.insert("content_id".into(), json!(meta.content_id));
        entry.insert("inline".into(), json!(meta.inline));
        entry.insert(
            "kind".into(),
            json!(if meta.is_email { "email" } else { "file" }),
        );
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_entries_and_nested_emails_as_parse_email_does() {
        let mut p = Pieces::new();
        let pdf = PieceMeta {
            original_name: Some("in\u{202E}voice/..pdf".into()),
            media_type: "application/pdf".into(),
            ..Default::default()
        };
        p.add(&pdf, b"%PDF-1.4".to_vec());
        p.add(&pdf, b"%PDF-1.5".to_vec());
        let mail = PieceMeta {
            media_type: "message/rfc822".into(),
            is_email: true,
            ..Default::default()
        };
        p.add(
            &mail,
            b"Subject: Re: pay now\r\nFrom: a@b.c\r\n\r\nhi".to_vec(),
        );
        p.missing(
            &PieceMeta {
                original_name: Some("huge.iso".into()),
                media_type: "application/octet-stream".into(),
                ..Default::default()
            },
            Some(70_000_000),
        );
        let names: Vec<_> = p.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names[0], "in_voice_..pdf");
        assert_eq!(names[2], "Re_ pay now.eml");
        assert_eq!(p.attachments[2]["email"]["subject"], "Re: pay now");
        assert_eq!(p.attachments[2]["kind"], "email");
        assert_eq!(p.attachments[3]["file"], Value::Null);
        assert_eq!(p.attachments[3]["size"], 70_000_000);
        assert_eq!(p.attachments[0]["original_name"], "in\u{202E}voice/..pdf");
        assert_ne!(p.files[0].name, p.files[1].name);
        assert!(p.files.iter().all(|f| !f.name.contains('/')));
    }
}
