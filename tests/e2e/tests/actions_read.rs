//! download-mail-as-eml and get-attachments end to end: the bytes that come
//! out are the bytes Exchange holds; a wrong id is caught before any request,
//! an unknown one is not-found naming it.

use e2e::fixtures::{self, ews_id, ALICE, BOB, CLIENT_ID, CLIENT_SECRET, PHISHING, TENANT};
use e2e::{on_both_apis, Api, Host};
use mock_exchange::NewMessage;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;

fn eml(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../mock-exchange/testdata/eml")
            .join(name),
    )
    .unwrap()
}

fn sha(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `invoke ACTION --params JSON --out DIR`: the output and the written files' directory.
fn invoke_out(
    host: &Host,
    action: &str,
    params: serde_json::Value,
) -> (serde_json::Value, std::path::PathBuf) {
    let out = host.dir.path().join(format!("out-{action}"));
    let run = host.run(&[
        "invoke",
        action,
        "--params",
        &params.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (run.output(), out)
}

on_both_apis!(
    download_mail_as_eml_gives_exchanges_bytes_untouched,
    download_mail_as_eml_acts_on_another_mailbox,
    ids_are_checked_before_anything_is_sent_and_unknown_ones_are_named,
    get_attachments_returns_every_file_and_attached_email_byte_exact,
    a_25_mb_attachment_comes_whole_within_the_default_memory_limit,
    actions_run_in_one_batch_process,
);

fn download_mail_as_eml_gives_exchanges_bytes_untouched(api: Api) {
    let mock = fixtures::mock();
    // Bare LF line endings and an 8-bit legacy charset: nothing may be normalised.
    let mime = eml("charset-ks_c_5601-1987-8bit.eml");
    let id = mock.add_message(ALICE, PHISHING, &mime, NewMessage::default());
    let host = fixtures::alice(&mock, api);
    let (out, dir) = invoke_out(&host, "download-mail-as-eml", json!({"item_id": id}));
    assert_eq!(ews_id(&out["item_id"]), id);
    assert_eq!(out["change_key"], mock.message(&id).unwrap().change_key);
    assert_eq!(out["size"], mime.len());
    assert_eq!(out["sha256"], sha(&mime));
    let file = out["file"].as_str().unwrap();
    assert!(file.ends_with(".eml") && !file.contains('/'), "{file}");
    assert_eq!(
        std::fs::read(dir.join(file)).unwrap(),
        mime,
        "byte for byte"
    );
    fixtures::assert_faithful(&mock);
}

/// By impersonation on EWS; on Graph, at `/users/{bob}`.
fn download_mail_as_eml_acts_on_another_mailbox(api: Api) {
    let mock = fixtures::mock();
    let mime = fixtures::email("m@evil.com", "in bob's inbox", "hi");
    let id = mock.add_message(BOB, "Inbox", &mime, NewMessage::default());
    let host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let out = host
        .invoke(
            "download-mail-as-eml",
            json!({"item_id": id, "mailbox": BOB}),
        )
        .output();
    assert_eq!(out["subject"], "in bob's inbox");
    assert_eq!(out["from"]["address"], "m@evil.com");
    assert_eq!(out["mailbox"], BOB);
    let requests = mock.requests();
    if api == Api::Ews {
        let get: Vec<_> = requests
            .iter()
            .filter(|r| r.operation == "GetItem")
            .collect();
        assert_eq!(get[0].impersonated.as_deref(), Some(BOB));
        assert_eq!(get[0].anchor_mailbox.as_deref(), Some(BOB));
    } else {
        let mime: Vec<_> = requests
            .iter()
            .filter(|r| r.operation == "graph.mime")
            .collect();
        assert_eq!(mime.len(), 1, "{requests:#?}");
        assert_eq!(mime[0].mailbox.as_deref(), Some(BOB));
    }
    fixtures::assert_faithful(&mock);
}

fn ids_are_checked_before_anything_is_sent_and_unknown_ones_are_named(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    for (params, field) in [
        (json!({}), "params.item_id: required"),
        (
            json!({"item_id": "not an id!"}),
            "params.item_id: expected an item id",
        ),
        (
            json!({"item_id": ["AAMkAD"]}),
            "params.item_id: expected a string (an item id",
        ),
        (
            json!({"item_id": "AAMkADEzYjJk", "colour": "red"}),
            "params.colour: unknown parameter",
        ),
        (
            json!({"item_id": "AAMkADEzYjJk", "mailbox": "bob"}),
            "params.mailbox: expected an email address",
        ),
    ] {
        let message = host
            .invoke("download-mail-as-eml", params.clone())
            .failure("invalid-input", 2);
        assert!(message.starts_with(field), "{params}: {message}");
    }
    assert!(
        mock.requests().is_empty(),
        "nothing was sent: {:#?}",
        mock.requests()
    );
    let unknown = "AAMkADEzYjJkLTYxMwB8GqYicWAAAA==";
    let message = host
        .invoke("download-mail-as-eml", json!({"item_id": unknown}))
        .failure("not-found", 5);
    assert!(
        message.contains(unknown) && message.contains(ALICE),
        "{message}"
    );
}

fn get_attachments_returns_every_file_and_attached_email_byte_exact(api: Api) {
    let mock = fixtures::mock();
    let mime = eml("nested-rfc822-with-inline-image.eml");
    let id = mock.add_message(ALICE, PHISHING, &mime, NewMessage::default());
    let host = fixtures::alice(&mock, api);
    let (out, dir) = invoke_out(&host, "get-attachments", json!({"item_id": id}));
    assert_eq!(ews_id(&out["item_id"]), id);
    let atts = out["attachments"].as_array().unwrap();
    assert!(!atts.is_empty(), "{out}");
    for a in atts {
        let data = std::fs::read(dir.join(a["file"].as_str().unwrap())).unwrap();
        assert_eq!(a["sha256"], sha(&data), "{a}");
        assert_eq!(a["size"], data.len(), "{a}");
    }
    let item = atts
        .iter()
        .find(|a| a["kind"] == "item")
        .expect("the attached email");
    assert!(item["file"].as_str().unwrap().ends_with(".eml"), "{item}");
    assert_eq!(item["content_type"], "message/rfc822");
    // The same attachments as the MIME holds, decoded (an attached email as its own bytes).
    let message = mail_parser::MessageParser::default().parse(&mime).unwrap();
    let mut want: Vec<String> = message
        .attachments()
        .map(|p| match &p.body {
            mail_parser::PartType::Message(m) => sha(m.raw_message()),
            _ => sha(p.contents()),
        })
        .collect();
    let mut got: Vec<String> = atts
        .iter()
        .map(|a| a["sha256"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let one_each = fixtures::sent_on(&mock, api, "GetAttachment", "graph.attachmentValue");
    assert_eq!(one_each, atts.len());
    fixtures::assert_faithful(&mock);

    // One by name; a name it does not have is not-found, listing what it has.
    let first = atts[0]["name"].as_str().unwrap().to_string();
    let one = host
        .invoke("get-attachments", json!({"item_id": id, "names": [first]}))
        .output();
    assert_eq!(one["attachments"].as_array().unwrap().len(), 1);
    let message = host
        .invoke(
            "get-attachments",
            json!({"item_id": id, "names": ["nope.exe"]}),
        )
        .failure("not-found", 5);
    assert!(
        message.contains("nope.exe") && message.contains(&first),
        "{message}"
    );
}

/// A multipart email with one base64 attachment, as mail clients write it.
fn with_attachment(name: &str, data: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let mut m = format!(
        "From: m@evil.example\r\nTo: {ALICE}\r\nSubject: big one\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
         --B\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    for line in base64::engine::general_purpose::STANDARD
        .encode(data)
        .as_bytes()
        .chunks(76)
    {
        m.extend_from_slice(line);
        m.extend_from_slice(b"\r\n");
    }
    m.extend_from_slice(b"--B--\r\n");
    m
}

fn a_25_mb_attachment_comes_whole_within_the_default_memory_limit(api: Api) {
    let mock = fixtures::mock();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let data: Vec<u8> = (0..25 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let id = mock.add_message(
        ALICE,
        PHISHING,
        &with_attachment("disk.img", &data),
        NewMessage::default(),
    );
    let mut host = fixtures::alice(&mock, api);
    host.env("EWS_LOG", "debug");
    let out_dir = host.dir.path().join("out");
    let run = host.run(&[
        "invoke",
        "get-attachments",
        "--params",
        &json!({"item_id": id}).to_string(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let out = run.output();
    assert_eq!(out["attachments"][0]["sha256"], sha(&data));
    assert_eq!(
        std::fs::read(out_dir.join("disk.img")).unwrap().len(),
        data.len()
    );
    // The guest's linear memory never shrinks: its peak is what the call
    // held at once. The answer (base64, a third larger), its decoded bytes
    // and the parser's own: at most three times the attachment.
    // The largest of the process's calls (describe comes first).
    let peak: f64 = run
        .stderr
        .lines()
        .filter_map(|l| l.split("linear memory peaked at ").nth(1))
        .filter_map(|m| m.trim_end_matches(" MiB").parse().ok())
        .reduce(f64::max)
        .unwrap_or_else(|| panic!("the host logs the peak: {}", run.stderr));
    eprintln!("{api:?}: get-attachments of 25 MiB: linear memory peaked at {peak} MiB");
    assert!(peak <= 75.0, "{peak} MiB for a 25 MiB attachment");
}

fn actions_run_in_one_batch_process(api: Api) {
    let mock = fixtures::mock();
    let id = mock.add_message(
        ALICE,
        PHISHING,
        &fixtures::email("m@evil.example", "batched", "hi"),
        NewMessage::default(),
    );
    let host = fixtures::alice(&mock, api);
    let input = [
        json!({"action": "search-emails-extended", "params": {"folder": PHISHING}}),
        json!({"action": "download-mail-as-eml", "params": {"item_id": id}}),
        json!({"action": "download-mail-as-eml", "params": {"item_id": "bad id"}}),
        json!({"action": "get-out-of-office", "params": {"mailbox": ALICE}}),
    ]
    .iter()
    .map(|l| l.to_string() + "\n")
    .collect::<String>();
    let run = host.run_with_stdin(&["batch"], Some(&input));
    assert_eq!(run.code, 0, "{run:#?}");
    let answers: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 4, "{run:#?}");
    assert_eq!(ews_id(&answers[0]["output"]["emails"][0]["item_id"]), id);
    assert_eq!(answers[1]["output"]["subject"], "batched");
    assert_eq!(answers[2]["error"]["kind"], "invalid-input");
    assert_eq!(answers[3]["output"]["state"], "Scheduled");
}
