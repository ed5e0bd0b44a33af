//! The filters of docs/daemon.md, twice: as the FindItem Restriction that
//! Exchange evaluates, and as the guest's own finish on what FindItem
//! returned (the exact sender-domain match EWS cannot express, and a
//! re-check of everything else, so a lax server cannot widen the filter).

use super::config::DaemonConfig;
use crate::ews::operations::find_item::{Expr, FoundItem};
use crate::time::format_rfc3339_utc;

/// And(IsRead = false, Or(Subject contains k...), Received >= after, Received < before);
/// an And or Or of one operand is written as that operand alone.
pub fn server(c: &DaemonConfig) -> Expr {
    let mut all = vec![Expr::IsEqualTo("message:IsRead", "false".into())];
    let mut any: Vec<Expr> = c
        .subject_keywords
        .iter()
        .map(|k| Expr::Contains("item:Subject", k.clone()))
        .collect();
    match any.len() {
        0 => {}
        1 => all.push(any.remove(0)),
        _ => all.push(Expr::Or(any)),
    }
    if let Some(t) = c.received_after {
        all.push(Expr::IsGreaterThanOrEqualTo(
            "item:DateTimeReceived",
            format_rfc3339_utc(t),
        ));
    }
    if let Some(t) = c.received_before {
        all.push(Expr::IsLessThan(
            "item:DateTimeReceived",
            format_rfc3339_utc(t),
        ));
    }
    if all.len() == 1 {
        all.remove(0)
    } else {
        Expr::And(all)
    }
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

/// Why an item FindItem returned does not match, or `None` when it does.
pub fn mismatch(c: &DaemonConfig, item: &FoundItem) -> Option<&'static str> {
    if item.is_read == Some(true) {
        return Some("already read");
    }
    if !c.subject_keywords.is_empty() {
        let subject = item.subject.as_deref().unwrap_or_default().to_lowercase();
        if !c
            .subject_keywords
            .iter()
            .any(|k| subject.contains(k.as_str()))
        {
            return Some("subject has none of subject_keywords");
        }
    }
    if c.received_after.is_some() || c.received_before.is_some() {
        let Some(t) = item.received else {
            return Some("no DateTimeReceived");
        };
        if c.received_after.is_some_and(|a| t < a) {
            return Some("received before received_after");
        }
        if c.received_before.is_some_and(|b| t >= b) {
            return Some("received at or after received_before");
        }
    }
    if !c.sender_domains.is_empty() {
        let domain = item
            .from
            .as_ref()
            .and_then(|f| f.address.as_deref())
            .and_then(domain_of);
        match domain {
            Some(d) if c.sender_domains.contains(&d) => {}
            _ => return Some("From domain is none of sender_domains"),
        }
    }
    None
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

    fn xml(e: &Expr) -> String {
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

    const UNREAD: &str = r#"<t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo>"#;

    #[test]
    fn unread_only_by_default() {
        assert_eq!(xml(&server(&config(&[]))), UNREAD);
        // Sender domains are the guest's business only.
        assert_eq!(
            xml(&server(&config(&[("sender_domains", r#"["evil.com"]"#)]))),
            UNREAD
        );
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
    }

    fn from(name: Option<&str>, address: &str) -> FoundItem {
        FoundItem {
            from: Some(Address {
                name: name.map(Into::into),
                address: Some(address.into()),
            }),
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
        let mut none = from(None, "x");
        none.from = None;
        assert!(mismatch(&c, &none).is_some());
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
