//! The tricky messages of testdata/ (see testdata/PROVENANCE.md), one test each;
//! the three with attached emails are in nested.rs.

mod common;
use common::*;
use serde_json::json;

#[test]
fn ks_c_5601_1987_8bit_body() {
    let mime = fixture("charset-ks_c_5601-1987-8bit.eml");
    assert!(mime.windows(2).any(|w| w == b"\r\n"));
    let rec = parse_checked(&mime);
    assert_eq!(text(&rec), "스티해\r\n");
    assert_eq!(rec.json["subject"], "test");
    assert_eq!(
        rec.json["from"],
        json!({"name": null, "address": "from@example.com"})
    );
    assert_eq!(rec.json["sent"], "2014-05-28T08:18:19Z"); // +0900 to UTC
    assert_eq!(rec.json["internet_message_id"], "<from@example.com>");
    assert_eq!(
        rec.json["headers"][0],
        json!({"name": "Delivered-To", "value": "unknown@example.com"})
    );
    assert_eq!(rec.json["headers"].as_array().unwrap().len(), 9);
    assert!(rec.errors.is_empty() && rec.files.len() == 1);
}

#[test]
fn euc_kr_encoded_word_and_base64_body() {
    let rec = parse_checked(&fixture("encword-euc-kr.eml"));
    assert_eq!(rec.json["subject"], "NOTE: 한국말로 하는 것");
    assert!(text(&rec).contains("하나님을 믿습니다"));
    assert_eq!(
        rec.json["from"],
        json!({"name": "Jamis Buck", "address": "jamis@37signals.com"})
    );
    // The mbox "From " line is no header; the raw Subject stays encoded.
    assert_eq!(rec.json["headers"][0]["name"], "MIME-Version");
    let subj = rec.json["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Subject")
        .unwrap();
    assert_eq!(
        subj["value"],
        "=?EUC-KR?Q?NOTE:_=C7=D1=B1=B9=B8=BB=B7=CE_=C7=CF=B4=C2_=B0=CD?="
    );
}

#[test]
fn iso_2022_jp_subject_and_body() {
    let rec = parse_checked(&fixture("encword-iso-2022-jp.eml"));
    assert_eq!(
        rec.json["subject"],
        "日本語メールテスト (testing Japanese emails)"
    );
    assert!(text(&rec).contains("日本語が\n正常に\n送れているか\nテスト."));
    assert_eq!(rec.json["sent"], "2015-07-21T16:02:29Z");
    // A folded header is unfolded, not decoded.
    let subj = rec.json["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Subject")
        .unwrap();
    assert_eq!(subj["value"], "=?ISO-2022-JP?B?GyRCRnxLXDhsJWEhPCVrJUYlOSVIGyhCICh0ZXN0aW5nIEph?= =?ISO-2022-JP?B?cGFuZXNlIGVtYWlscyk=?=");
}

#[test]
fn utf_7_subject_names_and_body() {
    let rec = parse_checked(&fixture("encword-utf-7.eml"));
    assert_eq!(
        rec.json["subject"],
        "Die Hasen und die Frösche (Microsoft Outlook 00)"
    );
    assert_eq!(
        rec.json["to"][0],
        json!({"name": "Joe Blow", "address": "jblow@example.com"})
    );
    assert_eq!(
        rec.json["to"][1],
        json!({"name": "Jürgen Schmürgen", "address": "schmuergen@example.com"})
    );
    assert!(text(&rec).contains("klagten einst über ihre mißliche Lage"));
}

#[test]
fn utf8_rfc2231_long_filename() {
    let rec = parse_checked(&fixture("encword-utf8-rfc2231-long-filename.eml"));
    assert_eq!(rec.json["subject"], "まみむめも".repeat(10));
    let name = format!("{}.txt", "かきくけこ".repeat(5));
    let a = att(&rec, 0);
    assert_eq!(a["original_name"], name.as_str());
    assert_eq!(a["file"], name.as_str());
    assert_eq!(
        (
            a["media_type"].as_str(),
            a["inline"].as_bool(),
            a["kind"].as_str()
        ),
        (Some("text/plain"), Some(false), Some("file"))
    );
    assert_eq!(file(&rec, &name), b"this is the data\r\n");
    assert_eq!(a["sha256"], sha256(b"this is the data\r\n").as_str());
    // The only text part is an attachment: no body.
    assert!(rec.json["body"]["text"].is_null() && rec.json["body"]["html"].is_null());
}

#[test]
fn windows_1251_name_and_bad_date() {
    let rec = parse_checked(&fixture("encword-windows-1251-bad-date.eml"));
    assert!(rec.json["sent"].is_null());
    assert!(
        rec.errors
            .iter()
            .any(|e| e.contains("Date") && e.contains("3609")),
        "{:?}",
        rec.errors
    );
    assert_eq!(rec.json["from"]["name"], "Атиковa");
    assert!(text(&rec).contains("believed to be clean"));
    assert!(rec.json["body"]["html"]
        .as_str()
        .unwrap()
        .contains("<b>MailScanner</b>"));
    assert!(rec.json["attachments"].as_array().unwrap().is_empty());
}

