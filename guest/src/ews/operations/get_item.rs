//! GetItem: many items in one request, each with its MIME content and the
//! metadata the daemon's record needs. messages.xsd `GetItemType`: ItemShape,
//! ItemIds. The answer has one GetItemResponseMessage per id, in order; an
//! error for one item is returned for that item, not for the batch.

use super::{field_uri, per_item, response_messages, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;
use base64::Engine;

pub const NAME: &str = "GetItem";

pub const PROPERTIES: &[&str] = &[
    "item:DateTimeReceived",
    "item:Size",
    "item:Categories",
    "item:Importance",
    "message:InternetMessageId",
    "item:Subject",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: ItemId,
    /// The decoded MimeContent; `Err` says why there is none.
    pub mime: Result<Vec<u8>, String>,
    pub subject: Option<String>,
    pub received: Option<i64>,
    pub size: Option<u64>,
    pub categories: Vec<String>,
    pub importance: Option<String>,
    pub internet_message_id: Option<String>,
}

pub fn write(x: &mut Xml, ids: &[ItemId]) {
    x.open("m:GetItem", &[]);
    x.open("m:ItemShape", &[]);
    x.leaf("t:BaseShape", "IdOnly");
    x.leaf("t:IncludeMimeContent", "true");
    x.open("t:AdditionalProperties", &[]);
    for p in PROPERTIES {
        field_uri(x, p);
    }
    x.close("t:AdditionalProperties");
    x.close("m:ItemShape");
    x.open("m:ItemIds", &[]);
    for id in ids {
        id.write(x);
    }
    x.close("m:ItemIds");
    x.close("m:GetItem");
}

/// One result per requested id, in the request's order.
pub fn read(answer: &Element, requested: usize) -> Result<Vec<Result<Item, CodeDetail>>, Error> {
    let messages = response_messages(answer, "GetItemResponse", "GetItemResponseMessage")?;
    if messages.len() != requested {
        return Err(Error::Malformed(format!(
            "GetItemResponse holds {} messages for {requested} ids",
            messages.len()
        )));
    }
    Ok(messages
        .into_iter()
        .map(|m| {
            per_item(m)?;
            m.child("Items")
                .and_then(|i| i.children.first())
                .and_then(item)
                .ok_or_else(|| CodeDetail {
                    code: "ErrorUnexpectedAnswer".into(),
                    text: "GetItemResponseMessage without an item".into(),
                    message_xml: vec![],
                })
        })
        .collect())
}

fn item(el: &Element) -> Option<Item> {
    let id = ItemId::read(el.child("ItemId")?)?;
    let mime = match el.child("MimeContent") {
        None => Err("Exchange returned no MimeContent".to_string()),
        Some(m) => {
            let b64: String = m
                .text
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| format!("MimeContent is not base64: {e}"))
        }
    };
    Some(Item {
        id,
        mime,
        subject: el.child("Subject").map(|s| s.text.clone()),
        received: el
            .child_text("DateTimeReceived")
            .and_then(crate::time::parse_xs_datetime),
        size: el.child_text("Size").and_then(|s| s.parse().ok()),
        categories: el
            .child("Categories")
            .map(|c| {
                c.children
                    .iter()
                    .map(|s| s.text.trim().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        importance: el.child_text("Importance").map(str::to_string),
        internet_message_id: el.child_text("InternetMessageId").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;
    use crate::ews::response;

    #[test]
    fn reads_microsofts_sample_and_per_item_errors() {
        let s = include_str!("../../../testdata/GetItem-mime-response.xml");
        let items = read(&response::body(s.as_bytes()).unwrap(), 1).unwrap();
        let it = items[0].as_ref().unwrap();
        assert_eq!(it.id.id, "AAMkADEzYjJkLTYxMwB8GqYicWAAA=");
        // Microsoft's sample shortens its base64 beyond decoding: a reason, not a panic.
        assert!(it.mime.is_err() || it.mime.is_ok());

        let two = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">U3ViamVjdDog
aGkNCg0KYm9keQ==</t:MimeContent><t:ItemId Id="A" ChangeKey="CA"/><t:Subject>hi</t:Subject><t:DateTimeReceived>2026-11-20T08:00:05Z</t:DateTimeReceived><t:Size>20</t:Size><t:Categories><t:String>Phish</t:String><t:String>Red</t:String></t:Categories><t:Importance>High</t:Importance><t:InternetMessageId>&lt;x@y&gt;</t:InternetMessageId></t:Message></m:Items></m:GetItemResponseMessage><m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"#;
        let items = read(&response::body(two.as_bytes()).unwrap(), 2).unwrap();
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.mime.as_deref().unwrap(), b"Subject: hi\r\n\r\nbody");
        assert_eq!(a.categories, vec!["Phish", "Red"]);
        assert_eq!(a.importance.as_deref(), Some("High"));
        assert_eq!(a.size, Some(20));
        assert_eq!(a.internet_message_id.as_deref(), Some("<x@y>"));
        assert_eq!(items[1].as_ref().unwrap_err().code, "ErrorItemNotFound");
        assert!(read(&response::body(two.as_bytes()).unwrap(), 3).is_err());
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        let ids = vec![
            ItemId {
                id: "AAMk1==".into(),
                change_key: Some("CQ1".into()),
            },
            ItemId {
                id: "AAMk<2>".into(),
                change_key: None,
            },
        ];
        for (name, imp) in [("gi-plain", None), ("gi-imp", Some("soc@example.com"))] {
            schema_check::validate(
                name,
                "Exchange2010_SP2",
                imp,
                |x| write(x, &ids),
                "m:GetItem",
                true,
            );
        }
    }
}
