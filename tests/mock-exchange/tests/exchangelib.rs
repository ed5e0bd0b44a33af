//! What exchangelib (the Python EWS client `bench/run` compares with) sends,
//! answered as Exchange does: each test is one request exchangelib makes.

mod common;

use common::ews::{code, eml, ews, items, messages, mock, text, USER};
use mock_exchange::soap::TYPES_NS as T;
use mock_exchange::NewMessage;

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>"#;
const TAIL: &str = "</s:Body></s:Envelope>";

/// `Account.root`: GetFolder of the distinguished `root`, the mailbox's top,
/// parent of `msgfolderroot` ("Top of Information Store"), without a folder class.
#[test]
fn get_folder_root_and_msgfolderroot_parent() {
    let mock = mock();
    let request = format!(
        r#"{HEAD}<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:ParentFolderId"/><t:FieldURI FieldURI="folder:FolderClass"/><t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURI FieldURI="folder:ChildFolderCount"/></t:AdditionalProperties></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="root"/><t:DistinguishedFolderId Id="msgfolderroot"/></m:FolderIds></m:GetFolder>{TAIL}"#
    );
    let (status, body, root) = ews(&mock, &request);
    assert_eq!(status, 200, "{body}");
    let m = messages(&root);
    assert_eq!(code(m[0]), "NoError", "{body}");
    let folder = |i: usize| {
        m[i].child(mock_exchange::soap::MESSAGES_NS, "Folders")
            .unwrap()
            .children[0]
            .clone()
    };
    let (top, tois) = (folder(0), folder(1));
    assert!(top.child(T, "FolderClass").is_none(), "{body}");
    assert!(top.child(T, "ParentFolderId").is_none(), "{body}");
    assert_eq!(text(&top, "ChildFolderCount"), "1", "{body}");
    let top_id = top.child(T, "FolderId").unwrap().attr("Id").unwrap();
    assert_eq!(
        tois.child(T, "ParentFolderId").unwrap().attr("Id"),
        Some(top_id)
    );
    assert_eq!(text(&tois, "DisplayName"), "Top of Information Store");
    // Paths still start below msgfolderroot.
    let id = mock.add_message(
        USER,
        "Inbox/Bench",
        &eml("a@b.example", "x"),
        NewMessage::default(),
    );
    assert_eq!(mock.message(&id).unwrap().folder_path, "Inbox/Bench");
}

/// exchangelib asks for the MIME as `item:MimeContent` among the
/// AdditionalProperties (not IncludeMimeContent); Exchange answers it.
#[test]
fn get_item_mime_content_as_an_additional_property() {
    let mock = mock();
    let mime = eml("a@b.example", "mime please");
    let id = mock.add_message(USER, "Inbox", &mime, NewMessage::default());
    let request = format!(
        r#"{HEAD}<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:MimeContent"/><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>{TAIL}"#
    );
    let (status, body, root) = ews(&mock, &request);
    assert_eq!(status, 200, "{body}");
    let msg = items(messages(&root)[0])[0];
    use base64::Engine as _;
    let got = base64::engine::general_purpose::STANDARD
        .decode(msg.child(T, "MimeContent").unwrap().trimmed())
        .unwrap();
    assert_eq!(got, mime);
    assert_eq!(text(msg, "Subject"), "mime please");
}
