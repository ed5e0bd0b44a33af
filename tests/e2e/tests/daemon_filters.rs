//! The daemon's filters, each alone and combined, end to end: what must
//! arrive arrives (and is marked read), what must not stays unread.

use e2e::fixtures::{self, email, ALICE, PHISHING};
use e2e::{dir_sink_records, on_both_apis, Api, MockExchange};
use mock_exchange::NewMessage;
use std::collections::BTreeSet;

on_both_apis!(
    subject_keywords_match_any_case_insensitively,
    sender_domains_match_the_domain_exactly,
    the_date_range_includes_its_start_and_excludes_its_end,
    read_mail_and_other_folders_are_left_alone,
    the_folder_path_is_matched_case_insensitively_and_a_wrong_one_is_named,
    filters_combine,
);

/// Seeds (from, subject, received, read, folder) and returns the ids by subject.
fn seed(mock: &MockExchange, mails: &[(&str, &str, &str, bool, &str)]) -> Vec<(String, String)> {
    mails
        .iter()
        .map(|(from, subject, received, is_read, folder)| {
            let id = mock.add_message(
                ALICE,
                folder,
                &email(from, subject, "body"),
                NewMessage {
                    is_read: *is_read,
                    received,
                    ..NewMessage::default()
                },
            );
            (subject.to_string(), id)
        })
        .collect()
}

