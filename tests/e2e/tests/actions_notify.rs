//! send-email and reply-to-email end to end: what the mock's transport
//! composed from the request (Sent Items, recipients' Inboxes) is compared
//! with what was asked, attachment bytes included; hostile text arrives
//! verbatim or is refused before anything is sent.

use e2e::fixtures::{self, ews_id, ALICE, BOB};
use e2e::{on_both_apis, Api, Host};
use mail_parser::{Message, MessageParser, MimeHeaders};
use mock_exchange::{MockExchange, NewMessage};
use notify_common::{bytes, file};
use serde_json::{json, Value};
use std::path::PathBuf;

mod notify_common;

on_both_apis!(
    send_email_with_two_attachments_sends_their_exact_bytes,
    send_email_without_a_copy_leaves_sent_items_empty,
    reply_and_reply_all_are_threaded_and_reach_the_right_people,
);

const CAROL: &str = "carol@partner.example";

fn invoke(host: &Host, action: &str, params: Value, files: &[&PathBuf]) -> e2e::Run {
    let mut args = vec![
        "invoke".to_string(),
        action.into(),
        "--params".into(),
        params.to_string(),
    ];
    for f in files {
        args.push("--file".into());
        args.push(f.to_str().unwrap().into());
    }
    host.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn parse(mime: &[u8]) -> Message<'_> {
    MessageParser::default()
        .parse(mime)
        .expect("the mock's MIME parses")
}

