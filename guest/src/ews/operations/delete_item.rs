//! DeleteItem: many items in one request. messages.xsd `DeleteItemType`:
//! ItemIds; attribute DeleteType (MoveToDeletedItems, SoftDelete,
//! HardDelete). The answer has one DeleteItemResponseMessage per id, in
//! order, and no new id even for a move to Deleted Items.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation>
//!
//! Ids are sent without a ChangeKey: a containment deletes whatever the
//! email is now, so there is no stale-key conflict to retry.

use super::{each_item, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;
use crate::mailbox::DeleteMode;

pub const NAME: &str = "DeleteItem";

fn disposal(mode: DeleteMode) -> &'static str {
    match mode {
        DeleteMode::MoveToDeletedItems => "MoveToDeletedItems",
        DeleteMode::Soft => "SoftDelete",
        DeleteMode::Hard => "HardDelete",
    }
}

pub fn write(x: &mut Xml, ids: &[ItemId], mode: DeleteMode) {
    x.open("m:DeleteItem", &[("DeleteType", disposal(mode))]);
    x.open("m:ItemIds", &[]);
    for id in ids {
        x.empty("t:ItemId", &[("Id", &id.id)]);
    }
    x.close("m:ItemIds");
    x.close("m:DeleteItem");
}

/// One result per id, in the request's order.
pub fn read(answer: &Element, requested: usize) -> Result<Vec<Result<(), CodeDetail>>, Error> {
    Ok(each_item(
        answer,
        "DeleteItemResponse",
        "DeleteItemResponseMessage",
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

    fn ids() -> Vec<ItemId> {
        vec![ItemId::new("AAMk1=="), ItemId::new("AAMk\"<2>&")]
    }

    #[test]
    fn reads_microsofts_samples() {
        let ok = include_str!("../../../testdata/DeleteItem-response.xml");
        let r = read(&schema_check::answer(ok), 1).unwrap();
        assert_eq!(r, vec![Ok(())]);
        let missing = include_str!("../../../testdata/DeleteItem-ErrorItemNotFound-response.xml");
        let r = read(&schema_check::answer(missing), 1).unwrap();
        assert_eq!(r[0].as_ref().unwrap_err().code, "ErrorItemNotFound");
        // A count that does not match the ids is not guessed at.
        assert!(read(&schema_check::answer(ok), 2).is_err());
    }

    #[test]
    fn writes_the_disposal_and_escapes_ids() {
        let doc = String::from_utf8(envelope::write(
            &Header {
                server_version: "Exchange2016".into(),
                impersonate: None,
            },
            |x| write(x, &ids(), DeleteMode::Soft),
        ))
        .unwrap();
        assert!(doc.contains(r#"<m:DeleteItem DeleteType="SoftDelete"><m:ItemIds><t:ItemId Id="AAMk1=="/><t:ItemId Id="AAMk&quot;&lt;2&gt;&amp;"/></m:ItemIds></m:DeleteItem>"#), "{doc}");
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        for (n, mode) in [
            DeleteMode::MoveToDeletedItems,
            DeleteMode::Soft,
            DeleteMode::Hard,
        ]
        .into_iter()
        .enumerate()
        {
            schema_check::validate(
                &format!("di-{n}"),
                "Exchange2010_SP2",
                Some("soc@example.com"),
                |x| write(x, &ids(), mode),
                "m:DeleteItem",
                true,
            );
        }
    }
}
