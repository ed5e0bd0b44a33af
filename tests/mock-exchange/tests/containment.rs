//! DeleteItem, CopyItem, MarkAsJunk and DeleteAttachment over real TCP:
//! Microsoft's sample requests (ids adapted to the model at run time), answers
//! validated against the schema, effects checked in the store.

mod common;

use base64::Engine as _;
use common::ews::*;
use common::testdata;
use mock_exchange::soap::{MESSAGES_NS as M, TYPES_NS as T};
use mock_exchange::NewMessage;

const UNKNOWN: &str = "AAMkADEzYjJkLTYxMwB8GqYicWAAAA==";

fn add(mock: &mock_exchange::MockExchange, folder: &str, subject: &str) -> String {
    mock.add_message(
        USER,
        folder,
        &eml("a@b.example", subject),
        NewMessage::default(),
    )
}

#[test]
fn delete_item_moves_to_deleted_items_or_removes() {
    let mock = mock();
    let (a, b) = (add(&mock, "Inbox", "a"), add(&mock, "Inbox", "b"));
    let sample = testdata("DeleteItem-request.xml");
    let request = |kind: &str, ids: &[&str]| {
        let ids: String = ids
            .iter()
            .map(|i| format!(r#"<t:ItemId Id="{i}"/>"#))
            .collect();
        sample
            .replace(
                r#"DeleteType="HardDelete""#,
                &format!(r#"DeleteType="{kind}""#),
            )
            .replace(r#"<t:ItemId Id="AS4AUn=="/>"#, &ids)
    };
    let (_, body, root) = ews(&mock, &request("MoveToDeletedItems", &[&a, UNKNOWN]));
    let m = messages(&root);
    assert_eq!(
        (code(m[0]), code(m[1])),
        ("NoError", "ErrorItemNotFound"),
        "{body}"
    );
    let deleted = mock.messages(USER, "Deleted Items");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].subject, "a");
    assert_ne!(deleted[0].item_id, a, "a move gives a new id");
    let (_, body, root) = ews(&mock, &request("HardDelete", &[&b]));
    assert_eq!(code(messages(&root)[0]), "NoError", "{body}");
    assert!(mock.message(&b).is_none());
    assert!(mock.messages(USER, "Inbox").is_empty());
}

#[test]
fn copy_item_leaves_the_original_and_names_the_copy() {
    let mock = mock();
    let a = add(&mock, "Inbox/Phishing", "a");
    let sample = testdata("CopyItem-request.xml").replace("AS4AUnV=", &a);
    let (_, body, root) = ews(&mock, &sample);
    let m = messages(&root)[0];
    assert_eq!(code(m), "NoError", "{body}");
    let copy = items(m)[0]
        .child(T, "ItemId")
        .unwrap()
        .attr("Id")
        .unwrap()
        .to_string();
    assert_eq!(mock.message(&copy).unwrap().folder_path, "Inbox");
    assert_eq!(mock.message(&a).unwrap().folder_path, "Inbox/Phishing");
}

#[test]
fn mark_as_junk_moves_to_junk_email_and_back() {
    let mock = mock();
    let a = add(&mock, "Inbox", "a");
    let sample = testdata("MarkAsJunk-request.xml").replace(
        r#"Id="AAMkAD=" ChangeKey="CQAAABYA""#,
        &format!(r#"Id="{a}""#),
    );
    let (_, body, root) = ews(&mock, &sample);
    let m = messages(&root)[0];
    assert_eq!(code(m), "NoError", "{body}");
    let moved = m
        .child(M, "MovedItemId")
        .unwrap()
        .attr("Id")
        .unwrap()
        .to_string();
    assert_eq!(mock.message(&moved).unwrap().folder_path, "Junk Email");
    let back = sample
        .replace(&a, &moved)
        .replace(r#"IsJunk="true""#, r#"IsJunk="false""#);
    let (_, _, root) = ews(&mock, &back);
    let m = messages(&root)[0];
    let home = m.child(M, "MovedItemId").unwrap().attr("Id").unwrap();
    assert_eq!(mock.message(home).unwrap().folder_path, "Inbox");
}

#[test]
fn delete_attachment_cuts_the_part_and_changes_the_key() {
    let mock = mock();
    let mime = std::fs::read(format!(
        "{}/testdata/eml/nested-rfc822-with-inline-image.eml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let id = mock.add_message(USER, "Inbox", &mime, NewMessage::default());
    let names = mock.attachment_names(&id).unwrap();
    assert!(names.len() >= 2, "{names:?}");
    let key = mock.message(&id).unwrap().change_key;
    let first = base64::engine::general_purpose::STANDARD.encode(format!("{id}:1"));
    let sample = testdata("DeleteAttachment-request.xml").replace(
        r#"<t:AttachmentId Id="AAAtAEFkbWluaX"/>"#,
        &format!(r#"<t:AttachmentId Id="{first}"/><t:AttachmentId Id="{first}"/>"#),
    );
    let (_, body, root) = ews(&mock, &sample);
    let m = messages(&root);
    assert_eq!(
        (code(m[0]), code(m[1])),
        ("NoError", "ErrorItemNotFound"),
        "{body}"
    );
    let rooted = m[0].child(M, "RootItemId").unwrap();
    assert_eq!(rooted.attr("RootItemId"), Some(id.as_str()));
    let now = mock.message(&id).unwrap().change_key;
    assert_ne!(now, key);
    assert_eq!(rooted.attr("RootItemChangeKey"), Some(now.as_str()));
    assert_eq!(mock.attachment_names(&id).unwrap(), names[1..].to_vec());
}
