use super::*;
use crate::ews::envelope::{self, Header};
use crate::ews::operations::schema_check;
use crate::ews::response;

const HOSTILE: &str = "</t:Subject><t:Body>]]>&amp;<![CDATA[x]]>\"'";

fn message(body: Body, attachments: bool) -> Outgoing {
    Outgoing {
        to: vec!["a@example.com".into(), "b@example.com".into()],
        cc: vec!["c@example.com".into()],
        bcc: vec!["d@example.com".into()],
        reply_to: vec!["soc@example.com".into()],
        from: Some("alerts@example.com".into()),
        subject: Some(HOSTILE.into()),
        body: Some(body),
        importance: Some("High".into()),
        attachments: if attachments {
            vec![OutgoingFile {
                name: "a<b>.txt".into(),
                content_type: "text/plain".into(),
                data: b"%PDF-\x00\xff".to_vec(),
            }]
        } else {
            vec![]
        },
        save_copy: true,
        internet_message_id: Some("<x@example.com>".into()),
    }
}

fn doc(f: impl FnOnce(&mut Xml)) -> String {
    let header = Header {
        server_version: "Exchange2016".into(),
        impersonate: None,
    };
    String::from_utf8(envelope::write(&header, f)).unwrap()
}

fn original() -> ItemId {
    ItemId {
        id: "AAMkADE4=".into(),
        change_key: Some("CQAAABYA".into()),
    }
}

#[test]
fn a_new_message_in_schema_order_with_every_value_escaped() {
    let d = doc(|x| write_send(x, &message(Body::Text(HOSTILE.into()), true)));
    assert!(d.contains(r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>&lt;/t:Subject&gt;&lt;t:Body&gt;]]&gt;&amp;amp;&lt;![CDATA[x]]&gt;&quot;&apos;</t:Subject><t:Body BodyType="Text">"#), "{d}");
    assert!(d.contains(r#"<t:FileAttachment><t:Name>a&lt;b&gt;.txt</t:Name><t:ContentType>text/plain</t:ContentType><t:Content>JVBERi0A/w==</t:Content></t:FileAttachment>"#), "{d}");
    // What we write reads back as the values given.
    let root = crate::ews::xml::parse(d.as_bytes()).unwrap();
    assert_eq!(root.find("Subject").unwrap().text, HOSTILE);
    assert_eq!(
        root.find("Message").unwrap().child("Body").unwrap().text,
        HOSTILE
    );
    let mut unsaved = message(Body::Html("<p>x</p>".into()), false);
    unsaved.save_copy = false;
    let d = doc(|x| write_send(x, &unsaved));
    assert!(
        d.contains(r#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message>"#),
        "{d}"
    );
    assert!(
        d.contains(r#"<t:Body BodyType="HTML">&lt;p&gt;x&lt;/p&gt;</t:Body>"#),
        "{d}"
    );
}

#[test]
fn a_reply_names_the_original_and_adds_recipients() {
    let m = message(Body::Html("thanks".into()), false);
    let d = doc(|x| write_reply(x, &original(), true, &m, Disposition::SendAndSaveCopy));
    assert!(d.contains(r#"<t:ReplyAllToItem><t:ToRecipients><t:Mailbox><t:EmailAddress>a@example.com</t:EmailAddress></t:Mailbox>"#), "{d}");
    assert!(d.contains(r#"<t:ReferenceItemId Id="AAMkADE4=" ChangeKey="CQAAABYA"/><t:NewBodyContent BodyType="HTML">thanks</t:NewBodyContent></t:ReplyAllToItem>"#), "{d}");
    let d = doc(|x| {
        write_reply(
            x,
            &original(),
            false,
            &Outgoing::default(),
            Disposition::SaveOnly,
        )
    });
    assert!(d.contains(r#"<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId><m:Items><t:ReplyToItem><t:ReferenceItemId"#), "{d}");
}

#[test]
fn requests_validate_against_the_ews_schema() {
    let sent = message(Body::Text(HOSTILE.into()), true);
    let reply = message(Body::Html(HOSTILE.into()), false);
    for v in ["Exchange2010_SP2", "Exchange2016"] {
        let also_2010 = v == "Exchange2010_SP2";
        schema_check::validate(
            &format!("ci-send-{v}"),
            v,
            Some("soc@example.com"),
            |x| write_send(x, &sent),
            "m:CreateItem",
            also_2010,
        );
        for (all, d) in [
            (false, Disposition::SendAndSaveCopy),
            (true, Disposition::SaveOnly),
        ] {
            schema_check::validate(
                &format!("ci-reply-{v}-{all}"),
                v,
                None,
                |x| write_reply(x, &original(), all, &reply, d),
                "m:CreateItem",
                also_2010,
            );
        }
    }
}

#[test]
fn reads_microsofts_samples() {
    let ok = include_str!("../../../../testdata/CreateItem-SendAndSaveCopy-response.xml");
    assert_eq!(read(&response::body(ok.as_bytes()).unwrap()).unwrap(), None);
    let denied = include_str!("../../../../testdata/CreateItem-ErrorSendAsDenied-response.xml");
    match read(&response::body(denied.as_bytes()).unwrap()) {
        Err(Error::Response(d)) => assert_eq!(d.code, "ErrorSendAsDenied"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn reads_a_drafts_id() {
    let s = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id="AAMkDraft=" ChangeKey="CQ1"/></t:Message></m:Items></m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>"#;
    let id = read(&response::body(s.as_bytes()).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(id.id, "AAMkDraft=");
    assert!(read(&response::body(b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><m:CreateItemResponse xmlns:m=\"m\"><m:ResponseMessages/></m:CreateItemResponse></s:Body></s:Envelope>").unwrap()).is_err());
}