#[test]
fn windows_1252_qp() {
    let rec = parse_checked(&fixture("encword-windows-1252.eml"));
    assert_eq!(
        rec.json["to"][0],
        json!({"name": "Heinz Müller", "address": "mueller@example.com"})
    );
    assert_eq!(
        rec.json["subject"],
        "Die Hasen und die Frösche (Microsoft Outlook 00)"
    );
    assert!(text(&rec).contains("ärger als der Tod selbst. Auf, laßt uns"));
    assert_eq!(rec.json["sent"], "2000-05-17T23:30:20Z");
}

#[test]
fn inline_cid_images() {
    let rec = parse_checked(&fixture("inline-images-multipart-related-cid.eml"));
    let html = rec.json["body"]["html"].as_str().unwrap();
    assert!(text(&rec).contains("Die Hasen und die Frösche"));
    for (i, (name, size)) in [("blueball.png", 1325), ("redball.png", 1453)]
        .into_iter()
        .enumerate()
    {
        let a = att(&rec, i);
        let cid = format!("4.2.0.58.20000519003143.00a8d550@pop.example.com.{i}");
        assert_eq!(a["file"], name);
        assert_eq!(a["content_id"], cid.as_str());
        assert!(html.contains(&format!("cid:{cid}")));
        assert_eq!(a["inline"], true);
        assert_eq!(a["size"], size);
        assert!(file(&rec, name).starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}

#[test]
fn rfc2231_iso_2022_jp_filename() {
    let rec = parse_checked(&fixture("rfc2231-iso-2022-jp-filename.eml"));
    let a = att(&rec, 0);
    let orig = a["original_name"].as_str().unwrap();
    assert!(
        orig.starts_with("01 Quien Te Dij") && orig.ends_with("at. Pitbull.mp3"),
        "{orig}"
    );
    assert!(a["file"].as_str().unwrap().ends_with(".mp3"));
    assert_eq!(
        (a["media_type"].as_str(), a["size"].as_u64()),
        (Some("application/octet-stream"), Some(399))
    );
    assert!(text(&rec).contains("Test attachments oddly encoded with japanese charset."));
}

#[test]
fn smime_multipart_signed_inline_png() {
    let rec = parse_checked(&fixture("smime-multipart-signed-inline-png.eml"));
    assert!(text(&rec).starts_with("Here is a test of an attachment via email."));
    let png = att(&rec, 0);
    // Content-Disposition's filename wins over Content-Type's name.
    assert_eq!(
        (png["file"].as_str(), png["inline"].as_bool()),
        (Some("truncated.png"), Some(true))
    );
    let sig = att(&rec, 1);
    assert_eq!(
        (sig["file"].as_str(), sig["media_type"].as_str()),
        (Some("smime.p7s"), Some("application/pkcs7-signature"))
    );
    assert_eq!(file(&rec, "smime.p7s")[0], 0x30, "a DER SEQUENCE");
}

#[test]
fn smime_signed_forwarded() {
    let rec = parse_checked(&fixture("smime-signed-forwarded.eml"));
    assert!(text(&rec).contains("We should not include these files or vcards as attachments."));
    assert_eq!(
        rec.json["subject"],
        "Fwd: Signed email causes file attachments"
    );
    let sig = att(&rec, 0);
    assert_eq!(
        (
            sig["file"].as_str(),
            sig["size"].as_u64(),
            sig["kind"].as_str()
        ),
        (Some("smime.p7s"), Some(2361), Some("file"))
    );
    assert_eq!(
        rec.json["reply_to"][0]["address"],
        "xxxxxxxxx.xxxxxxx@gmail.com"
    );
    assert_eq!(rec.json["headers"].as_array().unwrap().len(), 21); // 22 lines minus the mbox one
}

#[test]
fn tnef_winmail_dat_kept() {
    let rec = parse_checked(&fixture("tnef-winmail-dat-koi8r.eml"));
    assert_eq!(rec.json["subject"], "rr test 7");
    assert!(text(&rec).starts_with("шостий"));
    let a = att(&rec, 0);
    assert_eq!(
        (
            a["file"].as_str(),
            a["media_type"].as_str(),
            a["size"].as_u64()
        ),
        (Some("winmail.dat"), Some("application/ms-tnef"), Some(9566))
    );
    assert!(
        file(&rec, "winmail.dat").starts_with(&[0x78, 0x9f, 0x3e, 0x22]),
        "TNEF signature, not unpacked"
    );
    assert_eq!(
        rec.json["from"],
        json!({"name": "RR Tester 1", "address": "rrtest1@xink.io"})
    );
}
