//! send-email and reply-to-email with what users get wrong or do on
//! purpose: hostile text, bad addresses, unknown files, sending as someone
//! else, a 25 MB attachment, and `ews-host batch`.

use e2e::fixtures::{self, ALICE, BOB};
use e2e::{on_both_apis, Api, Host};
use mail_parser::{MessageParser, MimeHeaders};
use mock_exchange::NewMessage;
use notify_common::{bytes, file};
use serde_json::json;
use std::path::Path;

mod notify_common;

on_both_apis!(
    hostile_text_arrives_verbatim_or_is_refused_before_sending,
    sending_as_someone_else_is_forbidden_with_what_to_change,
    exchanges_refusals_say_what_to_change,
    another_mailbox_sends_through_impersonation,
    a_25_mb_attachment_goes_through_within_the_memory_limit,
    batch_sends_too,
);

fn send_with(host: &Host, params: serde_json::Value, f: &Path) -> e2e::Run {
    host.run(&[
        "invoke",
        "send-email",
        "--params",
        &params.to_string(),
        "--file",
        f.to_str().unwrap(),
    ])
}

const HOSTILE: &str = "</t:Subject><t:Body>]]>&amp; & <![CDATA[x]]> \"' <!-- Grüße";

fn hostile_text_arrives_verbatim_or_is_refused_before_sending(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    // A file name cannot hold "/": the closing tag is spelled without it.
    let name = "<t:Name>]]>&amp;<![CDATA[\"'.txt";
    let f = file(&host, name, b"x");
    let body = format!("{HOSTILE}\r\nline\rtwo\n");
    send_with(
        &host,
        json!({"to": [BOB], "subject": HOSTILE, "body_text": body}),
        &f,
    )
    .output();
    let sent = mock.mimes(ALICE, "sentitems");
    let m = MessageParser::default().parse(&sent[0]).unwrap();
    assert_eq!(m.subject(), Some(HOSTILE));
    assert_eq!(m.body_text(0).as_deref(), Some(body.as_str()));
    assert_eq!(
        m.attachments().next().unwrap().attachment_name(),
        Some(name)
    );
    send_with(&host, json!({"to": [BOB], "body_html": HOSTILE}), &f).output();
    let sent = mock.mimes(ALICE, "sentitems");
    assert_eq!(
        MessageParser::default()
            .parse(&sent[1])
            .unwrap()
            .body_html(0)
            .as_deref(),
        Some(HOSTILE)
    );
    let id = mock.add_message(
        ALICE,
        "Inbox",
        &fixtures::email("m@evil.example", "hi", "x"),
        NewMessage::default(),
    );
    host.invoke(
        "reply-to-email",
        json!({"item_id": id, "body_html": HOSTILE}),
    )
    .output();
    let sent = mock.mimes(ALICE, "sentitems");
    assert!(MessageParser::default()
        .parse(&sent[2])
        .unwrap()
        .body_html(0)
        .unwrap()
        .starts_with(HOSTILE));
    fixtures::assert_faithful(&mock);

    let before = mock.requests().len();
    let long = "x".repeat(256);
    for (params, field) in [
        (json!({"to": [BOB], "subject": "a\u{1}b"}), "params.subject: contains U+0001"),
        (json!({"to": [BOB], "body_text": "a\u{FFFE}"}), "params.body_text: contains U+FFFE"),
        (json!({"to": [BOB], "body_html": "\u{0}"}), "params.body_html: contains U+0000"),
        (json!({"to": [BOB], "subject": "hi\r\nBcc: eve@evil.example"}), "params.subject: one line"),
        (json!({"to": [BOB], "subject": long}), "params.subject: at most 255"),
        (json!({"to": [BOB], "attachments": ["../etc/passwd"]}), "params.attachments[0]: expected a file name without a path"),
        (json!({"to": [BOB], "attachments": ["a\\b"]}), "params.attachments[0]: expected a file name without a path"),
        (json!({"to": ["bob@contoso.example\r\nBcc: eve@evil.example"]}), "params.to[0]: expected an email address"),
        (json!({"to": ["not an address"]}), "params.to[0]: expected an email address"),
        (json!({"to": [BOB], "cc": ["a@b"]}), "params.cc[0]: expected an email address"),
        (json!({"to": [BOB], "from": "<x>"}), "params.from: expected an email address"),
        (json!({"subject": "no one"}), "params.to: at least one recipient"),
        (json!({"to": [BOB], "attachments": ["missing.pdf"]}), "params.attachments: no input file named \"missing.pdf\" (input files: \"<t:Name>]]>&amp;<![CDATA[\\\"'.txt\")"),
    ] {
        let message = send_with(&host, params.clone(), &f).failure("invalid-input", 2);
        assert!(message.starts_with(field), "{params}: {message}");
    }
    let control = file(&host, "bad\u{1}.txt", b"x");
    let message = send_with(&host, json!({"to": [BOB]}), &control).failure("invalid-input", 2);
    assert!(
        message.contains("params.attachments") && message.contains("U+0001"),
        "{message}"
    );
    let message = host
        .invoke(
            "reply-to-email",
            json!({"item_id": id, "body_text": "\u{7}"}),
        )
        .failure("invalid-input", 2);
    assert!(message.starts_with("params.body_text"), "{message}");
    assert_eq!(mock.requests().len(), before, "nothing was sent");
}

