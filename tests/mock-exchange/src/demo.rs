//! The demo organisation the binary serves: the Basic user's mailbox (or
//! `soc@contoso.example`) with a scheduled out-of-office whose replies need
//! escaping and are not ASCII, plus `analyst@contoso.example`. The primary
//! mailbox holds `Inbox/Phishing`: the 15 sample emails of `testdata/eml/`
//! (unread, received a minute apart from 2026-11-20T08:00:00Z, in file-name order)
//! and 2 read ones, plus 2 ordinary emails in `Inbox`.

use crate::mime::parse_datetime;
use crate::model::{ExternalAudience, Model, OofSettings, OofState};

/// The mailbox seeded when no Basic user names one.
pub const DEFAULT_MAILBOX: &str = "soc@contoso.example";
/// The second demo mailbox.
pub const ANALYST: &str = "analyst@contoso.example";

/// The folder of the phishing reports.
pub const PHISHING_FOLDER: &str = "Inbox/Phishing";

/// The sample emails (file name, MIME), as in `testdata/eml/` (see its PROVENANCE.md).
pub const PHISHING_EML: &[(&str, &[u8])] = &[
    (
        "charset-ks_c_5601-1987-8bit.eml",
        include_bytes!("../testdata/eml/charset-ks_c_5601-1987-8bit.eml"),
    ),
    (
        "encword-euc-kr.eml",
        include_bytes!("../testdata/eml/encword-euc-kr.eml"),
    ),
    (
        "encword-iso-2022-jp.eml",
        include_bytes!("../testdata/eml/encword-iso-2022-jp.eml"),
    ),
    (
        "encword-utf-7.eml",
        include_bytes!("../testdata/eml/encword-utf-7.eml"),
    ),
    (
        "encword-utf8-rfc2231-long-filename.eml",
        include_bytes!("../testdata/eml/encword-utf8-rfc2231-long-filename.eml"),
    ),
    (
        "encword-windows-1251-bad-date.eml",
        include_bytes!("../testdata/eml/encword-windows-1251-bad-date.eml"),
    ),
    (
        "encword-windows-1252.eml",
        include_bytes!("../testdata/eml/encword-windows-1252.eml"),
    ),
    (
        "inline-images-multipart-related-cid.eml",
        include_bytes!("../testdata/eml/inline-images-multipart-related-cid.eml"),
    ),
    (
        "nested-rfc822-outlook-simple.eml",
        include_bytes!("../testdata/eml/nested-rfc822-outlook-simple.eml"),
    ),
    (
        "nested-rfc822-with-inline-image.eml",
        include_bytes!("../testdata/eml/nested-rfc822-with-inline-image.eml"),
    ),
    (
        "nested-rfc822.eml",
        include_bytes!("../testdata/eml/nested-rfc822.eml"),
    ),
    (
        "rfc2231-iso-2022-jp-filename.eml",
        include_bytes!("../testdata/eml/rfc2231-iso-2022-jp-filename.eml"),
    ),
    (
        "smime-multipart-signed-inline-png.eml",
        include_bytes!("../testdata/eml/smime-multipart-signed-inline-png.eml"),
    ),
    (
        "smime-signed-forwarded.eml",
        include_bytes!("../testdata/eml/smime-signed-forwarded.eml"),
    ),
    (
        "tnef-winmail-dat-koi8r.eml",
        include_bytes!("../testdata/eml/tnef-winmail-dat-koi8r.eml"),
    ),
];

/// The read emails already in `Inbox/Phishing`.
pub const READ_PHISHING: &[&[u8]] = &[
    b"From: Triage Bot <triage@contoso.example>\r\nTo: soc@contoso.example\r\nSubject: Already triaged: fake invoice\r\nDate: Wed, 18 Nov 2026 09:00:00 +0000\r\nMessage-ID: <triaged-1@contoso.example>\r\n\r\nDone.\r\n",
    b"From: Triage Bot <triage@contoso.example>\r\nTo: soc@contoso.example\r\nSubject: Already triaged: password reset\r\nDate: Wed, 18 Nov 2026 10:00:00 +0000\r\nMessage-ID: <triaged-2@contoso.example>\r\n\r\nDone.\r\n",
];

/// The emails in `Inbox`: the last is a user's report, which the demo answers.
pub const INBOX: &[&[u8]] = &[
    b"From: Alice <alice@contoso.example>\r\nTo: soc@contoso.example\r\nSubject: Weekly report\r\nDate: Thu, 19 Nov 2026 09:00:00 +0000\r\nMessage-ID: <weekly@contoso.example>\r\n\r\nAll quiet.\r\n",
    b"From: Bob <bob@fabrikam.example>\r\nTo: soc@contoso.example\r\nSubject: Lunch?\r\nDate: Thu, 19 Nov 2026 11:30:00 +0000\r\nMessage-ID: <lunch@fabrikam.example>\r\n\r\nNoon?\r\n",
    b"From: Rita Reporter <rita@contoso.example>\r\nTo: soc@contoso.example\r\nSubject: Suspicious invoice in my inbox\r\nDate: Thu, 19 Nov 2026 12:00:00 +0000\r\nMessage-ID: <report-4711@contoso.example>\r\n\r\nI got an invoice I did not expect, I moved it to the phishing folder.\r\n",
];