fn addresses(list: Option<&mail_parser::Address>) -> Vec<String> {
    list.map(|a| {
        a.iter()
            .filter_map(|x| x.address.as_deref().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

fn sent(mock: &MockExchange) -> Vec<Vec<u8>> {
    mock.mimes(ALICE, "sentitems")
}

fn send_email_with_two_attachments_sends_their_exact_bytes(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let report = file(&host, "report.txt", b"line 1\r\nline 2\n\x00\xff");
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let sample = file(&host, "sample.bin", &binary);
    let params = json!({
        "to": [BOB], "cc": [CAROL], "bcc": ["audit@contoso.example"],
        "subject": "Phishing report #42", "body_text": "Hello,\r\nsee attached.\r\n",
        "importance": "High", "reply_to": ["soc@contoso.example"],
    });
    let out = invoke(&host, "send-email", params, &[&report, &sample]).output();
    assert_eq!(out["sent"], true);
    assert_eq!(out["attachments"], json!(["report.txt", "sample.bin"]));
    let mimes = sent(&mock);
    assert_eq!(mimes.len(), 1, "one copy in Sent Items");
    let m = parse(&mimes[0]);
    assert_eq!(m.subject(), Some("Phishing report #42"));
    assert_eq!(addresses(m.to()), vec![BOB]);
    assert_eq!(addresses(m.cc()), vec![CAROL]);
    assert_eq!(addresses(m.bcc()), vec!["audit@contoso.example"]);
    assert_eq!(addresses(m.reply_to()), vec!["soc@contoso.example"]);
    assert_eq!(addresses(m.from()), vec![ALICE]);
    assert_eq!(
        m.body_text(0).as_deref(),
        Some("Hello,\r\nsee attached.\r\n")
    );
    assert_eq!(
        format!("<{}>", m.message_id().unwrap()),
        out["message_id"].as_str().unwrap()
    );
    let atts: Vec<_> = m
        .attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap().to_string(),
                bytes(&mimes[0], a),
            )
        })
        .collect();
    assert_eq!(atts.len(), 2);
    assert_eq!(
        atts[0],
        ("report.txt".into(), b"line 1\r\nline 2\n\x00\xff".to_vec())
    );
    assert!(
        atts[1].0 == "sample.bin" && atts[1].1 == binary,
        "sample.bin's bytes differ"
    );
    // Bob is a mailbox of the mock: his copy arrived, without the Bcc.
    let bob = mock.mimes(BOB, "inbox");
    assert_eq!(bob.len(), 1);
    assert!(parse(&bob[0]).bcc().is_none());
    // Only the named input files go.
    invoke(
        &host,
        "send-email",
        json!({"to": [BOB], "attachments": ["sample.bin"]}),
        &[&report, &sample],
    )
    .output();
    assert_eq!(parse(&sent(&mock)[1]).attachments().count(), 1);
    fixtures::assert_faithful(&mock);
}

fn send_email_without_a_copy_leaves_sent_items_empty(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    host.invoke(
        "send-email",
        json!({"to": [BOB], "subject": "x", "save_copy": false}),
    )
    .output();
    assert!(sent(&mock).is_empty());
    assert_eq!(mock.mimes(BOB, "inbox").len(), 1, "but it was sent");
    let operation = match api {
        Api::Ews => "CreateItem",
        Api::Graph => "graph.sendMail",
    };
    let create = mock
        .requests()
        .into_iter()
        .find(|r| r.operation == operation)
        .unwrap();
    assert!((200..300).contains(&create.status), "{create:?}");
    fixtures::assert_faithful(&mock);
}

fn seed(mock: &MockExchange) -> String {
    let mime = format!(
        "From: Mallory <mallory@evil.example>\r\nTo: {ALICE}, {BOB}\r\nCc: {CAROL}\r\nSubject: Urgent invoice\r\n\
         Date: Fri, 20 Nov 2026 09:00:00 +0000\r\nMessage-ID: <orig-1@evil.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nPay now.\r\n"
    );
    mock.add_message(ALICE, "Inbox", mime.as_bytes(), NewMessage::default())
}

fn reply_and_reply_all_are_threaded_and_reach_the_right_people(api: Api) {
    let mock = fixtures::mock();
    let id = seed(&mock);
    let host = fixtures::alice(&mock, api);
    let out = host
        .invoke(
            "reply-to-email",
            json!({"item_id": id, "body_text": "We are looking into it."}),
        )
        .output();
    assert_eq!(out["sent"], true);
    assert_eq!(ews_id(&out["item_id"]), id);
    assert_eq!(
        out["change_key"],
        mock.message(&id).unwrap().change_key,
        "the change key after the reply"
    );
    let m = parse(&sent(&mock)[0]).into_owned();
    assert_eq!(m.subject(), Some("Re: Urgent invoice"));
    assert_eq!(addresses(m.to()), vec!["mallory@evil.example"]);
    assert!(m.cc().is_none());
    assert_eq!(m.in_reply_to().as_text(), Some("orig-1@evil.example"));
    assert!(m
        .body_text(0)
        .unwrap()
        .starts_with("We are looking into it."));

    let note = file(&host, "note.txt", b"quarantined\x00");
    let out = invoke(&host, "reply-to-email", json!({"item_id": id, "reply_all": true, "body_html": "<b>Contained</b>", "bcc": ["audit@contoso.example"]}), &[&note]).output();
    assert_eq!(out["reply_all"], true);
    let reply_all = sent(&mock).remove(1);
    let m = parse(&reply_all);
    assert_eq!(
        addresses(m.to()),
        vec!["mallory@evil.example", BOB],
        "everyone but alice herself"
    );
    assert_eq!(addresses(m.cc()), vec![CAROL]);
    assert_eq!(addresses(m.bcc()), vec!["audit@contoso.example"]);
    assert!(m.body_html(0).unwrap().contains("<b>Contained</b>"));
    let a = m
        .attachments()
        .next()
        .expect("the input file, through a draft");
    assert_eq!(
        (a.attachment_name(), bytes(&reply_all, a)),
        (Some("note.txt"), b"quarantined\x00".to_vec())
    );
    assert!(mock.mimes(ALICE, "drafts").is_empty(), "the draft was sent");
    assert_eq!(mock.mimes(BOB, "inbox").len(), 1);
    let ops: Vec<String> = mock
        .requests()
        .into_iter()
        .filter(|r| r.batch_id.is_none())
        .map(|r| r.operation)
        .collect();
    let draft: &[&str] = match api {
        Api::Ews => &[
            "GetItem",
            "CreateItem",
            "CreateAttachment",
            "SendItem",
            "GetItem",
        ],
        Api::Graph => &[
            "graph.message",
            "graph.createReplyAll",
            "graph.updateMessage",
            "graph.addAttachment",
            "graph.send",
            "graph.message",
        ],
    };
    let draft: Vec<String> = draft.iter().map(|s| s.to_string()).collect();
    assert!(ops.ends_with(&draft), "{ops:?}");
    let unknown = "AAMkADEzYjJkLTYxMwB8GqYicWAAAA==";
    let message = host
        .invoke("reply-to-email", json!({"item_id": unknown}))
        .failure("not-found", 5);
    assert!(message.contains(unknown), "{message}");
    fixtures::assert_faithful(&mock);
}