/// Runs the daemon once with `settings` and returns the subjects delivered.
fn ingest(mock: &MockExchange, api: Api, settings: &[(&str, &str)]) -> BTreeSet<String> {
    let (mut host, sink) = fixtures::ingesting_host_on(mock, api);
    for (k, v) in settings {
        host.set_toml(k, v);
    }
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        fixtures::sent_on(mock, api, "FindItem", "graph.messages") > 0,
        "the transport asked for"
    );
    fixtures::assert_faithful(mock);
    dir_sink_records(&sink)
        .into_iter()
        .map(|(_, r)| r["subject"].as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn assert_read_exactly(
    mock: &MockExchange,
    ids: &[(String, String)],
    delivered: &BTreeSet<String>,
    read_before: &[&str],
) {
    for (subject, id) in ids {
        let state = mock.message(id).expect("the message still exists");
        let expect = delivered.contains(subject) || read_before.contains(&subject.as_str());
        assert_eq!(state.is_read, expect, "{subject}: read={}", state.is_read);
    }
}

const T: &str = "2026-11-20T10:00:00Z";

fn subject_keywords_match_any_case_insensitively(api: Api) {
    let mock = fixtures::mock();
    let ids = seed(
        &mock,
        &[
            ("a@x.example", "URGENT: Invoice overdue", T, false, PHISHING),
            ("a@x.example", "your parcel", T, false, PHISHING),
            ("a@x.example", "Lunch on Friday", T, false, PHISHING),
            ("a@x.example", "invoices attached", T, false, PHISHING),
        ],
    );
    let got = ingest(
        &mock,
        api,
        &[("subject_keywords", r#"["invoice", "PARCEL"]"#)],
    );
    assert_eq!(
        got,
        set(&[
            "URGENT: Invoice overdue",
            "your parcel",
            "invoices attached"
        ])
    );
    assert_read_exactly(&mock, &ids, &got, &[]);
    fixtures::assert_faithful(&mock);
}

fn sender_domains_match_the_domain_exactly(api: Api) {
    let mock = fixtures::mock();
    let ids = seed(
        &mock,
        &[
            ("Mallory <mallory@evil.com>", "one", T, false, PHISHING),
            ("eve@notevil.com", "suffix trap", T, false, PHISHING),
            ("trudy@evil.com.example", "prefix trap", T, false, PHISHING),
            (
                "\"evil.com\" <bob@good.example>",
                "display-name trap",
                T,
                false,
                PHISHING,
            ),
            ("MALLORY@EVIL.COM", "upper case", T, false, PHISHING),
            ("x@phish.example", "second domain", T, false, PHISHING),
        ],
    );
    let got = ingest(
        &mock,
        api,
        &[("sender_domains", r#"["evil.com", "Phish.example"]"#)],
    );
    assert_eq!(got, set(&["one", "upper case", "second domain"]));
    assert_read_exactly(&mock, &ids, &got, &[]);
}

fn the_date_range_includes_its_start_and_excludes_its_end(api: Api) {
    let mock = fixtures::mock();
    let ids = seed(
        &mock,
        &[
            (
                "a@x.example",
                "just before",
                "2026-11-20T09:59:59Z",
                false,
                PHISHING,
            ),
            (
                "a@x.example",
                "at the start",
                "2026-11-20T10:00:00Z",
                false,
                PHISHING,
            ),
            (
                "a@x.example",
                "inside",
                "2026-11-20T11:00:00Z",
                false,
                PHISHING,
            ),
            (
                "a@x.example",
                "just inside",
                "2026-11-20T11:59:59Z",
                false,
                PHISHING,
            ),
            (
                "a@x.example",
                "at the end",
                "2026-11-20T12:00:00Z",
                false,
                PHISHING,
            ),
        ],
    );
    let got = ingest(
        &mock,
        api,
        &[
            // An offset is the same instant: 11:00+01:00 is 10:00Z.
            ("received_after", r#""2026-11-20T11:00:00+01:00""#),
            ("received_before", r#""2026-11-20T12:00:00Z""#),
        ],
    );
    assert_eq!(got, set(&["at the start", "inside", "just inside"]));
    assert_read_exactly(&mock, &ids, &got, &[]);
}

fn read_mail_and_other_folders_are_left_alone(api: Api) {
    let mock = fixtures::mock();
    let ids = seed(
        &mock,
        &[
            ("a@x.example", "unread here", T, false, PHISHING),
            ("a@x.example", "already read", T, true, PHISHING),
            ("a@x.example", "in the inbox", T, false, "Inbox"),
            (
                "a@x.example",
                "in a sibling",
                T,
                false,
                "Inbox/Phishing-archive",
            ),
            ("a@x.example", "in a child", T, false, "Inbox/Phishing/Old"),
        ],
    );
    let got = ingest(&mock, api, &[]);
    assert_eq!(got, set(&["unread here"]));
    assert_read_exactly(&mock, &ids, &got, &["already read"]);
}

fn the_folder_path_is_matched_case_insensitively_and_a_wrong_one_is_named(api: Api) {
    let mock = fixtures::mock();
    seed(&mock, &[("a@x.example", "found", T, false, PHISHING)]);
    let got = ingest(&mock, api, &[("folder", r#""inbox/PHISHING""#)]);
    assert_eq!(got, set(&["found"]));

    let (mut host, _) = fixtures::ingesting_host_on(&mock, api);
    host.set("folder", "Inbox/Phishy");
    let run = host.run(&["daemon", "--once"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("Phishy"),
        "the missing segment is named: {run:#?}"
    );
    assert!(
        !run.stdout.contains("Phishy"),
        "failures stay out of the record stream: {run:#?}"
    );
}

fn filters_combine(api: Api) {
    let mock = fixtures::mock();
    let ids = seed(
        &mock,
        &[
            (
                "m@evil.com",
                "Invoice 1",
                "2026-11-20T10:30:00Z",
                false,
                PHISHING,
            ),
            (
                "m@evil.com",
                "Invoice 2",
                "2026-11-19T10:30:00Z",
                false,
                PHISHING,
            ),
            (
                "m@good.example",
                "Invoice 3",
                "2026-11-20T10:30:00Z",
                false,
                PHISHING,
            ),
            (
                "m@evil.com",
                "Hello",
                "2026-11-20T10:30:00Z",
                false,
                PHISHING,
            ),
            (
                "m@evil.com",
                "invoice 4",
                "2026-11-20T10:45:00Z",
                true,
                PHISHING,
            ),
        ],
    );
    let got = ingest(
        &mock,
        api,
        &[
            ("subject_keywords", r#"["invoice"]"#),
            ("sender_domains", r#"["evil.com"]"#),
            ("received_after", r#""2026-11-20T00:00:00Z""#),
        ],
    );
    assert_eq!(got, set(&["Invoice 1"]));
    assert_read_exactly(&mock, &ids, &got, &["invoice 4"]);
}
