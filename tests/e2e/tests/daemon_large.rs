//! Large mail never blocks the queue: a poll whose emails together are
//! larger than one answer may be is fetched in several GetItems, and an
//! email too large to fetch whole is delivered from its parts (properties,
//! then each attachment alone), with the small email behind it.

use base64::Engine as _;
use e2e::fixtures::{self, ALICE, PHISHING};
use e2e::{dir_sink_records, on_both_apis, Api};
use mock_exchange::{MockExchange, NewMessage};
use sha2::{Digest, Sha256};

/// Deterministic bytes that do not compress (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A multipart email with these (name, media type, bytes) attachments,
/// base64 in 76-character lines as mail clients write them.
fn email_with(subject: &str, attachments: &[(&str, &str, Vec<u8>)]) -> Vec<u8> {
    let mut m = format!(
        "From: Mallory <m@evil.com>\r\nTo: {ALICE}\r\nSubject: {subject}\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n\
         Message-ID: <{}@evil.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes();
    for (name, media_type, data) in attachments {
        if *media_type == "message/rfc822" {
            m.extend_from_slice(
                b"--B\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n",
            );
            m.extend_from_slice(data);
            m.extend_from_slice(b"\r\n");
            continue;
        }
        m.extend_from_slice(
            format!(
                "--B\r\nContent-Type: {media_type}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n"
            )
            .as_bytes(),
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(data);
        for line in b64.as_bytes().chunks(76) {
            m.extend_from_slice(line);
            m.extend_from_slice(b"\r\n");
        }
    }
    m.extend_from_slice(b"--B--\r\n");
    m
}

fn add(mock: &MockExchange, mime: &[u8], received: &str) -> String {
    mock.add_message(
        ALICE,
        PHISHING,
        mime,
        NewMessage {
            received,
            ..NewMessage::default()
        },
    )
}

fn count(mock: &MockExchange, operation: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.operation == operation)
        .count()
}

fn sha(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

on_both_apis!(
    a_poll_of_more_than_128_mib_is_handed_to_the_host_whole,
    forty_emails_of_one_and_a_half_megabytes_arrive_in_one_run,
    an_email_too_large_to_fetch_whole_arrives_from_its_parts_with_the_one_behind_it,
);

/// wasmtime lets a guest hand the host 128 MiB per call unless told
/// otherwise; a poll of 1,000 emails can be more. Here 50 emails make about
/// 190 MB of records in one poll (max_batch_bytes raised to allow it).
fn a_poll_of_more_than_128_mib_is_handed_to_the_host_whole(api: Api) {
    let mock = fixtures::mock();
    for i in 0..50 {
        let mime = email_with(
            &format!("bulky {i:02}"),
            &[("dump.bin", "application/octet-stream", noise(1_600_000, i + 7))],
        );
        add(&mock, &mime, &format!("2026-11-20T11:{i:02}:00Z"));
    }
    let (mut host, sink) = fixtures::ingesting_host_on(&mock, api);
    host.set("max_batch_bytes", "1073741824");
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr.contains("step 1: polled 50, stored 50, acked 50"),
        "one poll: {}",
        run.stderr
    );
    assert_eq!(dir_sink_records(&sink).len(), 50);
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0);
}

fn forty_emails_of_one_and_a_half_megabytes_arrive_in_one_run(api: Api) {
    let mock = fixtures::mock();
    let ids: Vec<String> = (0..40)
        .map(|i| {
            let mime = email_with(
                &format!("big {i:02}"),
                &[("scan.pdf", "application/pdf", noise(1_100_000, i + 1))],
            );
            assert!(mime.len() > 1_500_000, "{}", mime.len());
            add(&mock, &mime, &format!("2026-11-20T10:{i:02}:00Z"))
        })
        .collect();
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 40, "{run:#?}");
    for (_, r) in &records {
        assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    }
    assert!(ids.iter().all(|id| mock.message(id).unwrap().is_read));
    // 60 MB of mail in one poll: more than one answer may hold, so several
    // GetItems, none refused for size.
    assert!(!run.stderr.contains("larger than"), "{}", run.stderr);
    match api {
        Api::Ews => {
            let get_items = count(&mock, "GetItem");
            assert!((2..=4).contains(&get_items), "{get_items} GetItems");
            eprintln!("40 × 1.5 MB: {get_items} GetItem requests");
        }
        Api::Graph => {
            // One MIME each, every one inside a $batch (1.5 MB is under the
            // 4 MiB kept for lone requests); the properties from the listing.
            assert_eq!(count(&mock, "graph.mime"), 40);
            let lone = mock
                .requests()
                .iter()
                .filter(|r| r.operation == "graph.mime" && r.batch_id.is_none())
                .count();
            assert_eq!(lone, 0, "every MIME in a $batch");
            assert_eq!(count(&mock, "graph.message"), 0, "properties from the listing");
            let batches = count(&mock, "graph.batch");
            assert!((2..=6).contains(&batches), "{batches} batches");
            eprintln!("40 × 1.5 MB over Graph: {} requests", mock.requests().len());
        }
    }
    fixtures::assert_faithful(&mock);
}

