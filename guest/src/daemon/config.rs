//! The daemon's keys (docs/daemon.md, "Configuration"), defaulted from
//! `config::fields` and checked; a mistake names its key.

use crate::config::{invalid, value};
use crate::ews::error::Error;
use crate::platform::Host;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonConfig {
    /// As configured (trimmed): a path, or `id:<FolderId>`.
    pub folder: String,
    /// Lowercased; empty = no filter.
    pub subject_keywords: Vec<String>,
    /// Lowercased, without a trailing dot; empty = no filter.
    pub sender_domains: Vec<String>,
    /// Unix seconds, inclusive.
    pub received_after: Option<i64>,
    /// Unix seconds, exclusive.
    pub received_before: Option<i64>,
    pub max_per_poll: u32,
    pub max_batch_bytes: u64,
}

impl DaemonConfig {
    pub fn load(host: &dyn Host) -> Result<DaemonConfig, Error> {
        let folder = value(host, "folder")?.unwrap_or_else(|| "Inbox".into());
        check_folder(&folder)?;
        let subject_keywords = strings(host, "subject_keywords")?
            .into_iter()
            .map(|k| k.to_lowercase())
            .collect();
        let mut sender_domains = Vec::new();
        for d in strings(host, "sender_domains")? {
            let d = d.trim().trim_end_matches('.').to_lowercase();
            let ok = !d.is_empty()
                && !d.starts_with(['.', '-'])
                && !d.contains("..")
                && d.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
            if !ok {
                return Err(invalid(
                    "sender_domains",
                    "domain names such as example.com (no @)",
                    &d,
                ));
            }
            sender_domains.push(d);
        }
        let received_after = date(host, "received_after")?;
        let received_before = date(host, "received_before")?;
        if let (Some(a), Some(b)) = (received_after, received_before) {
            if a >= b {
                return Err(Error::InvalidInput(
                    "received_before: must be later than received_after".into(),
                ));
            }
        }
        let max_per_poll = integer(host, "max_per_poll", 1, 1000)? as u32;
        let max_batch_bytes = integer(host, "max_batch_bytes", 1, 1 << 40)?;
        Ok(DaemonConfig {
            folder,
            subject_keywords,
            sender_domains,
            received_after,
            received_before,
            max_per_poll,
            max_batch_bytes,
        })
    }
}

fn check_folder(folder: &str) -> Result<(), Error> {
    if let Some(id) = folder.strip_prefix("id:") {
        if id.trim().is_empty() {
            return Err(invalid("folder", "id: followed by a folder id", folder));
        }
        return Ok(());
    }
    if folder.split('/').any(|s| s.trim().is_empty()) {
        return Err(invalid(
            "folder",
            "a path such as Inbox/Phishing (no empty segment, no leading or trailing /), or id:<FolderId>",
            folder,
        ));
    }
    Ok(())
}

/// A JSON array of non-empty strings; unset or `[]` is no filter.
fn strings(host: &dyn Host, key: &str) -> Result<Vec<String>, Error> {
    let Some(raw) = value(host, key)? else {
        return Ok(vec![]);
    };
    let expected = "a JSON array of non-empty strings, such as [\"a\",\"b\"]";
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&raw) else {
        return Err(invalid(key, expected, &raw));
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(invalid(key, expected, &raw)),
        })
        .collect()
}

/// RFC 3339: a date, a time, and a zone (`Z` or `±hh:mm`).
fn date(host: &dyn Host, key: &str) -> Result<Option<i64>, Error> {
    let Some(raw) = value(host, key)? else {
        return Ok(None);
    };
    match crate::time::parse_rfc3339(&raw) {
        Some(t) => Ok(Some(t)),
        None => Err(invalid(
            key,
            "an RFC 3339 date-time such as 2026-11-20T08:00:00Z",
            &raw,
        )),
    }
}

fn integer(host: &dyn Host, key: &str, min: u64, max: u64) -> Result<u64, Error> {
    let raw = value(host, key)?.unwrap_or_default();
    match raw.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(invalid(
            key,
            &format!("an integer from {min} to {max}"),
            &raw,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::fake::FakeHost;

    #[test]
    fn defaults() {
        let c = DaemonConfig::load(&FakeHost::with_config(&[])).unwrap();
        assert_eq!(c.folder, "Inbox");
        assert_eq!(c.max_per_poll, 1000);
        assert_eq!(c.max_batch_bytes, 67_108_864);
        assert!(c.subject_keywords.is_empty() && c.sender_domains.is_empty());
        assert_eq!((c.received_after, c.received_before), (None, None));
    }

    #[test]
    fn reads_and_normalises() {
        let c = DaemonConfig::load(&FakeHost::with_config(&[
            ("folder", " Inbox/Phishing "),
            ("subject_keywords", r#"["Urgent", " Invoice "]"#),
            ("sender_domains", r#"["Evil.COM."]"#),
            ("received_after", "2026-11-20T08:00:00Z"),
            ("received_before", "2026-11-21T09:00:00+01:00"),
            ("max_per_poll", "7"),
        ]))
        .unwrap();
        assert_eq!(c.folder, "Inbox/Phishing");
        assert_eq!(c.subject_keywords, vec!["urgent", "invoice"]);
        assert_eq!(c.sender_domains, vec!["evil.com"]);
        assert_eq!(
            c.received_before.unwrap() - c.received_after.unwrap(),
            86_400
        );
        assert_eq!(c.max_per_poll, 7);
    }

    #[test]
    fn names_the_bad_key() {
        for (k, v) in [
            ("folder", "Inbox//X"),
            ("folder", "/Inbox"),
            ("folder", "id:"),
            ("subject_keywords", "urgent"),
            ("subject_keywords", r#"["ok", 3]"#),
            ("subject_keywords", r#"[""]"#),
            ("sender_domains", r#"["a@evil.com"]"#),
            ("received_after", "yesterday"),
            ("received_after", "2026-11-20T08:00:00"),
            ("max_per_poll", "0"),
            ("max_per_poll", "-1"),
            ("max_batch_bytes", "lots"),
        ] {
            let Err(Error::InvalidInput(m)) = DaemonConfig::load(&FakeHost::with_config(&[(k, v)]))
            else {
                panic!("{k}={v} accepted")
            };
            assert!(m.starts_with(k), "{m}");
        }
        let Err(Error::InvalidInput(m)) = DaemonConfig::load(&FakeHost::with_config(&[
            ("received_after", "2026-11-21T00:00:00Z"),
            ("received_before", "2026-11-20T00:00:00Z"),
        ])) else {
            panic!()
        };
        assert!(m.starts_with("received_before"), "{m}");
    }
}
