//! GetAttachment: one attachment by its id, for an email too large to fetch
//! whole. messages.xsd `GetAttachmentType`: AttachmentShape?, AttachmentIds.
//! A file comes as base64 `Content`; an attached email (ItemAttachment) as
//! its item with `MimeContent` (AttachmentShape IncludeMimeContent).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getattachment-operation>

use super::get_item::decode_base64;
use super::{each_message_mut, per_item};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;

pub const NAME: &str = "GetAttachment";

pub fn write(x: &mut Xml, attachment_id: &str) {
    x.open("m:GetAttachment", &[]);
    x.open("m:AttachmentShape", &[]);
    x.leaf("t:IncludeMimeContent", "true");
    x.close("m:AttachmentShape");
    x.open("m:AttachmentIds", &[]);
    x.empty("t:AttachmentId", &[("Id", attachment_id)]);
    x.close("m:AttachmentIds");
    x.close("m:GetAttachment");
}

/// The attachment's bytes: a file's content, or an attached email's MIME.
/// The outer `Err` fails the call; the inner one is this attachment's error.
pub fn read(mut answer: Element) -> Result<Result<Vec<u8>, CodeDetail>, Error> {
    let mut messages = each_message_mut(
        &mut answer,
        "GetAttachmentResponse",
        "GetAttachmentResponseMessage",
        1,
    )?;
    let message = messages.remove(0);
    if let Err(d) = per_item(message) {
        return Ok(Err(d));
    }
    let attachment = message
        .children
        .iter_mut()
        .find(|c| c.name == "Attachments")
        .and_then(|a| a.children.first_mut());
    let text = attachment.and_then(|a| match a.name.as_str() {
        "FileAttachment" => a.children.iter_mut().find(|c| c.name == "Content"),
        // The attached item's element (Message, CalendarItem...) holds MimeContent.
        "ItemAttachment" => a
            .children
            .iter_mut()
            .flat_map(|item| item.children.iter_mut())
            .find(|c| c.name == "MimeContent"),
        _ => None,
    });
    Ok(match text {
        None => Err(CodeDetail {
            code: "ErrorUnexpectedAnswer".into(),
            text: "GetAttachment returned neither Content nor MimeContent".into(),
            message_xml: vec![],
        }),
        Some(t) => decode_base64(std::mem::take(&mut t.text)).map_err(|e| CodeDetail {
            code: "ErrorUnexpectedAnswer".into(),
            text: format!("the attachment's content is not base64: {e}"),
            message_xml: vec![],
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;
    use crate::ews::response;

    fn answer(inner: &str) -> Element {
        let s = format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetAttachmentResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages>{inner}</m:ResponseMessages></m:GetAttachmentResponse></s:Body></s:Envelope>"#
        );
        response::body(s.as_bytes()).unwrap()
    }

    #[test]
    fn reads_a_file_an_email_and_an_error() {
        let file = answer(
            r#"<m:GetAttachmentResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Attachments><t:FileAttachment><t:AttachmentId Id="AT1"/><t:Name>a.pdf</t:Name><t:Content>JVBERi0=</t:Content></t:FileAttachment></m:Attachments></m:GetAttachmentResponseMessage>"#,
        );
        assert_eq!(read(file).unwrap().unwrap(), b"%PDF-");
        let email = answer(
            r#"<m:GetAttachmentResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Attachments><t:ItemAttachment><t:AttachmentId Id="AT2"/><t:Name>fwd</t:Name><t:Message><t:MimeContent CharacterSet="UTF-8">U3ViamVjdDogaGkNCg0KYm9keQ==</t:MimeContent><t:Subject>hi</t:Subject></t:Message></t:ItemAttachment></m:Attachments></m:GetAttachmentResponseMessage>"#,
        );
        assert_eq!(read(email).unwrap().unwrap(), b"Subject: hi\r\n\r\nbody");
        let missing = answer(
            r#"<m:GetAttachmentResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetAttachmentResponseMessage>"#,
        );
        assert_eq!(
            read(missing).unwrap().unwrap_err().code,
            "ErrorItemNotFound"
        );
        assert!(read(answer("")).is_err());
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        for (name, imp) in [("ga-plain", None), ("ga-imp", Some("soc@example.com"))] {
            schema_check::validate(
                name,
                "Exchange2010_SP2",
                imp,
                |x| write(x, "AAMkAD<&>="),
                "m:GetAttachment",
                true,
            );
        }
    }
}
