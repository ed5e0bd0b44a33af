//! What an ingested email carries: every test message in
//! tests/mock-exchange/testdata/eml, hostile attachment names, unreadable
//! MIME, an item Exchange will not return, a mark-read that fails, and attached
//! emails nested deeper than the parser's stack allows.

use e2e::fixtures::{self, email, ALICE, PHISHING};
use e2e::{dir_sink_records, on_both_apis, Api, MockExchange};
use mock_exchange::{Fault, NewMessage};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

on_both_apis!(
    every_test_message_arrives_whole,
    hostile_attachment_names_still_arrive_under_safe_unique_names,
    unreadable_mime_and_a_refused_item_are_delivered_once_with_errors,
    a_failed_mark_read_is_retried_later_and_nothing_is_delivered_twice,
    a_chain_of_attached_emails_too_deep_to_parse_arrives_with_an_error,
    an_email_whose_parse_stops_the_component_is_quarantined_and_the_rest_go_on,
);

fn eml_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mock-exchange/testdata/eml")
}

fn hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn add(mock: &MockExchange, mime: &[u8], minute: u32) -> String {
    let received = format!("2026-11-20T08:{minute:02}:00Z");
    mock.add_message(
        ALICE,
        PHISHING,
        mime,
        NewMessage {
            received: &received,
            ..NewMessage::default()
        },
    )
}

fn run_once(host: &e2e::Host) {
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
}

/// Every file the record names exists in its folder, with the size and hash it states.
fn check_files(sink: &Path, id: &str, record: &Value) {
    let eml = std::fs::read(sink.join(id).join("message.eml")).expect("message.eml");
    assert_eq!(record["eml"], "message.eml");
    assert!(!eml.is_empty());
    for a in record["attachments"].as_array().unwrap() {
        let name = a["file"].as_str().expect("every attachment has a file");
        assert!(
            !name.contains('/') && !name.starts_with('.') && !name.chars().any(char::is_control),
            "{name:?}"
        );
        let data =
            std::fs::read(sink.join(id).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(a["size"], data.len(), "{name}");
        assert_eq!(a["sha256"], hex(&data), "{name}");
    }
}

fn every_test_message_arrives_whole(api: Api) {
    let mock = fixtures::mock();
    let mut names: Vec<_> = std::fs::read_dir(eml_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    assert_eq!(names.len(), 15);
    let mut originals = std::collections::HashMap::new();
    for (i, path) in names.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        let id = add(&mock, &bytes, i as u32);
        originals.insert(
            id,
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
            ),
        );
    }
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    run_once(&host);
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 15);
    assert_eq!(mock.unread_count(ALICE, PHISHING), 0);
    fixtures::assert_faithful(&mock);

    let mut by_file = std::collections::HashMap::new();
    for (dir, record) in &records {
        assert_eq!(dir, record["id"].as_str().unwrap());
        let (file, bytes) = &originals[&fixtures::ews_id(&record["item_id"])];
        let eml = std::fs::read(sink.join(dir).join("message.eml")).unwrap();
        assert!(
            eml == *bytes,
            "{file}: message.eml is the message byte for byte"
        );
        check_files(&sink, dir, record);
        assert_eq!(record["mailbox"], ALICE);
        assert!(record["received"].as_str().unwrap().ends_with('Z'));
        by_file.insert(file.clone(), record.clone());
    }
    let r = |f: &str| by_file[f].clone();
    let attachment = |f: &str, name: &str| -> Value {
        r(f)["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["file"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{f}: no attachment {name}: {}", r(f)["attachments"]))
    };

    assert_eq!(r("encword-euc-kr.eml")["subject"], "NOTE: 한국말로 하는 것");
    assert_eq!(
        r("encword-iso-2022-jp.eml")["subject"],
        "日本語メールテスト (testing Japanese emails)"
    );
    assert!(r("charset-ks_c_5601-1987-8bit.eml")["body"]["text"]
        .as_str()
        .unwrap()
        .contains("스티해"));
    assert!(r("encword-windows-1252.eml")["body"]["text"]
        .as_str()
        .unwrap()
        .contains("mißliche"));
    let cyrillic = r("encword-windows-1251-bad-date.eml");
    assert_eq!(
        cyrillic["sent"],
        Value::Null,
        "an impossible date is null, not a guess"
    );
    assert!(!cyrillic["errors"].as_array().unwrap().is_empty());

    let blue = attachment("inline-images-multipart-related-cid.eml", "blueball.png");
    assert_eq!(
        (blue["size"].as_u64(), blue["inline"].as_bool()),
        (Some(1325), Some(true))
    );
    assert!(blue["content_id"].as_str().is_some());
    assert_eq!(
        attachment("inline-images-multipart-related-cid.eml", "redball.png")["size"],
        1453
    );

    assert_eq!(
        attachment("tnef-winmail-dat-koi8r.eml", "winmail.dat")["size"],
        9566
    );
    let signature = attachment("smime-multipart-signed-inline-png.eml", "smime.p7s");
    assert!(
        signature["media_type"]
            .as_str()
            .unwrap()
            .contains("pkcs7-signature"),
        "{signature}"
    );
    assert!(signature["size"].as_u64().unwrap() > 0);
    let long = format!("{}.txt", "かきくけこ".repeat(5));
    assert_eq!(
        attachment("encword-utf8-rfc2231-long-filename.eml", &long)["original_name"],
        long.as_str()
    );

    let forwarded = attachment("nested-rfc822.eml", "ForwardedMessage.eml");
    assert_eq!(forwarded["kind"], "email");
    assert_eq!(forwarded["media_type"], "message/rfc822");
    assert_eq!(forwarded["email"]["subject"], "Another PDF");
    let outlook = r("nested-rfc822-outlook-simple.eml");
    let nested: Vec<_> = outlook["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "email")
        .collect();
    assert_eq!(nested.len(), 1, "{}", outlook["attachments"]);
    assert!(nested[0]["email"]["subject"].as_str().is_some());
}

