//! SendItem: sends a draft (a reply that needed attachments added first),
//! keeping a copy in Sent Items. messages.xsd `SendItemType`: ItemIds,
//! SavedItemFolderId?; attribute SaveItemToFolder (required).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/senditem>

use super::{response_messages, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::Error;
use crate::ews::response;
use crate::ews::xml::Element;

pub const NAME: &str = "SendItem";

pub fn write(x: &mut Xml, draft: &ItemId) {
    x.open("m:SendItem", &[("SaveItemToFolder", "true")]);
    x.open("m:ItemIds", &[]);
    draft.write(x);
    x.close("m:ItemIds");
    x.open("m:SavedItemFolderId", &[]);
    x.empty("t:DistinguishedFolderId", &[("Id", "sentitems")]);
    x.close("m:SavedItemFolderId");
    x.close("m:SendItem");
}

pub fn read(answer: &Element) -> Result<(), Error> {
    let messages = response_messages(answer, "SendItemResponse", "SendItemResponseMessage")?;
    let first = messages
        .first()
        .ok_or_else(|| Error::Malformed("SendItemResponse without a message".into()))?;
    response::check(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;

    #[test]
    fn validates_and_reads() {
        let draft = ItemId {
            id: "AAMk\"1\"".into(),
            change_key: Some("CQ2".into()),
        };
        schema_check::validate(
            "si",
            "Exchange2010_SP2",
            None,
            |x| write(x, &draft),
            "m:SendItem",
            true,
        );
        let s = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:SendItemResponse xmlns:m="m"><m:ResponseMessages><m:SendItemResponseMessage ResponseClass="Error"><m:MessageText>no</m:MessageText><m:ResponseCode>ErrorQuotaExceeded</m:ResponseCode></m:SendItemResponseMessage></m:ResponseMessages></m:SendItemResponse></s:Body></s:Envelope>"#;
        assert!(
            matches!(read(&response::body(s.as_bytes()).unwrap()), Err(Error::Response(d)) if d.code == "ErrorQuotaExceeded")
        );
    }
}
