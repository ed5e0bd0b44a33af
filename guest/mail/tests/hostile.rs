//! Hostile and broken input, built in the tests: names, no MIME, garbage, exact bytes.

mod common;
use common::*;
use serde_json::json;

/// A multipart/mixed email: a text body, then one part per (headers, body).
fn multipart(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut m = String::from("From: a@example.com\r\nSubject: hostile\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nbody\r\n");
    for (headers, body) in parts {
        m.push_str(&format!("--XX\r\n{headers}\r\n\r\n{body}\r\n"));
    }
    m.push_str("--XX--\r\n");
    m.into_bytes()
}

#[test]
fn hostile_names_are_made_safe_and_unique() {
    let disp = |name_param: &str| {
        format!("Content-Type: application/octet-stream\r\nContent-Disposition: attachment; {name_param}")
    };
    let long = format!("{}.pdf", "A".repeat(496));
    let parts = [
        disp("filename=\"../../x\""),
        disp("filename*=utf-8''evil%00name%0D%0A%1B.exe"),
        disp(&format!("filename=\"{long}\"")),
        "Content-Type: application/pdf".to_string(),
        disp("filename=\".\""),
        disp("filename=\"..\""),
        disp("filename*=utf-8''a%3C%3E%3A%22%2F%5C%7C%3F%2A.txt"),
        disp("filename=\"report.pdf\""),
        disp("filename=\"report.pdf\""),
        disp("filename=\"REPORT.PDF\""),
        disp("filename=\"message.eml\""),
        disp("filename*=utf-8''invoice%E2%80%AEfdp.exe"),
        disp("filename=\"C:\\\\Windows\\\\evil.dll\""),
        disp("filename=\"CON.txt\""),
        "Content-Type: message/rfc822".to_string(),
    ];
    let owned: Vec<(&str, &str)> = parts.iter().map(|h| (h.as_str(), "data")).collect();
    let mut owned = owned;
    *owned.last_mut().unwrap() = (
        parts.last().unwrap().as_str(),
        "X-Nothing: 1\r\n\r\nno subject here",
    );
    let rec = parse_checked(&multipart(&owned));
    let files: Vec<&str> = rec.json["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), parts.len(), "no attachment dropped: {files:?}");
    assert_eq!(files[0], "_.._x");
    assert_eq!(files[1], "evil_name___.exe");
    assert_eq!(att(&rec, 1)["original_name"], "evil\0name\r\n\u{1b}.exe");
    assert_eq!(files[2].chars().count(), 120);
    assert!(files[2].ends_with(".pdf"));
    assert_eq!(att(&rec, 2)["original_name"], long.as_str());
    assert_eq!(files[3], "attachment-4.pdf");
    assert!(att(&rec, 3)["original_name"].is_null());
    assert_eq!(files[4], "attachment-5.bin");
    assert_eq!(att(&rec, 4)["original_name"], ".");
    assert_eq!(files[5], "attachment-6.bin");
    assert_eq!(files[6], "a_________.txt");
    assert_eq!(
        &files[7..10],
        ["report.pdf", "report-1.pdf", "REPORT-2.PDF"]
    );
    assert_eq!(files[10], "message-1.eml");
    assert_eq!(files[11], "invoice_fdp.exe");
    assert_eq!(files[12], "C__Windows_evil.dll");
    assert_eq!(files[13], "_CON.txt");
    assert_eq!(
        (files[14], att(&rec, 14)["kind"].as_str()),
        ("attached-15.eml", Some("email"))
    );
}

#[test]
fn eml_bytes_are_untouched() {
    for mime in [
        &b"Subject: crlf\r\nFrom: a@b.c\r\n\r\nline\r\n"[..],
        b"Subject: lf\nFrom: a@b.c\n\nline\n",
        b"Subject: mixed\r\nFrom: a@b.c\n\r\nline\rodd\n\x00\xff",
        b"subject:   odd spacing  \r\n\tfolded\r\n\r\n",
    ] {
        let rec = parse_checked(mime);
        assert_eq!(rec.files.len(), 1);
        assert_eq!(rec.files[0].data, mime);
    }
    let rec = parse_checked(b"subject:   odd spacing  \r\n\tfolded\r\n\r\n");
    assert_eq!(
        rec.json["headers"],
        json!([{"name": "subject", "value": "odd spacing  \tfolded"}])
    );
}

#[test]
fn no_mime_structure_at_all() {
    // Headers without MIME-Version or Content-Type: text/plain by default.
    let rec =
        parse_checked(b"From: Bob <bob@example.com>\nSubject: plain\n\nJust text, no MIME.\n");
    assert_eq!(text(&rec), "Just text, no MIME.\n");
    assert_eq!(rec.json["from"]["name"], "Bob");
    assert!(rec.errors.is_empty(), "{:?}", rec.errors);
    // No header at all: just text.
    let rec = parse_checked(b"Hello there\nthis is just some text\n");
    assert!(!rec.errors.is_empty());
    assert_eq!(text(&rec), "Hello there\nthis is just some text\n");
}

#[test]
fn garbage_and_empty() {
    let rec = parse_checked(b"");
    assert!(!rec.errors.is_empty());
    assert!(rec.json["subject"].is_null() && rec.json["attachments"] == json!([]));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let rec = parse_checked(&garbage);
    assert!(!rec.errors.is_empty(), "garbage must say so");
    let rec = parse_checked(b"\x00\x01\x02 : \xff\xfe\r\n\r\n\x00");
    assert!(!rec.errors.is_empty());
}

#[test]
fn unknown_charset_and_broken_base64_are_reported() {
    let mime = b"From: a@b.c\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla'\r\n";
    let rec = parse_checked(mime);
    assert_eq!(text(&rec), "qapla'\r\n");
    assert!(rec.errors.iter().any(|e| e.contains("x-klingon")));
    let rec = parse_checked(&multipart(&[(
        "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64",
        "!!!! not base64 ~~~~",
    )]));
    assert_eq!(
        rec.json["attachments"].as_array().unwrap().len(),
        1,
        "kept even when undecodable"
    );
}

#[test]
fn groups_are_flattened() {
    let rec = parse_checked(b"From: a@b.c\r\nTo: Team: x@y.z, \"Y\" <y@y.z>;, undisclosed-recipients:;\r\nCc: <c@d.e>\r\n\r\nhi");
    assert_eq!(
        rec.json["to"],
        json!([{"name": null, "address": "x@y.z"}, {"name": "Y", "address": "y@y.z"}])
    );
    assert_eq!(rec.json["cc"], json!([{"name": null, "address": "c@d.e"}]));
}