fn sending_as_someone_else_is_forbidden_with_what_to_change(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let message = host
        .invoke(
            "send-email",
            json!({"to": [BOB], "from": "ceo@contoso.example"}),
        )
        .failure("forbidden", 4);
    assert!(
        message.contains("params.from")
            && message.contains("SendAs")
            && message.contains("ErrorSendAsDenied"),
        "{message}"
    );
    assert!(mock.mimes(BOB, "inbox").is_empty());
    host.invoke("send-email", json!({"to": [BOB], "from": ALICE}))
        .output();
    fixtures::assert_faithful(&mock);
}

fn exchanges_refusals_say_what_to_change(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    // Basic may not act on another mailbox; over Graph the app's
    // permissions reach every mailbox the tenant lets it.
    if api == Api::Ews {
        let message = host
            .invoke("send-email", json!({"to": [BOB], "mailbox": BOB}))
            .failure("forbidden", 4);
        assert!(
            message.contains("ApplicationImpersonation")
                && message.contains("ErrorImpersonateUserDenied"),
            "{message}"
        );
    }
    mock.set_max_send_size(Some(4096));
    let f = file(&host, "big.bin", &[7u8; 8192]);
    let message = send_with(&host, json!({"to": [BOB]}), &f).failure("invalid-input", 2);
    assert!(
        message.starts_with("params.attachments:") && message.contains("ErrorMessageSizeExceeded"),
        "{message}"
    );
    let id = mock.add_message(
        ALICE,
        "Inbox",
        &fixtures::email("m@evil.example", "hi", "x"),
        NewMessage::default(),
    );
    let params = json!({"item_id": id}).to_string();
    let reply = host.run(&[
        "invoke",
        "reply-to-email",
        "--params",
        &params,
        "--file",
        f.to_str().unwrap(),
    ]);
    let message = reply.failure("invalid-input", 2);
    assert!(
        message.contains("params.attachments"),
        "through the reply's draft too: {message}"
    );
    mock.set_max_send_size(None);
    mock.set_over_quota(ALICE);
    let message = host
        .invoke("send-email", json!({"to": [BOB]}))
        .failure("forbidden", 4);
    assert!(
        message.contains("quota") && message.contains("ErrorQuotaExceeded"),
        "{message}"
    );
    assert!(mock.mimes(BOB, "inbox").is_empty(), "nothing was delivered");
    fixtures::assert_faithful(&mock);
}

