//! The filters of docs/daemon.md, twice: as the FindItem Restriction that
//! Exchange evaluates, and as the guest's own finish (the exact sender-domain
//! match EWS cannot express, and a re-check of everything else, so a lax
//! server cannot widen the filter).
//!
//! The sender's domain is decided on PidTagSentRepresentingSmtpAddress, which
//! FindItem returns (it never returns From's address), rather than on the
//! MIME `From` after GetItem: deciding before GetItem means a non-matching
//! email is never downloaded, and the same property serves as a server-side
//! substring prefilter. Where the store has no such property, or FindItem's
//! subject is cut at 255 characters before a keyword, FindItem cannot decide:
//! the email is fetched and decided on its MIME (`mismatch_in_record`).

use super::config::DaemonConfig;
use crate::mailbox::{FoundItem, Watch};
use serde_json::Value;

/// FindItem returns at most this many characters of a text property
/// ("the first 255 characters" — FindItem operation, Microsoft Learn).
pub const FIND_ITEM_TEXT_CHARS: usize = 255;

/// What the server is asked for: unread mail with these filters, the
/// sender's domain as a prefilter only (the transport says how).
pub fn watch(c: &DaemonConfig) -> Watch {
    Watch {
        keywords: c.subject_keywords.clone(),
        sender_domains: c.sender_domains.clone(),
        after: c.received_after,
        before: c.received_before,
    }
}

/// What FindItem's answer says of one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Match,
    Mismatch(&'static str),
    /// Only the full email can tell: fetch it, then `mismatch_in_record`.
    Undecided(&'static str),
}

/// The domain of an address: after the last `@`, lowercased, without a
/// trailing dot. `None` when there is no `@` (an Exchange-internal EX address).
pub fn domain_of(address: &str) -> Option<String> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    let d = domain.trim_end_matches('.').to_lowercase();
    let plausible = d
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    (!d.is_empty() && plausible).then_some(d)
}

/// Whether an item FindItem returned matches.
pub fn judge(c: &DaemonConfig, item: &FoundItem) -> Verdict {
    if item.is_read == Some(true) {
        return Verdict::Mismatch("already read");
    }
    let mut undecided = None;
    if !c.subject_keywords.is_empty() {
        let subject = item.subject.as_deref().unwrap_or_default();
        if !has_keyword(c, subject) {
            if subject.chars().count() < FIND_ITEM_TEXT_CHARS {
                return Verdict::Mismatch("subject has none of subject_keywords");
            }
            undecided = Some("subject cut at 255 characters by FindItem");
        }
    }
    if c.received_after.is_some() || c.received_before.is_some() {
        let Some(t) = item.received else {
            return Verdict::Mismatch("no DateTimeReceived");
        };
        if c.received_after.is_some_and(|a| t < a) {
            return Verdict::Mismatch("received before received_after");
        }
        if c.received_before.is_some_and(|b| t >= b) {
            return Verdict::Mismatch("received at or after received_before");
        }
    }
    if !c.sender_domains.is_empty() {
        match item.from_smtp.as_deref() {
            Some(a) if !sender_matches(c, a) => {
                return Verdict::Mismatch("From domain is none of sender_domains")
            }
            Some(_) => {}
            None => undecided = Some("no PidTagSentRepresentingSmtpAddress"),
        }
    }
    match undecided {
        Some(why) => Verdict::Undecided(why),
        None => Verdict::Match,
    }
}

/// The same filters on a fetched email's record (its MIME `From` and full
/// subject), for what FindItem could not decide. `None` when it matches.
pub fn mismatch_in_record(c: &DaemonConfig, record: &Value) -> Option<&'static str> {
    if !c.subject_keywords.is_empty() {
        let subject = record["subject"].as_str().unwrap_or_default();
        if !has_keyword(c, subject) {
            return Some("subject has none of subject_keywords");
        }
    }
    if !c.sender_domains.is_empty() {
        let from = record["from"]["address"].as_str().unwrap_or_default();
        if !sender_matches(c, from) {
            return Some("From domain is none of sender_domains");
        }
    }
    None
}

fn has_keyword(c: &DaemonConfig, subject: &str) -> bool {
    let subject = subject.to_lowercase();
    c.subject_keywords
        .iter()
        .any(|k| subject.contains(k.as_str()))
}

