//! MarkAsJunk: many items in one request: adds (or removes) their senders
//! on the mailbox's blocked senders list and moves them to Junk Email (or
//! back to the Inbox). messages.xsd `MarkAsJunkType`: ItemIds; attributes
//! IsJunk, MoveItem. Only in the Exchange 2013 schema and later. The answer
//! has one MarkAsJunkResponseMessage per id, in order, with `MovedItemId`
//! when the item moved.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/markasjunk-operation>
//!
//! Ids are sent without a ChangeKey (Microsoft's sample has one, but the
//! schema does not require it): the junk report applies to the email as it
//! is now, so there is no stale-key conflict to retry.

use super::{each_item, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;
use crate::mailbox::JunkReport;

pub const NAME: &str = "MarkAsJunk";

pub fn supported(server_version: &str) -> bool {
    super::exchange_2013_or_later(server_version)
}

pub fn write(x: &mut Xml, ids: &[ItemId], report: JunkReport) {
    let flag = |b: bool| if b { "true" } else { "false" };
    x.open(
        "m:MarkAsJunk",
        &[
            ("IsJunk", flag(report.is_junk)),
            ("MoveItem", flag(report.move_item)),
        ],
    );
    x.open("m:ItemIds", &[]);
    for id in ids {
        x.empty("t:ItemId", &[("Id", &id.id)]);
    }
    x.close("m:ItemIds");
    x.close("m:MarkAsJunk");
}

/// Per id, in order: where the item moved, when it did.
pub fn read(
    answer: &Element,
    requested: usize,
) -> Result<Vec<Result<Option<ItemId>, CodeDetail>>, Error> {
    Ok(each_item(
        answer,
        "MarkAsJunkResponse",
        "MarkAsJunkResponseMessage",
        requested,
    )?
    .into_iter()
    .map(|r| r.map(|m| m.child("MovedItemId").and_then(ItemId::read)))
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;

    #[test]
    fn reads_microsofts_samples() {
        let ok = include_str!("../../../testdata/MarkAsJunk-response.xml");
        let r = read(&schema_check::answer(ok), 1).unwrap();
        assert_eq!(r, schema_check::one_item("AAMkAD=", "CQAAABYu"));
        let missing = include_str!("../../../testdata/MarkAsJunk-ErrorItemNotFound-response.xml");
        let r = read(&schema_check::answer(missing), 1).unwrap();
        assert_eq!(r[0].as_ref().unwrap_err().code, "ErrorItemNotFound");
    }

    #[test]
    fn only_from_exchange_2013() {
        assert!(!supported("Exchange2010_SP2"));
        assert!(supported("Exchange2013"));
        assert!(supported("Exchange2016"));
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        let ids = vec![ItemId::new("AAMk1=="), ItemId::new("AAMk<&>")];
        for (n, (is_junk, move_item)) in [(true, true), (false, false)].into_iter().enumerate() {
            schema_check::validate(
                &format!("mj-{n}"),
                "Exchange2016",
                Some("soc@example.com"),
                |x| write(x, &ids, JunkReport { is_junk, move_item }),
                "m:MarkAsJunk",
                false,
            );
        }
    }
}