fn an_email_too_large_to_fetch_whole_arrives_from_its_parts_with_the_one_behind_it(api: Api) {
    let mock = fixtures::mock();
    // Graph answers the MIME as it is (EWS in base64 inside XML): larger
    // files make it too large there too.
    let big_a = noise(
        match api {
            Api::Ews => 30_000_000,
            Api::Graph => 42_000_000,
        },
        7,
    );
    let big_b = noise(10_000_000, 8);
    let nested = b"From: a@b.example\r\nSubject: the original\r\n\r\nhello\r\n".to_vec();
    let mime = email_with(
        "huge",
        &[
            ("disk image.bin", "application/octet-stream", big_a.clone()),
            ("report.pdf", "application/pdf", big_b.clone()),
            ("", "message/rfc822", nested.clone()),
        ],
    );
    assert!(mime.len() > 50_000_000, "{}", mime.len());
    let huge = add(&mock, &mime, "2026-11-20T10:00:00Z");
    let small = add(
        &mock,
        &fixtures::email("m@evil.com", "small one", "hi"),
        "2026-11-20T10:01:00Z",
    );
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 2, "{run:#?}");
    assert!(mock.message(&huge).unwrap().is_read && mock.message(&small).unwrap().is_read);

    let (dir, r) = &records[0];
    assert_eq!(r["subject"], "huge");
    assert!(
        r["errors"][0]
            .as_str()
            .unwrap()
            .contains("too large to fetch whole"),
        "{r}"
    );
    assert_eq!(r["eml"], serde_json::Value::Null);
    assert_eq!(r["from"]["address"], "m@evil.com");
    assert_eq!(r["body"]["text"].as_str().unwrap().trim(), "see attached");
    let atts = r["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 3, "{r}");
    for (entry, data) in [(&atts[0], &big_a), (&atts[1], &big_b), (&atts[2], &nested)] {
        assert_eq!(entry["sha256"], sha(data), "{entry}");
        let file = sink.join(dir).join(entry["file"].as_str().unwrap());
        assert_eq!(std::fs::metadata(&file).unwrap().len(), data.len() as u64);
    }
    assert_eq!(atts[2]["kind"], "email");
    assert_eq!(atts[2]["email"]["subject"], "the original");
    assert_eq!(records[1].1["subject"], "small one");
    assert_eq!(records[1].1["errors"], serde_json::json!([]));
    // Its item:Size (the store's, attachments decoded: about 40 MB) let it be
    // tried whole; the answer (54 MB of MIME, base64) was refused for its
    // size before it was read; then a metadata GetItem, one GetAttachment
    // per attachment, and the small one's GetItem.
    match api {
        Api::Ews => {
            assert!(mock.message(&huge).unwrap().size < 45_000_000);
            assert_eq!(count(&mock, "GetItem"), 3);
            assert_eq!(count(&mock, "GetAttachment"), 3);
        }
        Api::Graph => {
            // Its size (the store's, 52 MB, grown by the MIME's base64) says
            // it cannot fit: never tried whole; its properties and one
            // attachment at a time instead, and the small one's MIME.
            assert_eq!(count(&mock, "graph.mime"), 1, "the small one only");
            let direct = mock.requests().into_iter().filter(|r| r.batch_id.is_none());
            let details = direct.filter(|r| r.operation == "graph.message").count();
            assert_eq!(
                details, 1,
                "its properties, once (the small one's are in a $batch)"
            );
            assert_eq!(count(&mock, "graph.attachmentValue"), 3);
        }
    }
    fixtures::assert_faithful(&mock);
}
