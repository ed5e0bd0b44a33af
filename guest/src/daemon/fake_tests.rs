//! The daemon's logic against the fake mailbox (mailbox::fake): what it
//! chooses, fetches, decides, records and marks read, whatever the transport.
//! `tests.rs` keeps what is EWS's: the requests the same steps send.

use super::checkpoint::State;
use super::*;
use crate::mailbox::fake::{FakeEmail, FakeMailbox};
use crate::mailbox::{AttachmentInfo, MailDetails};
use crate::platform::fake::FakeHost;
use serde_json::Value;

const T0: i64 = 1_700_000_000;

fn host(extra: &[(&str, &str)]) -> FakeHost {
    let mut pairs = vec![
        ("ews_url", "http://127.0.0.1:8080/EWS/Exchange.asmx"),
        ("auth_method", "basic"),
        ("username", "soc@example.com"),
        ("primary_smtp_address", "soc@example.com"),
    ];
    pairs.extend_from_slice(extra);
    FakeHost::with_config(&pairs).secret("password", "pw")
}

fn with<T>(
    h: &FakeHost,
    fake: &FakeMailbox,
    f: impl FnOnce(&mut Session) -> Result<T, Error>,
) -> T {
    let mut s = Session::open_with(h, |_| Box::new(fake.clone())).unwrap();
    f(&mut s).unwrap()
}

fn poll(h: &FakeHost, fake: &FakeMailbox) -> Batch {
    with(h, fake, |s| super::poll::poll(s, 50, 100))
}

fn ack(h: &FakeHost, fake: &FakeMailbox, batch: &Batch) {
    let ids: Vec<String> = batch.items.iter().map(|i| i.id.clone()).collect();
    with(h, fake, |s| super::ack::ack(s, &ids))
}

fn mime(from: &str, subject: &str) -> String {
    format!("From: {from}\r\nSubject: {subject}\r\n\r\nclick here\r\n")
}

