//! CreateAttachment: a file added to an existing item, for a reply with
//! attachments (a reply element has no Attachments of its own: it is sent
//! as a draft). messages.xsd `CreateAttachmentType`: ParentItemId,
//! Attachments. One file a request, so that a request holds one file's
//! base64 at a time.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createattachment-operation>

use super::create_item::file_attachment;
use super::{response_messages, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::Error;
use crate::ews::response;
use crate::ews::xml::Element;
use crate::mailbox::OutgoingFile;

pub const NAME: &str = "CreateAttachment";

pub fn write(x: &mut Xml, parent: &ItemId, file: &OutgoingFile) {
    x.open("m:CreateAttachment", &[]);
    let mut attrs = vec![("Id", parent.id.as_str())];
    if let Some(ck) = &parent.change_key {
        attrs.push(("ChangeKey", ck.as_str()));
    }
    x.empty("m:ParentItemId", &attrs);
    x.open("m:Attachments", &[]);
    file_attachment(x, file);
    x.close("m:Attachments");
    x.close("m:CreateAttachment");
}

/// The parent item as it is after the change (its new change key), when
/// the server says; the parent as it was otherwise.
pub fn read(answer: &Element, parent: &ItemId) -> Result<ItemId, Error> {
    let messages = response_messages(
        answer,
        "CreateAttachmentResponse",
        "CreateAttachmentResponseMessage",
    )?;
    let first = messages
        .first()
        .ok_or_else(|| Error::Malformed("CreateAttachmentResponse without a message".into()))?;
    response::check(first)?;
    let change_key = first
        .find("AttachmentId")
        .and_then(|a| a.attr("RootItemChangeKey"))
        .map(str::to_string)
        .or_else(|| parent.change_key.clone());
    Ok(ItemId {
        id: parent.id.clone(),
        change_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;

    #[test]
    fn validates_and_reads_the_new_change_key() {
        let parent = ItemId {
            id: "AAMk<&>=".into(),
            change_key: Some("CQ1".into()),
        };
        let file = OutgoingFile {
            name: "r&d.pdf".into(),
            content_type: "application/pdf".into(),
            data: vec![0, 1, 2],
        };
        schema_check::validate(
            "ca",
            "Exchange2010_SP2",
            Some("soc@example.com"),
            |x| write(x, &parent, &file),
            "m:CreateAttachment",
            true,
        );
        let s = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateAttachmentResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:CreateAttachmentResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Attachments><t:FileAttachment><t:AttachmentId Id="AT1" RootItemId="AAMk" RootItemChangeKey="CQ2"/></t:FileAttachment></m:Attachments></m:CreateAttachmentResponseMessage></m:ResponseMessages></m:CreateAttachmentResponse></s:Body></s:Envelope>"#;
        let got = read(&response::body(s.as_bytes()).unwrap(), &parent).unwrap();
        assert_eq!(got.change_key.as_deref(), Some("CQ2"));
    }
}