fn sender_matches(c: &DaemonConfig, address: &str) -> bool {
    domain_of(address).is_some_and(|d| c.sender_domains.contains(&d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::envelope::{self, Header};
    use crate::ews::operations::Address;
    use crate::platform::fake::FakeHost;

    fn config(pairs: &[(&str, &str)]) -> DaemonConfig {
        DaemonConfig::load(&FakeHost::with_config(pairs)).unwrap()
    }

    fn xml(e: &crate::ews::operations::find_item::Expr) -> String {
        let doc = envelope::write(
            &Header {
                server_version: "Exchange2016".into(),
                impersonate: None,
            },
            |x| e.write(x),
        );
        let doc = String::from_utf8(doc).unwrap();
        let start = doc.find("<soap:Body>").unwrap() + 11;
        doc[start..doc.find("</soap:Body>").unwrap()].to_string()
    }

    /// The Restriction EWS sends for a configuration.
    fn server(c: &DaemonConfig) -> crate::ews::operations::find_item::Expr {
        crate::ews::watch::restriction(&watch(c))
    }

    const UNREAD: &str = r#"<t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo>"#;

    fn mismatch(c: &DaemonConfig, item: &FoundItem) -> Option<&'static str> {
        match judge(c, item) {
            Verdict::Match => None,
            Verdict::Mismatch(why) | Verdict::Undecided(why) => Some(why),
        }
    }

    #[test]
    fn unread_only_by_default() {
        assert_eq!(xml(&server(&config(&[]))), UNREAD);
    }

    #[test]
    fn sender_domains_prefilter_on_the_smtp_property() {
        let x = xml(&server(&config(&[(
            "sender_domains",
            r#"["evil.com", "Other.ORG"]"#,
        )])));
        let tag = r#"<t:ExtendedFieldURI PropertyTag="0x5D02" PropertyType="String"/>"#;
        let contains = |d: &str| {
            format!(
                r#"<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">{tag}<t:Constant Value="@{d}"/></t:Contains>"#
            )
        };
        assert_eq!(
            x,
            format!(
                "<t:And>{UNREAD}<t:Or>{}{}<t:Not><t:Exists>{tag}</t:Exists></t:Not></t:Or></t:And>",
                contains("evil.com"),
                contains("other.org")
            )
        );
    }

    #[test]
    fn undecided_without_the_property_or_with_a_cut_subject() {
        let c = config(&[
            ("sender_domains", r#"["evil.com"]"#),
            ("subject_keywords", r#"["phish"]"#),
        ]);
        let item = |subject: String, smtp: Option<&str>| FoundItem {
            subject: Some(subject),
            from_smtp: smtp.map(Into::into),
            is_read: Some(false),
            ..Default::default()
        };
        assert_eq!(
            judge(&c, &item("phish".into(), Some("a@evil.com"))),
            Verdict::Match
        );
        assert!(matches!(
            judge(&c, &item("phish".into(), None)),
            Verdict::Undecided(_)
        ));
        let long = "x".repeat(FIND_ITEM_TEXT_CHARS);
        assert!(matches!(
            judge(&c, &item(long.clone(), Some("a@evil.com"))),
            Verdict::Undecided(_)
        ));
        // A decided mismatch wins over an undecided part.
        assert!(matches!(
            judge(&c, &item(long, Some("a@good.com"))),
            Verdict::Mismatch(_)
        ));
        assert!(matches!(
            judge(&c, &item("x".repeat(254), Some("a@evil.com"))),
            Verdict::Mismatch(_)
        ));

        let record = |subject: &str, from: &str| serde_json::json!({"subject": subject, "from": {"name": "M", "address": from}});
        assert_eq!(
            mismatch_in_record(&c, &record("a phish", "m@EVIL.com")),
            None
        );
        assert!(mismatch_in_record(&c, &record("a phish", "m@notevil.com")).is_some());
        assert!(mismatch_in_record(&c, &record("hello", "m@evil.com")).is_some());
        assert!(mismatch_in_record(&c, &serde_json::json!({"subject": "phish"})).is_some());
    }

    #[test]
    fn one_keyword_is_a_bare_contains() {
        assert_eq!(
            xml(&server(&config(&[(
                "subject_keywords",
                r#"["Pay <now> & \"win\""]"#
            )]))),
            format!(
                r#"<t:And>{UNREAD}<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="pay &lt;now&gt; &amp; &quot;win&quot;"/></t:Contains></t:And>"#
            )
        );
    }

    #[test]
    fn several_keywords_are_an_or() {
        let x = xml(&server(&config(&[("subject_keywords", r#"["a","b"]"#)])));
        assert_eq!(
            x,
            format!(
                r#"<t:And>{UNREAD}<t:Or><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="a"/></t:Contains><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="b"/></t:Contains></t:Or></t:And>"#
            )
        );
    }

    #[test]
    fn dates_in_utc() {
        let x = xml(&server(&config(&[(
            "received_after",
            "2026-11-20T09:00:00+01:00",
        )])));
        assert_eq!(
            x,
            format!(
                r#"<t:And>{UNREAD}<t:IsGreaterThanOrEqualTo><t:FieldURI FieldURI="item:DateTimeReceived"/><t:FieldURIOrConstant><t:Constant Value="2026-11-20T08:00:00Z"/></t:FieldURIOrConstant></t:IsGreaterThanOrEqualTo></t:And>"#
            )
        );
        let x = xml(&server(&config(&[(
            "received_before",
            "2026-12-01T00:00:00Z",
        )])));
        assert!(x.ends_with(r#"<t:IsLessThan><t:FieldURI FieldURI="item:DateTimeReceived"/><t:FieldURIOrConstant><t:Constant Value="2026-12-01T00:00:00Z"/></t:FieldURIOrConstant></t:IsLessThan></t:And>"#), "{x}");
    }

    #[test]
    fn combined_in_order() {
        let x = xml(&server(&config(&[
            ("subject_keywords", r#"["a","b"]"#),
            ("received_after", "2026-11-20T08:00:00Z"),
            ("received_before", "2026-12-01T00:00:00Z"),
            ("sender_domains", r#"["evil.com"]"#),
        ])));
        let pos = |s: &str| x.find(s).unwrap_or_else(|| panic!("{s} in {x}"));
        assert!(x.starts_with("<t:And>") && x.ends_with("</t:And>"));
        assert!(pos("message:IsRead") < pos("<t:Or>"));
        assert!(pos("</t:Or>") < pos("<t:IsGreaterThanOrEqualTo>"));
        assert!(pos("</t:IsGreaterThanOrEqualTo>") < pos("<t:IsLessThan>"));
        assert!(pos("</t:IsLessThan>") < pos("0x5D02"));
    }

    /// As Exchange answers FindItem: From's name only, the address in the property.
    fn from(name: Option<&str>, address: &str) -> FoundItem {
        FoundItem {
            from: Some(Address {
                name: name.map(Into::into),
                address: None,
            }),
            from_smtp: Some(address.into()),
            is_read: Some(false),
            ..Default::default()
        }
    }

    #[test]
    fn sender_domain_is_exact() {
        let c = config(&[("sender_domains", r#"["evil.com", "Other.ORG"]"#)]);
        for ok in [
            "m@evil.com",
            "M@EVIL.COM",
            "m@evil.com.",
            "odd@name@evil.com",
            " m@evil.com ",
            "x@other.org",
        ] {
            assert_eq!(mismatch(&c, &from(None, ok)), None, "{ok}");
        }
        for bad in [
            "m@notevil.com",
            "m@evil.com.example",
            "m@sub.evil.com",
            "m@evil.co",
            "evil.com",
            "m@evil.com@good.com",
            "\"evil.com\" <a@good.com>",
            "",
            "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=EVIL.COM",
        ] {
            assert!(mismatch(&c, &from(None, bad)).is_some(), "{bad}");
        }
        // A display name that looks like the domain is not the address.
        assert!(mismatch(&c, &from(Some("m@evil.com"), "a@good.com")).is_some());
        assert!(mismatch(&c, &from(Some("evil.com"), "a@good.com")).is_some());
        // An address in FindItem's From (which Exchange never sends) decides nothing.
        let mut none = from(None, "x");
        none.from_smtp = None;
        none.from = Some(Address {
            name: None,
            address: Some("m@evil.com".into()),
        });
        assert!(matches!(judge(&c, &none), Verdict::Undecided(_)));
    }

    #[test]
    fn dates_are_half_open() {
        let c = config(&[
            ("received_after", "2026-11-20T08:00:00Z"),
            ("received_before", "2026-11-21T08:00:00Z"),
        ]);
        let at = |s: &str| FoundItem {
            received: crate::time::parse_xs_datetime(s),
            ..Default::default()
        };
        assert_eq!(mismatch(&c, &at("2026-11-20T08:00:00Z")), None);
        assert_eq!(mismatch(&c, &at("2026-11-21T07:59:59Z")), None);
        assert!(mismatch(&c, &at("2026-11-20T07:59:59Z")).is_some());
        assert!(mismatch(&c, &at("2026-11-21T08:00:00Z")).is_some());
        assert!(mismatch(&c, &FoundItem::default()).is_some());
    }

    #[test]
    fn subject_and_read_rechecked() {
        let c = config(&[("subject_keywords", r#"["Urgent"]"#)]);
        let s = |subject: &str, read: bool| FoundItem {
            subject: Some(subject.into()),
            is_read: Some(read),
            ..Default::default()
        };
        assert_eq!(mismatch(&c, &s("RE: URGENT payment", false)), None);
        assert!(mismatch(&c, &s("RE: URGENT payment", true)).is_some());
        assert!(mismatch(&c, &s("payment", false)).is_some());
    }
}