fn hostile_attachment_names_still_arrive_under_safe_unique_names(api: Api) {
    let mock = fixtures::mock();
    let long = "A".repeat(500);
    let part = |disposition: &str, data: &str| {
        format!("--b\r\nContent-Type: application/octet-stream\r\n{disposition}Content-Transfer-Encoding: base64\r\n\r\n{data}\r\n")
    };
    let mut mime = b"From: m@evil.com\r\nTo: alice@contoso.example\r\nSubject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n".to_vec();
    let names = [
        "Content-Disposition: attachment; filename=\"../../etc/passwd\"\r\n".to_string(),
        "Content-Disposition: attachment; filename=\"a\x01b\x1b.txt\"\r\n".to_string(),
        format!("Content-Disposition: attachment; filename=\"{long}.pdf\"\r\n"),
        String::new(),
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n".to_string(),
        "Content-Disposition: attachment; filename=\"REPORT.pdf\"\r\n".to_string(),
        "Content-Disposition: attachment; filename=\"message.eml\"\r\n".to_string(),
        "Content-Disposition: attachment; filename=\"..\"\r\n".to_string(),
    ];
    for (i, n) in names.iter().enumerate() {
        mime.extend(
            part(
                n,
                [
                    "aGVsbG8=", "d29ybGQ=", "Zm9v", "YmFy", "YmF6", "cXV4", "b25l", "dHdv",
                ][i],
            )
            .into_bytes(),
        );
    }
    mime.extend(b"--b--\r\n");
    add(&mock, &mime, 0);
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    run_once(&host);
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 1);
    let (id, record) = &records[0];
    let attachments = record["attachments"].as_array().unwrap();
    assert_eq!(
        attachments.len(),
        names.len(),
        "none dropped: {attachments:#?}"
    );
    check_files(&sink, id, record);
    let files: std::collections::BTreeSet<String> = attachments
        .iter()
        .map(|a| a["file"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(files.len(), names.len(), "unique: {files:?}");
    assert!(!files.contains("message.eml"));
    assert!(attachments
        .iter()
        .all(|a| a["file"].as_str().unwrap().chars().count() <= 120));
    assert!(attachments
        .iter()
        .any(|a| a["original_name"] == "../../etc/passwd"));
    assert!(attachments.iter().any(|a| a["original_name"]
        .as_str()
        .is_some_and(|n| n.starts_with(&long))));
    assert!(
        attachments.iter().any(|a| a["original_name"].is_null()),
        "the unnamed one keeps null"
    );
}

fn unreadable_mime_and_a_refused_item_are_delivered_once_with_errors(api: Api) {
    let mock = fixtures::mock();
    let good = add(&mock, &email("a@x.example", "fine", "ok"), 0);
    add(&mock, b"\x00\xff\xfe garbage \r\n\r\n--\r\n\x1b[31m", 1);
    let refused = add(&mock, &email("a@x.example", "refused by GetItem", "x"), 2);
    mock.fail_item(&refused, "ErrorCorruptData", 1000);
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    run_once(&host);
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 3, "one bad email never blocks the rest");
    let with_errors: Vec<_> = records
        .iter()
        .filter(|(_, r)| !r["errors"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(with_errors.len(), 2, "{records:#?}");
    let refused_record = records
        .iter()
        .find(|(_, r)| fixtures::ews_id(&r["item_id"]) == refused)
        .unwrap();
    assert_eq!(
        refused_record.1["subject"], "refused by GetItem",
        "known from FindItem"
    );
    assert!(refused_record.1["errors"]
        .to_string()
        .contains("ErrorCorruptData"));
    assert!(mock.message(&good).unwrap().is_read);

    // Never again, whatever Exchange says about the refused one later.
    run_once(&host);
    run_once(&host);
    assert_eq!(dir_sink_records(&sink).len(), 3);
}

/// Thousands of attached emails inside one base64 part would overflow the component's
/// stack in the parser; the nesting guard (its SIMD scan runs only in the component)
/// must spot the chain, so the email arrives with an error and the next one arrives too.
fn a_chain_of_attached_emails_too_deep_to_parse_arrives_with_an_error(api: Api) {
    use base64::Engine;
    let mut chain = String::new();
    for i in 0..3000 {
        // Mixed case, and at every offset mod 16 over the levels: the scan folds case
        // and looks at 16 positions at a time.
        let pad = "x".repeat(i % 17);
        chain.push_str(&format!(
            "From: l{i}@x.example\r\nX-Pad: {pad}\r\nContent-Type: MESSAGE/rfc822\r\n\r\n"
        ));
    }
    chain.push_str("From: z@x.example\r\nSubject: bottom\r\n\r\nbottom\r\n");
    let wrapped = base64::engine::general_purpose::STANDARD.encode(chain.as_bytes());
    let lines: Vec<&str> = wrapped
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let mime = format!(
        "From: a@x.example\r\nTo: alice@contoso.example\r\nSubject: deep chain\r\n\
         Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
         Content-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n\
         Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        lines.join("\r\n")
    );
    let mock = fixtures::mock();
    let deep = add(&mock, mime.as_bytes(), 0);
    let next = add(&mock, &email("b@x.example", "after the chain", "ok"), 1);
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    run_once(&host);
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 2, "{records:#?}");
    let (id, record) = records
        .iter()
        .find(|(_, r)| fixtures::ews_id(&r["item_id"]) == deep)
        .expect("the deep chain is delivered");
    assert!(
        record["errors"].to_string().contains("nested too deep"),
        "{:#}",
        record["errors"]
    );
    assert_eq!(record["subject"], "deep chain");
    check_files(&sink, id, record);
    assert!(mock.message(&deep).unwrap().is_read);
    assert!(mock.message(&next).unwrap().is_read);
}

/// Whatever makes the component trap on one email (here: tens of thousands of
/// attachments, past a small memory limit), that email must not stop every poll
/// after: the next poll quarantines it, and it arrives unparsed with its MIME whole.
fn an_email_whose_parse_stops_the_component_is_quarantined_and_the_rest_go_on(api: Api) {
    let mock = fixtures::mock();
    let before = add(&mock, &email("a@x.example", "before", "ok"), 0);
    let mut poison = b"From: p@x.example\r\nTo: alice@contoso.example\r\nSubject: many parts\r\n\
        Content-Type: multipart/mixed; boundary=B\r\n\r\n"
        .to_vec();
    for _ in 0..100_000 {
        poison.extend_from_slice(b"--B\r\nContent-Disposition: attachment\r\n\r\nx\r\n");
    }
    poison.extend_from_slice(b"--B--\r\n");
    let bad = add(&mock, &poison, 1);
    let after = add(&mock, &email("b@x.example", "after", "ok"), 2);
    let (mut host, sink) = fixtures::ingesting_host_on(&mock, api);
    host.set_toml("max_memory_mb", "32");

    let first = host.run(&["daemon", "--once"]);
    assert_ne!(
        first.code, 0,
        "the poison email traps the first poll: {first:#?}"
    );
    assert!(first.stderr.contains("memory limit"), "{}", first.stderr);
    assert!(dir_sink_records(&sink).is_empty());

    let second = host.run(&["daemon", "--once"]);
    assert_eq!(second.code, 0, "{second:#?}");
    assert!(second.stderr.contains("quarantined"), "{}", second.stderr);
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 3, "{records:#?}");
    let (id, record) = records
        .iter()
        .find(|(_, r)| fixtures::ews_id(&r["item_id"]) == bad)
        .expect("the poison email is delivered");
    assert!(
        record["errors"]
            .to_string()
            .contains("stopped the component"),
        "{:#}",
        record["errors"]
    );
    assert_eq!(record["subject"], "many parts", "from the listing");
    let eml = std::fs::read(sink.join(id).join("message.eml")).unwrap();
    assert_eq!(hex(&eml), hex(&poison), "the MIME whole, byte for byte");
    for (_, r) in records.iter().filter(|(i, _)| i != id) {
        assert_eq!(r["errors"].as_array().unwrap().len(), 0, "{r:#}");
    }
    for m in [&before, &bad, &after] {
        assert!(mock.message(m).unwrap().is_read);
    }
    run_once(&host);
    assert_eq!(dir_sink_records(&sink).len(), 3, "never again");
}