fn subjects(b: &Batch) -> Vec<String> {
    b.items
        .iter()
        .map(|i| {
            let v: Value = serde_json::from_str(&i.json).unwrap();
            v["subject"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

#[test]
fn the_exact_sender_match_is_the_daemons_and_an_undecided_email_is_fetched_once() {
    let h = host(&[("sender_domains", r#"["evil.com"]"#)]);
    let fake = FakeMailbox::default();
    fake.add(
        "A",
        "match",
        Some("m@evil.com"),
        T0,
        &mime("m@evil.com", "match"),
    );
    fake.add(
        "B",
        "prefix trap",
        Some("m@evil.com.example"),
        T0 + 1,
        &mime("m@evil.com.example", "prefix trap"),
    );
    fake.add(
        "C",
        "no smtp, matching",
        None,
        T0 + 2,
        &mime("x@EVIL.com", "no smtp, matching"),
    );
    fake.add(
        "D",
        "no smtp, other",
        None,
        T0 + 3,
        &mime("x@good.example", "no smtp, other"),
    );
    fake.add(
        "E",
        "suffix trap",
        Some("m@notevil.com"),
        T0 + 4,
        &mime("m@notevil.com", "suffix trap"),
    );
    let batch = poll(&h, &fake);
    assert_eq!(subjects(&batch), ["match", "no smtp, matching"]);
    // Fetched: what the prefilter let through and the SMTP form could not exclude.
    assert!(
        fake.calls().contains(&"mime:A,C,D".to_string()),
        "{:?}",
        fake.calls()
    );
    ack(&h, &fake, &batch);
    assert!(fake.is_read("A") && fake.is_read("C") && !fake.is_read("D") && !fake.is_read("B"));
    // D was rejected on its MIME: remembered, never fetched again while unchanged.
    let again = poll(&h, &fake);
    assert!(again.items.is_empty());
    assert!(
        !fake.calls().iter().skip(3).any(|c| c.starts_with("mime")),
        "{:?}",
        fake.calls()
    );
}

#[test]
fn an_answer_too_large_is_asked_again_in_halves() {
    let h = host(&[]);
    let fake = FakeMailbox::default();
    for (i, id) in ["I1", "I2", "I3"].iter().enumerate() {
        fake.add(
            id,
            id,
            Some("a@b.example"),
            T0 + i as i64,
            &mime("a@b.example", id),
        );
    }
    fake.0.borrow_mut().max_items_per_answer = Some(1);
    let batch = poll(&h, &fake);
    assert_eq!(subjects(&batch), ["I1", "I2", "I3"]);
    let fetches: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("mime"))
        .collect();
    assert_eq!(
        fetches,
        [
            "mime:I1,I2,I3",
            "mime:I1",
            "mime:I2,I3",
            "mime:I2",
            "mime:I3"
        ]
    );
}

#[test]
fn an_email_too_large_alone_is_delivered_from_its_parts() {
    let h = host(&[]);
    let fake = FakeMailbox::default();
    fake.add(
        "BIG",
        "huge",
        Some("m@evil.com"),
        T0,
        &mime("m@evil.com", "huge"),
    );
    fake.add(
        "SMALL",
        "small",
        Some("m@evil.com"),
        T0 + 1,
        &mime("m@evil.com", "small"),
    );
    {
        let mut s = fake.0.borrow_mut();
        s.too_large.push("BIG".into());
        let big: &mut FakeEmail = &mut s.emails[0];
        big.details = Some(MailDetails {
            body_text: Some("see attached".into()),
            attachments: vec![AttachmentInfo {
                id: "AT1".into(),
                name: Some("invoice.pdf".into()),
                content_type: Some("application/pdf".into()),
                size: Some(5),
                ..Default::default()
            }],
            ..Default::default()
        });
        big.attachments = vec![("AT1".into(), b"%PDF-".to_vec())];
    }
    let batch = poll(&h, &fake);
    assert_eq!(subjects(&batch), ["huge", "small"]);
    let r: Value = serde_json::from_str(&batch.items[0].json).unwrap();
    assert!(
        r["errors"][0]
            .as_str()
            .unwrap()
            .contains("too large to fetch whole"),
        "{r}"
    );
    assert_eq!(r["body"]["text"], "see attached");
    assert_eq!(batch.items[0].files[0].data, b"%PDF-");
    ack(&h, &fake, &batch);
    assert!(fake.is_read("BIG") && fake.is_read("SMALL"));
}

#[test]
fn a_refused_email_is_delivered_with_errors_and_a_refused_mark_read_is_retried() {
    let h = host(&[]);
    let fake = FakeMailbox::default();
    fake.add(
        "A",
        "refused",
        Some("a@b.example"),
        T0,
        &mime("a@b.example", "refused"),
    );
    fake.add(
        "B",
        "fine",
        Some("a@b.example"),
        T0 + 1,
        &mime("a@b.example", "fine"),
    );
    fake.0
        .borrow_mut()
        .refuse
        .push(("A".into(), "ErrorMimeContentConversionFailed".into()));
    let batch = poll(&h, &fake);
    let r: Value = serde_json::from_str(&batch.items[0].json).unwrap();
    assert!(
        r["errors"][0]
            .as_str()
            .unwrap()
            .contains("ErrorMimeContentConversionFailed"),
        "{r}"
    );
    // Marking B read is refused once: it stays pending and goes through next poll.
    fake.0
        .borrow_mut()
        .refuse
        .push(("B".into(), "ErrorInternalServerError".into()));
    ack(&h, &fake, &batch);
    assert!(fake.is_read("A") && !fake.is_read("B"));
    let rid = record_id("soc@example.com", "B");
    let state = |h: &FakeHost| with(h, &fake, |s| s.checkpoint.get(&rid)).map(|e| e.state);
    assert_eq!(state(&h), Some(State::Delivered));
    let again = poll(&h, &fake);
    assert!(
        again.items.is_empty(),
        "a delivered email is never handed out again"
    );
    assert!(fake.is_read("B"));
    assert_eq!(state(&h), Some(State::Done));
    assert_eq!(
        fake.calls()
            .iter()
            .filter(|c| c.as_str() == "mark_read:B")
            .count(),
        1,
        "{:?}",
        fake.calls()
    );
}

#[test]
fn a_mark_read_refused_for_a_stale_change_key_is_sent_again_at_once_without_it() {
    let h = host(&[]);
    let fake = FakeMailbox::default();
    fake.add(
        "A",
        "flagged meanwhile",
        Some("a@b.example"),
        T0,
        &mime("a@b.example", "x"),
    );
    let batch = poll(&h, &fake);
    fake.0
        .borrow_mut()
        .refuse
        .push(("A".into(), "ErrorIrresolvableConflict".into()));
    ack(&h, &fake, &batch);
    assert!(fake.is_read("A"), "read in the same ack");
    let marks = fake.calls().iter().filter(|c| *c == "mark_read:A").count();
    assert_eq!(marks, 2, "{:?}", fake.calls());
    let rid = record_id("soc@example.com", "A");
    let done = with(&h, &fake, |s| s.checkpoint.get(&rid)).map(|e| e.state);
    assert_eq!(done, Some(State::Done));
}

/// A batch says how many are still waiting by the server's count, and none
/// once it holds the last of them.
#[test]
fn a_batch_says_how_many_are_still_waiting() {
    let h = host(&[]);
    let fake = FakeMailbox::default();
    for i in 0..5 {
        let subject = format!("report {i}");
        fake.add(
            &format!("I{i}"),
            &subject,
            Some("a@x.example"),
            1_700_000_000 + i,
            &mime("a@x.example", &subject),
        );
    }
    let first = with(&h, &fake, |s| super::poll::poll(s, 2, 100));
    assert_eq!(
        (first.items.len(), first.more, first.remaining),
        (2, true, Some(3))
    );
    ack(&h, &fake, &first);
    let rest = with(&h, &fake, |s| super::poll::poll(s, 10, 100));
    assert_eq!(
        (rest.items.len(), rest.more, rest.remaining),
        (3, false, Some(0))
    );
}