/// The primary mailbox's contacts: (display name, email, company, job title).
pub const CONTACTS: &[(&str, &str, &str, &str)] = &[
    (
        "Rita Reporter",
        "rita@contoso.example",
        "Contoso",
        "Accountant",
    ),
    (
        "Alice Analyst",
        "alice@contoso.example",
        "Contoso",
        "SOC analyst",
    ),
    (
        "Bob Builder",
        "bob@fabrikam.example",
        "Fabrikam",
        "Supplier",
    ),
];

/// Files the demo emails into `address`'s mailbox.
pub fn seed_mail(model: &mut Model, address: &str) {
    let Some(store) = model.mailbox_mut(address).map(|m| &mut m.store) else {
        return;
    };
    let phishing = store.ensure(PHISHING_FOLDER);
    let base = parse_datetime("2026-11-20T08:00:00Z").expect("valid");
    for (i, (_, mime)) in PHISHING_EML.iter().enumerate() {
        let categories = if i % 5 == 0 {
            vec!["Phish".to_string()]
        } else {
            Vec::new()
        };
        let importance = if i % 4 == 1 { "High" } else { "Normal" };
        store.add_message(
            &phishing,
            mime,
            false,
            base + 60 * i as i64,
            categories,
            importance,
        );
    }
    for (i, mime) in READ_PHISHING.iter().enumerate() {
        store.add_message(
            &phishing,
            mime,
            true,
            base - 86_400 + 3600 * i as i64,
            vec![],
            "Normal",
        );
    }
    let inbox = store.ensure("Inbox");
    for (i, mime) in INBOX.iter().enumerate() {
        store.add_message(
            &inbox,
            mime,
            false,
            base - 3600 * (i as i64 + 1),
            vec![],
            "Normal",
        );
    }
}

/// Seeds `model` with the demo mailboxes; `primary` is the Basic user's address.
pub fn seed(model: &mut Model, primary: Option<&str>) {
    let primary = primary
        .filter(|p| p.contains('@'))
        .unwrap_or(DEFAULT_MAILBOX);
    model.add_mailbox(primary, "Security Operations (Démo)");
    if let Some(mailbox) = model.mailbox_mut(primary) {
        mailbox.oof = OofSettings {
            state: OofState::Scheduled,
            external_audience: ExternalAudience::All,
            start: "2026-11-20T08:00:00Z".into(),
            end: "2026-11-30T17:00:00Z".into(),
            internal_reply:
                "Absent jusqu'au 30 novembre — écrivez à <analyst@contoso.example> & l'équipe."
                    .into(),
            external_reply:
                "Away until 30 Nov. Urgent? Call +1 555 0100 & ask for Zoë <on-call>. 不在です。"
                    .into(),
        };
    }
    seed_mail(model, primary);
    if let Some(mailbox) = model.mailbox_mut(primary) {
        mailbox.store.ensure("Inbox/Quarantine");
        for (name, email, company, title) in CONTACTS {
            mailbox.store.add_contact(crate::contacts::NewContact {
                display_name: name.to_string(),
                given_name: name.split(' ').next().map(str::to_string),
                surname: name.rsplit(' ').next().map(str::to_string),
                company: Some(company.to_string()),
                job_title: Some(title.to_string()),
                emails: vec![email.to_string()],
                phones: vec![("BusinessPhone".into(), "+1 555 0100".into())],
            });
        }
    }
    // The SOC account may list what an eDiscovery search could cover.
    model.grant_discovery(primary);
    model.add_mailbox(ANALYST, "Analyst");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_both_mailboxes() {
        let mut model = Model::default();
        seed(&mut model, Some("user@contoso.example"));
        let oof = &model.mailbox("user@contoso.example").unwrap().oof;
        assert_eq!(oof.state, OofState::Scheduled);
        assert!(
            oof.internal_reply.contains('&')
                && oof.internal_reply.contains('<')
                && !oof.external_reply.is_ascii()
        );
        assert!(model.contains(ANALYST));
        let store = &model.mailbox("user@contoso.example").unwrap().store;
        let phishing = store.resolve(PHISHING_FOLDER).unwrap();
        assert_eq!(store.counts(&phishing.id), (17, 15));
        assert_eq!(store.counts(&store.resolve("Inbox").unwrap().id), (3, 3));
        assert_eq!(store.contacts.len(), CONTACTS.len());
        assert!(store.resolve("Inbox/Quarantine").is_some());
        assert!(model.is_discovery_manager("user@contoso.example"));
        let mut received: Vec<i64> = store.in_folder(&phishing.id).map(|m| m.received).collect();
        received.sort();
        received.dedup();
        assert_eq!(received.len(), 17);
        let mut model = Model::default();
        seed(&mut model, Some("DOMAIN\\user"));
        assert!(model.contains(DEFAULT_MAILBOX));
    }
}