fn a_failed_mark_read_is_retried_later_and_nothing_is_delivered_twice(api: Api) {
    let mock = fixtures::mock();
    let ids: Vec<_> = (0..3)
        .map(|i| add(&mock, &email("a@x.example", &format!("m{i}"), "x"), i))
        .collect();
    match api {
        Api::Ews => mock.inject("UpdateItem", Fault::ServerBusy { backoff_ms: 100 }, 1),
        // One PATCH of the $batch throttled on its own.
        Api::Graph => mock.inject(
            "graph.updateMessage",
            Fault::Status {
                code: 429,
                retry_after: Some(1),
            },
            1,
        ),
    }
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    run_once(&host);
    assert_eq!(dir_sink_records(&sink).len(), 3);
    assert_eq!(
        mock.faults_served().len(),
        1,
        "the mark-read was refused once"
    );
    let posts_before = count_deliveries(&sink);

    // Someone marks one unread again: a delivered id is never handed out again.
    mock.set_read(&ids[0], false);
    run_once(&host);
    assert_eq!(count_deliveries(&sink), posts_before, "no redelivery");
    for id in &ids[1..] {
        assert!(
            mock.message(id).unwrap().is_read,
            "the pending mark-read was retried"
        );
    }
    let moved = add(&mock, &email("a@x.example", "moved away", "x"), 9);
    mock.fail_item(&moved, "ErrorItemNotFound", 1000);
    run_once(&host);
    run_once(&host);
    assert_eq!(
        dir_sink_records(&sink).len(),
        4,
        "delivered once although it can never be marked read"
    );
}

/// The sink's folders' modification times: a redelivery rewrites one.
fn count_deliveries(sink: &Path) -> Vec<(String, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(sink)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}
