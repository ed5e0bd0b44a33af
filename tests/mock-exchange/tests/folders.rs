//! Folders, moves and the demo mailbox over real TCP: Microsoft's sample requests
//! (ids adapted to the model at run time), answers validated against the schema.

mod common;

use common::ews::*;
use common::testdata;
use mock_exchange::soap::{MESSAGES_NS as M, TYPES_NS as T};
use mock_exchange::NewMessage;

#[test]
fn find_folder_and_get_folder_samples() {
    let mock = mock();
    let phishing = mock.add_folder(USER, "Inbox/Phishing");
    mock.add_folder(USER, "Inbox/Phishing/Old");
    mock.add_message(
        USER,
        "Inbox/Phishing",
        &eml("a@b.example", "x"),
        NewMessage::default(),
    );
    let (status, body, root) = ews(&mock, &testdata("FindFolder-request.xml"));
    assert_eq!(status, 200, "{body}");
    let m = messages(&root);
    assert_eq!(code(m[0]), "NoError");
    let rf = m[0].child(M, "RootFolder").unwrap();
    assert_eq!(rf.attr("TotalItemsInView"), Some("1"));
    let f = &rf.child(T, "Folders").unwrap().children[0];
    assert_eq!(
        f.child(T, "FolderId").unwrap().attr("Id"),
        Some(phishing.as_str())
    );
    assert_eq!(
        (
            text(f, "DisplayName"),
            text(f, "TotalCount"),
            text(f, "UnreadCount")
        ),
        ("Phishing", "1", "1")
    );
    assert_eq!(text(f, "ChildFolderCount"), "1");

    let deep = testdata("FindFolder-request.xml").replace("Shallow", "Deep");
    let (_, _, root) = ews(&mock, &deep);
    assert_eq!(
        messages(&root)[0]
            .child(M, "RootFolder")
            .unwrap()
            .attr("TotalItemsInView"),
        Some("2")
    );

    // A restriction on folder:DisplayName, case-insensitive, as the guest resolves paths.
    let restricted = testdata("FindFolder-request.xml").replace(
        "<ParentFolderIds>",
        r#"<Restriction><t:IsEqualTo><t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURIOrConstant><t:Constant Value="PHISHING"/></t:FieldURIOrConstant></t:IsEqualTo></Restriction><ParentFolderIds>"#,
    );
    let (_, body, root) = ews(&mock, &restricted.replace("Shallow", "Deep"));
    let rf = messages(&root)[0].child(M, "RootFolder").unwrap();
    assert_eq!(rf.attr("TotalItemsInView"), Some("1"), "{body}");

    // GetFolder by distinguished id, then by the id FindFolder gave; unknown ids fail per id.
    let (_, _, root) = ews(&mock, &testdata("GetFolder-request.xml"));
    let f = &messages(&root)[0].child(M, "Folders").unwrap().children[0];
    assert_eq!(text(f, "DisplayName"), "Inbox");
    let by_id = testdata("GetFolder-request.xml").replace(
        r#"<t:DistinguishedFolderId Id="inbox"/>"#,
        &format!(r#"<t:FolderId Id="{phishing}"/><t:FolderId Id="AQMkADAwATNiZmYAZC1lZAA="/><t:FolderId Id="not base64!"/>"#),
    );
    let (_, _, root) = ews(&mock, &by_id);
    let m = messages(&root);
    assert_eq!(
        m.iter().map(|m| code(m)).collect::<Vec<_>>(),
        ["NoError", "ErrorFolderNotFound", "ErrorInvalidIdMalformed"]
    );
}

#[test]
fn moves_give_new_ids() {
    let mock = mock();
    let id = mock.add_message(
        USER,
        "Inbox",
        &eml("a@b.example", "x"),
        NewMessage::default(),
    );
    let moved = mock.move_message(&id, "junkemail").unwrap();
    assert_ne!(moved, id);
    assert!(mock.message(&id).is_none());
    assert_eq!(mock.message(&moved).unwrap().folder_path, "Junk Email");
    assert!(mock.set_read(&moved, true));
    assert_eq!(mock.unread_count(USER, "junkemail"), 0);
}

#[test]
fn demo_mailbox_answers_validate_for_every_sample_email() {
    let mock = mock();
    mock.with_model(|m| mock_exchange::demo::seed_mail(m, USER));
    assert_eq!(mock.unread_count(USER, "Inbox/Phishing"), 15);
    let folder = mock.folder_id(USER, "inbox/phishing").unwrap();
    let find = testdata("FindItem-paged-request.xml")
        .replace("IdOnly", "AllProperties")
        .replace(r#"MaxEntriesReturned="6""#, r#"MaxEntriesReturned="50""#)
        .replace(r#"<t:DistinguishedFolderId Id="inbox" />"#, &format!(r#"<t:FolderId Id="{folder}"/>"#))
        .replace(
            "<m:ParentFolderIds>",
            r#"<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:DateTimeReceived"/></t:FieldOrder></m:SortOrder><m:ParentFolderIds>"#,
        );
    let (_, body, root) = ews(&mock, &find);
    let found = items(messages(&root)[0]);
    assert_eq!(found.len(), 15, "{body}");
    let received: Vec<&str> = found.iter().map(|i| text(i, "DateTimeReceived")).collect();
    assert!(received.windows(2).all(|w| w[0] < w[1]), "{received:?}");
    let ids: String = found
        .iter()
        .map(|i| {
            format!(
                r#"<t:ItemId Id="{}"/>"#,
                i.child(T, "ItemId").unwrap().attr("Id").unwrap()
            )
        })
        .collect();
    let get = testdata("GetItem-mime-request.xml")
        .replace("IdOnly", "AllProperties")
        .replace(
            r#"<t:ItemId Id="AAMkADEzYjJkLTYxMwB8GqYicWAAA=" ChangeKey="CQAAABzXv"/>"#,
            &ids,
        );
    let (_, _, root) = ews(&mock, &get);
    assert!(messages(&root).iter().all(|m| code(m) == "NoError"));
}