/// By impersonation on EWS; at `/users/{bob}` on Graph.
fn another_mailbox_sends_through_impersonation(api: Api) {
    let mock = fixtures::mock();
    let host = Host::oauth_on(
        api,
        &mock,
        fixtures::TENANT,
        fixtures::CLIENT_ID,
        fixtures::CLIENT_SECRET,
        ALICE,
    );
    let out = host
        .invoke(
            "send-email",
            json!({"to": [ALICE], "subject": "from bob", "mailbox": BOB}),
        )
        .output();
    assert_eq!(out["mailbox"], BOB);
    assert!(
        out["message_id"]
            .as_str()
            .unwrap()
            .ends_with("@contoso.example>"),
        "{out}"
    );
    assert_eq!(mock.mimes(BOB, "sentitems").len(), 1);
    assert_eq!(mock.mimes(ALICE, "inbox").len(), 1);
    let requests = mock.requests();
    if api == Api::Ews {
        let create = requests
            .iter()
            .find(|r| r.operation == "CreateItem")
            .unwrap();
        assert_eq!(
            (
                create.impersonated.as_deref(),
                create.anchor_mailbox.as_deref()
            ),
            (Some(BOB), Some(BOB))
        );
    } else {
        let send = requests
            .iter()
            .find(|r| r.operation == "graph.sendMail")
            .unwrap();
        assert_eq!(send.mailbox.as_deref(), Some(BOB));
    }
    fixtures::assert_faithful(&mock);
}

fn a_25_mb_attachment_goes_through_within_the_memory_limit(api: Api) {
    let mock = fixtures::mock();
    let mut host = fixtures::alice(&mock, api);
    // Measured: the call peaks between 58 and 60 MiB (the input file, 25 MiB,
    // plus the request with its base64, 33.4 MiB). 80 MiB is far under the
    // 512 MiB default and fails on one more copy of either.
    host.set("max_memory_mb", "80");
    let data: Vec<u8> = (0..25 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let f = file(&host, "evidence.bin", &data);
    send_with(&host, json!({"to": [BOB], "subject": "large"}), &f).output();
    let sent = mock.mimes(ALICE, "sentitems");
    let m = MessageParser::default().parse(&sent[0]).unwrap();
    assert!(
        bytes(&sent[0], m.attachments().next().unwrap()) == data,
        "the bytes are exact"
    );
    if api == Api::Graph {
        // Over 3 MB: a draft, an upload session in chunks under 4 MiB, a send.
        let ops: Vec<String> = mock.requests().into_iter().map(|r| r.operation).collect();
        let count = |op: &str| ops.iter().filter(|o| *o == op).count();
        assert_eq!(
            (
                count("graph.createMessage"),
                count("graph.createUploadSession"),
                count("graph.send")
            ),
            (1, 1, 1),
            "{ops:?}"
        );
        assert_eq!(count("graph.upload"), 7, "25 MiB in chunks of 3.75 MiB");
    }
    fixtures::assert_faithful(&mock);
}

fn batch_sends_too(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let line = json!({"action": "send-email", "params": {"to": [BOB], "subject": "from batch"}});
    // A line may carry input files, as `invoke --file` does.
    let report = file(&host, "report.txt", b"batched attachment \x00\xff");
    let with_file = json!({"action": "send-email", "params": {"to": [BOB], "subject": "with a file"}, "files": [report]});
    let missing =
        json!({"action": "send-email", "params": {"to": [BOB]}, "files": ["/nonexistent/x.txt"]});
    let input = format!("{line}\n{line}\n{with_file}\n{missing}\n");
    let run = host.run_with_stdin(&["batch"], Some(&input));
    assert_eq!(run.code, 0, "{run:#?}");
    let answers: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 4, "{run:#?}");
    for v in &answers[..3] {
        assert_eq!(v["ok"], true, "{v}");
    }
    assert_eq!(
        answers[3]["error"]["kind"], "invalid-input",
        "{}",
        answers[3]
    );
    let sent = mock.mimes(ALICE, "sentitems");
    assert_eq!(sent.len(), 3);
    let (mime, with) = sent
        .iter()
        .map(|m| (m, MessageParser::default().parse(m).unwrap()))
        .find(|(_, m)| m.subject() == Some("with a file"))
        .expect("the batched send with a file");
    let part = with.attachments().next().expect("its attachment");
    assert_eq!(part.attachment_name(), Some("report.txt"));
    assert_eq!(bytes(mime, part), b"batched attachment \x00\xff");
    fixtures::assert_faithful(&mock);
}
