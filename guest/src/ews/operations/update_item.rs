//! UpdateItem, for one purpose: marking many messages read in one request.
//! messages.xsd `UpdateItemType`: SavedItemFolderId?, ItemChanges; attributes
//! ConflictResolution, MessageDisposition, SuppressReadReceipts (absent from
//! the Exchange 2010 SP2 schema: sent only to Exchange2013 and later).

use super::{each_item, field_uri, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;

pub const NAME: &str = "UpdateItem";

pub fn supports_suppress_read_receipts(server_version: &str) -> bool {
    super::exchange_2013_or_later(server_version)
}

pub fn write_mark_read(x: &mut Xml, ids: &[ItemId], server_version: &str) {
    let mut attrs = vec![
        ("ConflictResolution", "AlwaysOverwrite"),
        ("MessageDisposition", "SaveOnly"),
    ];
    if supports_suppress_read_receipts(server_version) {
        attrs.push(("SuppressReadReceipts", "true"));
    }
    x.open("m:UpdateItem", &attrs);
    x.open("m:ItemChanges", &[]);
    for id in ids {
        x.open("t:ItemChange", &[]);
        id.write(x);
        x.open("t:Updates", &[]);
        x.open("t:SetItemField", &[]);
        field_uri(x, "message:IsRead");
        x.open("t:Message", &[]);
        x.leaf("t:IsRead", "true");
        x.close("t:Message");
        x.close("t:SetItemField");
        x.close("t:Updates");
        x.close("t:ItemChange");
    }
    x.close("m:ItemChanges");
    x.close("m:UpdateItem");
}

/// One result per id, in the request's order.
pub fn read(answer: &Element, requested: usize) -> Result<Vec<Result<(), CodeDetail>>, Error> {
    Ok(each_item(
        answer,
        "UpdateItemResponse",
        "UpdateItemResponseMessage",
        requested,
    )?
    .into_iter()
    .map(|r| r.map(|_| ()))
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::envelope::{self, Header};
    use crate::ews::operations::schema_check;
    use crate::ews::response;

    fn ids() -> Vec<ItemId> {
        vec![
            ItemId {
                id: "AAMk1==".into(),
                change_key: Some("CQ1".into()),
            },
            ItemId {
                id: "AAMk\"2\"".into(),
                change_key: None,
            },
        ]
    }

    #[test]
    fn reads_microsofts_sample() {
        let s = include_str!("../../../testdata/UpdateItem-response.xml");
        let r = read(&response::body(s.as_bytes()).unwrap(), 1).unwrap();
        assert_eq!(r, vec![Ok(())]);
    }

    #[test]
    fn suppresses_read_receipts_only_where_the_schema_has_it() {
        let doc = |v: &str| {
            String::from_utf8(envelope::write(
                &Header {
                    server_version: v.into(),
                    impersonate: None,
                },
                |x| write_mark_read(x, &ids(), v),
            ))
            .unwrap()
        };
        let new = doc("Exchange2016");
        assert!(new.contains(r#"<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly" SuppressReadReceipts="true"><m:ItemChanges><t:ItemChange><t:ItemId Id="AAMk1==" ChangeKey="CQ1"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange><t:ItemChange>"#), "{new}");
        assert!(!doc("Exchange2010_SP2").contains("SuppressReadReceipts"));
        assert!(doc("Exchange2013").contains("SuppressReadReceipts"));
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        for v in crate::config::fields::SERVER_VERSIONS {
            schema_check::validate(
                &format!("ui-{v}"),
                v,
                Some("soc@example.com"),
                |x| write_mark_read(x, &ids(), v),
                "m:UpdateItem",
                !supports_suppress_read_receipts(v),
            );
        }
        schema_check::validate(
            "ui-plain",
            "Exchange2016",
            None,
            |x| write_mark_read(x, &ids(), "Exchange2016"),
            "m:UpdateItem",
            false,
        );
    }
}
