//! CopyItem: many items into one folder in one request. messages.xsd
//! `BaseMoveCopyItemType`: ToFolderId, ItemIds, ReturnNewItemIds (in the
//! Exchange 2010 SP1 schema and later). The answer has one
//! CopyItemResponseMessage per id, in order, with the copy's id in `Items`
//! — empty when the copy went to another mailbox, where Exchange cannot
//! return it.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/copyitem-operation>
//!
//! Ids are sent without a ChangeKey: a copy does not change the source, so
//! Exchange checks no version and there is nothing stale to retry.

use super::{each_item, FolderRef, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;

pub const NAME: &str = "CopyItem";

/// Versions whose schema predates ReturnNewItemIds (Exchange 2010 SP1).
const WITHOUT_RETURN_NEW_IDS: &[&str] = &["Exchange2007", "Exchange2007_SP1", "Exchange2010"];

pub fn returns_new_ids(server_version: &str) -> bool {
    !WITHOUT_RETURN_NEW_IDS.contains(&server_version)
}

pub fn write(x: &mut Xml, ids: &[ItemId], to: &FolderRef, server_version: &str) {
    x.open("m:CopyItem", &[]);
    x.open("m:ToFolderId", &[]);
    to.write(x);
    x.close("m:ToFolderId");
    x.open("m:ItemIds", &[]);
    for id in ids {
        x.empty("t:ItemId", &[("Id", &id.id)]);
    }
    x.close("m:ItemIds");
    if returns_new_ids(server_version) {
        x.leaf("m:ReturnNewItemIds", "true");
    }
    x.close("m:CopyItem");
}

/// Per id, in order: the copy's id where Exchange gives it.
pub fn read(
    answer: &Element,
    requested: usize,
) -> Result<Vec<Result<Option<ItemId>, CodeDetail>>, Error> {
    Ok(each_item(
        answer,
        "CopyItemResponse",
        "CopyItemResponseMessage",
        requested,
    )?
    .into_iter()
    .map(|r| r.map(new_id))
    .collect())
}

/// `<m:Items><t:Message><t:ItemId/>`: the first item's id, whatever its kind.
fn new_id(message: &Element) -> Option<ItemId> {
    let item = message.child("Items")?.children.first()?;
    ItemId::read(item.child("ItemId")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;

    #[test]
    fn reads_microsofts_samples() {
        let ok = include_str!("../../../testdata/CopyItem-response.xml");
        let r = read(&schema_check::answer(ok), 1).unwrap();
        assert_eq!(r, schema_check::one_item("AAMkAd", "FwAAABY"));
        let bad = include_str!("../../../testdata/CopyItem-ErrorInvalidIdMalformed-response.xml");
        let r = read(&schema_check::answer(bad), 1).unwrap();
        assert_eq!(r[0].as_ref().unwrap_err().code, "ErrorInvalidIdMalformed");
    }

    #[test]
    fn a_copy_into_another_mailbox_has_no_id() {
        let s = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CopyItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:CopyItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items/></m:CopyItemResponseMessage></m:ResponseMessages></m:CopyItemResponse></s:Body></s:Envelope>"#;
        let r = read(&schema_check::answer(s), 1).unwrap();
        assert_eq!(r, vec![Ok(None)]);
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        let ids = vec![ItemId::new("AAMk1=="), ItemId::new("AAMk<&>")];
        let targets = [
            FolderRef::Id("AQMk<&>\"".into()),
            FolderRef::Distinguished {
                name: "junkemail".into(),
                mailbox: Some("bob@example.com".into()),
            },
        ];
        for (n, to) in targets.iter().enumerate() {
            schema_check::validate(
                &format!("ci-{n}"),
                "Exchange2010_SP2",
                Some("soc@example.com"),
                |x| write(x, &ids, to, "Exchange2010_SP2"),
                "m:CopyItem",
                true,
            );
        }
        schema_check::validate(
            "ci-2016",
            "Exchange2016",
            None,
            |x| write(x, &ids, &targets[0], "Exchange2016"),
            "m:CopyItem",
            false,
        );
        assert!(!returns_new_ids("Exchange2010") && returns_new_ids("Exchange2010_SP1"));
    }
}
