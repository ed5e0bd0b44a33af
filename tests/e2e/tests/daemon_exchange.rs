//! The daemon against a mock that answers FindItem as Exchange documents it:
//! From's name only (never its address), subjects cut at 255 characters. The
//! sender filter then works on PidTagSentRepresentingSmtpAddress, which
//! FindItem does return, and what FindItem cannot decide is decided on the
//! fetched MIME, once.

use e2e::fixtures::{self, email, ingesting_host, ALICE, PHISHING};
use e2e::{dir_sink_records, on_both_apis, Api, Host, MockExchange};
use mock_exchange::NewMessage;
use std::collections::BTreeSet;
use std::path::Path;

fn add(mock: &MockExchange, from: &str, subject: &str) -> String {
    mock.add_message(
        ALICE,
        PHISHING,
        &email(from, subject, "body"),
        NewMessage::default(),
    )
}

fn get_items(mock: &MockExchange) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.operation == "GetItem")
        .count()
}

fn subjects(sink: &Path) -> BTreeSet<String> {
    dir_sink_records(sink)
        .into_iter()
        .map(|(_, r)| r["subject"].as_str().unwrap().to_string())
        .collect()
}

fn once(host: &Host) {
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sender_domains_work_on_what_exchange_returns() {
    let mock = fixtures::mock();
    let matching = add(&mock, "Mallory <mallory@evil.com>", "one");
    let suffix = add(&mock, "eve@notevil.com", "suffix trap");
    let prefix = add(&mock, "trudy@evil.com.example", "prefix trap");
    // An internal sender: Exchange resolves its EX address to SMTP in the property.
    let internal = add(&mock, "CEO <ceo@contoso.example>", "internal");
    assert!(mock.set_from_smtp(&internal, Some("ceo@evil.com")));
    // A store without the property: decided on the MIME From, both ways.
    let no_prop_ok = add(&mock, "x@evil.com", "no property, matching");
    let no_prop_bad = add(&mock, "x@good.example", "no property, other domain");
    for id in [&no_prop_ok, &no_prop_bad] {
        assert!(mock.set_from_smtp(id, None));
    }

    let (mut host, sink) = ingesting_host(&mock);
    host.set_toml("sender_domains", r#"["evil.com"]"#);
    once(&host);
    assert_eq!(
        subjects(&sink),
        set(&["one", "internal", "no property, matching"])
    );
    for (id, read) in [
        (&matching, true),
        (&internal, true),
        (&no_prop_ok, true),
        (&suffix, false),
        (&prefix, false),
        (&no_prop_bad, false),
    ] {
        assert_eq!(mock.message(id).unwrap().is_read, read, "{id}");
    }
    // The server-side prefilter let through the matching ones, the prefix
    // trap (finished in the component) and the two without the property;
    // the suffix trap never left the server.
    assert_eq!(get_items(&mock), 1);
    // Only what the property could not decide was fetched beside the
    // matches: the prefix trap was decided on the property, unfetched.
    let fetched: usize = mock
        .requests()
        .iter()
        .filter(|r| r.operation == "GetItem")
        .map(|r| r.item_count)
        .sum();
    assert_eq!(fetched, 4);
    assert_eq!(mock.schema_failures(), 0);

    // The one rejected on its MIME stays unread, and is not fetched again
    // while it is unchanged.
    once(&host);
    assert_eq!(get_items(&mock), 1, "a rejected email is looked at once");
    assert!(!mock.message(&no_prop_bad).unwrap().is_read);
    // Changed (a new change key), it is looked at again.
    assert!(mock.set_received(&no_prop_bad, "2026-11-20T10:00:01Z"));
    once(&host);
    assert_eq!(get_items(&mock), 2);
    assert!(!mock.message(&no_prop_bad).unwrap().is_read);
}

on_both_apis!(a_keyword_past_the_255_characters_of_find_item_still_matches);

fn a_keyword_past_the_255_characters_of_find_item_still_matches(api: Api) {
    let mock = fixtures::mock();
    let long = format!("{} PHISH report", "x".repeat(280));
    let id = add(&mock, "a@evil.com", &long);
    let other = add(&mock, "a@evil.com", &format!("{} nothing", "y".repeat(280)));
    let (mut host, sink) = fixtures::ingesting_host_on(&mock, api);
    host.set_toml("subject_keywords", r#"["phish"]"#);
    once(&host);
    assert_eq!(subjects(&sink), set(&[&long]));
    assert!(mock.message(&id).unwrap().is_read);
    assert!(!mock.message(&other).unwrap().is_read);
    fixtures::assert_faithful(&mock);
}

/// Graph's listing gives From's SMTP address (EWS's FindItem never does):
/// the exact domain is decided on the listing, and only a match is fetched.
#[test]
fn over_graph_sender_domains_are_decided_on_the_listing() {
    let mock = fixtures::mock();
    let matching = add(&mock, "Mallory <mallory@evil.com>", "one");
    let suffix = add(&mock, "eve@notevil.com", "suffix trap");
    let prefix = add(&mock, "trudy@evil.com.example", "prefix trap");
    let (mut host, sink) = fixtures::ingesting_host_on(&mock, Api::Graph);
    host.set_toml("sender_domains", r#"["evil.com"]"#);
    once(&host);
    assert_eq!(subjects(&sink), set(&["one"]));
    assert!(mock.message(&matching).unwrap().is_read);
    assert!(!mock.message(&suffix).unwrap().is_read && !mock.message(&prefix).unwrap().is_read);
    assert_eq!(
        fixtures::sent(&mock, "graph.mime"),
        1,
        "only the match was fetched"
    );
    once(&host);
    assert_eq!(
        fixtures::sent(&mock, "graph.mime"),
        1,
        "and the others are not fetched later either"
    );
    fixtures::assert_faithful(&mock);
}
