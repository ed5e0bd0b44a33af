//! FindItem, GetItem and UpdateItem over real TCP: Microsoft's sample requests
//! (ids adapted to the model at run time), answers validated against the schema.

mod common;

use base64::Engine as _;
use common::ews::*;
use common::testdata;
use mock_exchange::soap::{MESSAGES_NS as M, TYPES_NS as T};
use mock_exchange::NewMessage;

#[test]
fn find_item_pages_in_order() {
    let mock = mock();
    for i in 0..8 {
        let received = format!("2026-11-20T0{i}:00:00Z");
        let new = NewMessage {
            received: &received,
            ..Default::default()
        };
        mock.add_message(
            USER,
            "Inbox",
            &eml("a@b.example", &format!("message {i}")),
            new,
        );
    }
    let request = testdata("FindItem-paged-request.xml");
    let (_, body, root) = ews(&mock, &request);
    let m = messages(&root)[0];
    let rf = m.child(M, "RootFolder").unwrap();
    assert_eq!(
        (
            rf.attr("IndexedPagingOffset"),
            rf.attr("TotalItemsInView"),
            rf.attr("IncludesLastItemInRange")
        ),
        (Some("6"), Some("8"), Some("false")),
        "{body}"
    );
    let subjects: Vec<&str> = items(m).iter().map(|i| text(i, "Subject")).collect();
    assert_eq!(
        subjects,
        [
            "message 7",
            "message 6",
            "message 5",
            "message 4",
            "message 3",
            "message 2"
        ]
    );
    assert!(
        items(m)[0].child(T, "IsRead").is_none(),
        "IdOnly + Subject only"
    );
    let (_, _, root) = ews(&mock, &request.replace(r#"Offset="0""#, r#"Offset="6""#));
    let m = messages(&root)[0];
    assert_eq!(
        m.child(M, "RootFolder")
            .unwrap()
            .attr("IncludesLastItemInRange"),
        Some("true")
    );
    let subjects: Vec<&str> = items(m).iter().map(|i| text(i, "Subject")).collect();
    assert_eq!(subjects, ["message 1", "message 0"]);
}

#[test]
fn find_item_restriction_sample() {
    let mock = mock();
    let hit = mock.add_message(
        USER,
        "Inbox",
        &eml("Sadie <sadie@contoso.com>", "Re: Meeting Notes"),
        NewMessage::default(),
    );
    mock.add_message(
        USER,
        "Inbox",
        &eml("Other <other@contoso.com>", "meeting notes"),
        NewMessage::default(),
    );
    mock.add_message(
        USER,
        "Inbox",
        &eml("sadie@contoso.com", "Lunch"),
        NewMessage::default(),
    );
    let (_, body, root) = ews(&mock, &testdata("FindItem-restriction-request.xml"));
    let found = items(messages(&root)[0]);
    assert_eq!(found.len(), 1, "{body}");
    assert_eq!(
        found[0].child(T, "ItemId").unwrap().attr("Id"),
        Some(hit.as_str())
    );
    assert_eq!(
        (text(found[0], "IsRead"), text(found[0], "DateTimeReceived")),
        ("false", "2026-11-20T10:00:00Z")
    );

    let unsupported =
        testdata("FindItem-restriction-request.xml").replace("message:Sender", "item:Sensitivity");
    let (_, _, root) = ews(&mock, &unsupported);
    assert_eq!(code(messages(&root)[0]), "ErrorUnsupportedPathForQuery");
}

#[test]
fn get_item_mime_and_per_item_errors() {
    let mock = mock();
    let mime = std::fs::read(format!(
        "{}/testdata/eml/nested-rfc822.eml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let id = mock.add_message(USER, "Inbox/Phishing", &mime, NewMessage::default());
    let other = mock.add_message(
        USER,
        "Inbox/Phishing",
        &eml("a@b.example", "two"),
        NewMessage::default(),
    );
    let ck = mock.message(&id).unwrap().change_key;
    let unknown = base64::engine::general_purpose::STANDARD
        .encode(b"\0\x03\x24\0no-such-item-in-this-mailbox-0123456789");
    let sample = testdata("GetItem-mime-request.xml");
    let request = sample
        .replace("AAMkADEzYjJkLTYxMwB8GqYicWAAA=", &id)
        .replace("CQAAABzXv", &ck)
        .replace(
            "</m:ItemIds>",
            &format!(r#"<t:ItemId Id="{unknown}"/><t:ItemId Id="{other}"/><t:ItemId Id="AAMkADEzYjJkLTYxMwB8GqYicWAAA="/></m:ItemIds>"#),
        );
    mock.fail_item(&other, "ErrorMimeContentConversionFailed", 1);
    let (status, body, root) = ews(&mock, &request);
    assert_eq!(status, 200);
    let m = messages(&root);
    assert_eq!(
        m.iter().map(|m| code(m)).collect::<Vec<_>>(),
        [
            "NoError",
            "ErrorItemNotFound",
            "ErrorMimeContentConversionFailed",
            "ErrorInvalidIdMalformed"
        ],
        "{body}"
    );
    assert_eq!(m[1].attr("ResponseClass"), Some("Error"));
    let mime_el = items(m[0])[0].child(T, "MimeContent").unwrap();
    assert_eq!(mime_el.attr("CharacterSet"), Some("UTF-8"));
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(mime_el.trimmed())
            .unwrap(),
        mime
    );
    assert_eq!(mock.requests().last().unwrap().item_count, 4);
    // The injected fault was consumed: the item succeeds next time.
    let (_, _, root) = ews(&mock, &request);
    assert_eq!(code(messages(&root)[2]), "NoError");
    // AllProperties lists the attachments.
    let all = request.replace("IdOnly", "AllProperties");
    let (_, body, root) = ews(&mock, &all);
    let msg = items(messages(&root)[0])[0];
    assert_eq!(text(msg, "HasAttachments"), "true", "{body}");
    assert!(
        msg.child(T, "Attachments")
            .unwrap()
            .child(T, "ItemAttachment")
            .is_some(),
        "{body}"
    );
}

#[test]
fn update_item_marks_read_with_change_keys() {
    let mock = mock();
    let a = mock.add_message(
        USER,
        "Inbox/Phishing",
        &eml("a@b.example", "a"),
        NewMessage::default(),
    );
    let b = mock.add_message(
        USER,
        "Inbox/Phishing",
        &eml("a@b.example", "b"),
        NewMessage::default(),
    );
    let c = mock.add_message(
        USER,
        "Inbox/Phishing",
        &eml("a@b.example", "c"),
        NewMessage::default(),
    );
    assert_eq!(mock.unread_count(USER, "Inbox/Phishing"), 3);
    let change = |id: &str, ck: &str| {
        format!(
            r#"<t:ItemChange><t:ItemId Id="{id}" ChangeKey="{ck}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>"#
        )
    };
    let ck_a = mock.message(&a).unwrap().change_key;
    let request = format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="{M}" xmlns:t="{T}"><soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header><soap:Body><m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AutoResolve" SuppressReadReceipts="true"><m:ItemChanges>{}{}{}</m:ItemChanges></m:UpdateItem></soap:Body></soap:Envelope>"#,
        change(&a, &ck_a),
        change(&b, "CQAAABYAAAAstale"),
        change(&c, &mock.message(&c).unwrap().change_key),
    );
    mock.fail_item(&c, "ErrorItemNotFound", 1);
    let (_, body, root) = ews(&mock, &request);
    let m = messages(&root);
    assert_eq!(
        m.iter().map(|m| code(m)).collect::<Vec<_>>(),
        ["NoError", "ErrorIrresolvableConflict", "ErrorItemNotFound"],
        "{body}"
    );
    let new_ck = items(m[0])[0]
        .child(T, "ItemId")
        .unwrap()
        .attr("ChangeKey")
        .unwrap()
        .to_string();
    let state = mock.message(&a).unwrap();
    assert!(state.is_read && state.change_key == new_ck && new_ck != ck_a);
    assert_eq!(mock.unread_count(USER, "Inbox/Phishing"), 2);
    assert_eq!(mock.requests().last().unwrap().item_count, 3);
    // AlwaysOverwrite ignores the stale key.
    let (_, _, root) = ews(&mock, &request.replace("AutoResolve", "AlwaysOverwrite"));
    assert!(messages(&root).iter().all(|m| code(m) == "NoError"));
    assert_eq!(mock.unread_count(USER, "Inbox/Phishing"), 0);

    // Microsoft's sample (item:Sensitivity) with a real id.
    let ck = mock.message(&a).unwrap().change_key;
    let sample = testdata("UpdateItem-request.xml")
        .replace("AAAtAEFkb...", &a)
        .replace("CQAAABYAAAB...", &ck);
    let (_, _, root) = ews(&mock, &sample);
    assert_eq!(code(messages(&root)[0]), "NoError");
}
