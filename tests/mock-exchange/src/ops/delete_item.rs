//! DeleteItem: messages by ItemId, one response message per id in order.
//! MoveToDeletedItems moves the message to Deleted Items (a new id, as any
//! move); SoftDelete and HardDelete take it out of the mailbox (the mock keeps
//! no recoverable-items dumpster: gone is what a client can observe). Unknown
//! ids, malformed ones and `fail_item` give per-item errors, shaped as
//! Microsoft's ErrorItemNotFound sample (no `m:Items`).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation>

use super::common::{self, EwsError};
use super::get_item::{item_ids, locate};
use super::{Call, Reply};
use crate::dom::Element;

pub const ELEMENT: &str = "DeleteItem";
const MESSAGE: &str = "DeleteItemResponseMessage";

fn delete(call: &mut Call, el: &Element, to_deleted_items: bool) -> Result<(), EwsError> {
    let (address, id) = locate(call, el)?;
    let store = &mut call.model.mailbox_mut(&address).expect("located").store;
    if to_deleted_items {
        let folder = store
            .distinguished("deleteditems")
            .map(|f| f.id.clone())
            .ok_or_else(EwsError::item_not_found)?;
        store.move_message(&id, &folder);
    } else {
        store.messages.retain(|m| m.id != id);
    }
    Ok(())
}

pub fn handle(call: &mut Call) -> Reply {
    let envelope = call.envelope;
    let request = &envelope.operation;
    let to_deleted_items = request.attr("DeleteType") == Some("MoveToDeletedItems");
    let results: Vec<_> = item_ids(request)
        .into_iter()
        .map(|el| delete(call, el, to_deleted_items))
        .collect();
    Reply::Ok(common::response("DeleteItemResponse", |x| {
        for result in results {
            match result {
                Err(e) => common::error_message(x, MESSAGE, &e, |_| {}),
                Ok(()) => {
                    let tag = common::success_start(x, MESSAGE);
                    x.end(&tag);
                }
            }
        }
    }))
}
