//! DeleteAttachment: many attachments in one request. messages.xsd
//! `DeleteAttachmentType`: AttachmentIds. The answer has one
//! DeleteAttachmentResponseMessage per id, in order, with `RootItemId`: the
//! item that held the attachment and its new ChangeKey.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteattachment-operation>
//!
//! The request carries no ChangeKey at all (AttachmentIds only), so a stale
//! key cannot occur and nothing is retried.

use super::{each_item, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;

pub const NAME: &str = "DeleteAttachment";

pub fn write(x: &mut Xml, attachment_ids: &[String]) {
    x.open("m:DeleteAttachment", &[]);
    x.open("m:AttachmentIds", &[]);
    for id in attachment_ids {
        x.empty("t:AttachmentId", &[("Id", id)]);
    }
    x.close("m:AttachmentIds");
    x.close("m:DeleteAttachment");
}

/// Per attachment id, in order: the item as it is after the delete.
pub fn read(
    answer: &Element,
    requested: usize,
) -> Result<Vec<Result<Option<ItemId>, CodeDetail>>, Error> {
    Ok(each_item(
        answer,
        "DeleteAttachmentResponse",
        "DeleteAttachmentResponseMessage",
        requested,
    )?
    .into_iter()
    .map(|r| r.map(root_item))
    .collect())
}

/// `<m:RootItemId RootItemId="..." RootItemChangeKey="..."/>`: attribute
/// names that differ from `t:ItemId`'s.
fn root_item(message: &Element) -> Option<ItemId> {
    let root = message.child("RootItemId")?;
    Some(ItemId {
        id: root
            .attr("RootItemId")
            .filter(|v| !v.is_empty())?
            .to_string(),
        change_key: root.attr("RootItemChangeKey").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;

    #[test]
    fn reads_microsofts_sample() {
        let ok = include_str!("../../../testdata/DeleteAttachment-response.xml");
        let r = read(&schema_check::answer(ok), 1).unwrap();
        assert_eq!(
            r,
            schema_check::one_item("AAAtAEFkbWluaXN...", "CQAAABYAA...")
        );
        let err = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:DeleteAttachmentResponse xmlns:m="m"><m:ResponseMessages><m:DeleteAttachmentResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode></m:DeleteAttachmentResponseMessage></m:ResponseMessages></m:DeleteAttachmentResponse></s:Body></s:Envelope>"#;
        let r = read(&schema_check::answer(err), 1).unwrap();
        assert_eq!(r[0].as_ref().unwrap_err().code, "ErrorItemNotFound");
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        let ids = vec!["AAMkAT1=".to_string(), "AT<&>\"".to_string()];
        for (name, v) in [("da-2010", "Exchange2010_SP2"), ("da-2016", "Exchange2016")] {
            schema_check::validate(
                name,
                v,
                Some("soc@example.com"),
                |x| write(x, &ids),
                "m:DeleteAttachment",
                v == "Exchange2010_SP2",
            );
        }
    }
}
