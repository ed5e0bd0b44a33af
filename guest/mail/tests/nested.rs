//! The three messages of testdata/ with attached emails (message/rfc822).

mod common;
use common::*;
use serde_json::json;

#[test]
fn nested_rfc822_outlook_simple() {
    let mime = fixture("nested-rfc822-outlook-simple.eml");
    let rec = parse_checked(&mime);
    assert_eq!(text(&rec), "This is the message body.\n");
    let a = att(&rec, 0);
    assert_eq!(
        (a["kind"].as_str(), a["media_type"].as_str()),
        (Some("email"), Some("message/rfc822"))
    );
    assert!(a["original_name"].is_null());
    assert_eq!(a["file"], "embedded message.eml"); // from its subject
    let s = String::from_utf8(mime.clone()).unwrap();
    let start = s
        .find("From: mimekit@example.com\nTo: mimekit@example.com\nSubject: embedded")
        .unwrap();
    let end = s.find("embedded message body.\n").unwrap() + "embedded message body.\n".len();
    assert_eq!(
        file(&rec, "embedded message.eml"),
        &mime[start..end],
        "the part's raw bytes"
    );
    let e = &a["email"];
    assert_eq!(e["subject"], "embedded message");
    assert_eq!(e["from"]["address"], "mimekit@example.com");
    assert_eq!(e["body"]["text"], "This is the embedded message body.\n");
    assert_eq!(e["sent"], "2013-11-12T14:12:42Z");
}

#[test]
fn nested_rfc822_with_pdf() {
    let rec = parse_checked(&fixture("nested-rfc822.eml"));
    assert_eq!(text(&rec), "This is the first part.\r\n");
    let a = att(&rec, 0);
    assert_eq!(
        (a["file"].as_str(), a["kind"].as_str()),
        (Some("ForwardedMessage.eml"), Some("email"))
    );
    assert!(file(&rec, "ForwardedMessage.eml")
        .starts_with(b"From xxxx@xxxx.com Tue May 10 11:28:07 2005\r\nReturn-Path:"));
    let e = &a["email"];
    assert_eq!(e["subject"], "Another PDF");
    assert_eq!(
        e["from"],
        json!({"name": "Test Tester", "address": "xxxx@xxxx.com"})
    );
    assert!(e["body"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Just attaching another PDF"));
    // Its own attachment is listed, without a file of ours.
    let pdf = &e["attachments"][0];
    assert_eq!(
        (pdf["original_name"].as_str(), pdf["media_type"].as_str()),
        (Some("broken.pdf"), Some("application/pdf"))
    );
    assert!(pdf["file"].is_null() && pdf["size"].as_u64().unwrap() > 1000);
    assert_eq!(rec.files.len(), 2);
}

#[test]
fn nested_rfc822_with_inline_image() {
    let rec = parse_checked(&fixture("nested-rfc822-with-inline-image.eml"));
    assert!(rec.json["body"]["text"].is_null()); // HTML only
    assert!(rec.json["body"]["html"]
        .as_str()
        .unwrap()
        .contains("cid:emedfeb92f-a786-4718-a446-98db8afb53fb@kronos"));
    let img = att(&rec, 0);
    assert_eq!(
        img["content_id"],
        "emedfeb92f-a786-4718-a446-98db8afb53fb@kronos"
    );
    assert_eq!(
        (
            img["inline"].as_bool(),
            img["file"].as_str(),
            img["size"].as_u64()
        ),
        (Some(true), Some("img.png"), Some(370))
    );
    let mail = att(&rec, 1);
    assert_eq!(
        (mail["file"].as_str(), mail["kind"].as_str()),
        (Some("Testmail.eml"), Some("email"))
    );
    assert_eq!(mail["email"]["subject"], "Another PDF");
    // The attached email is truncated (a multipart with no parts): said in its errors.
    assert!(!mail["email"]["errors"].as_array().unwrap().is_empty());
}
