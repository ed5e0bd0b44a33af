//! MarkAsJunk: messages by ItemId, one response message per id in order.
//! With MoveItem, a junk message moves to Junk Email and a not-junk one back
//! to the Inbox (a new id, returned as `m:MovedItemId` as in Microsoft's
//! sample); without it, the message stays (and the answer has no id).
//! Unknown ids, malformed ones and `fail_item` give per-item errors.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/markasjunk-operation>

use super::common::{self, EwsError};
use super::get_item::{item_ids, locate};
use super::{Call, Reply};
use crate::dom::Element;

pub const ELEMENT: &str = "MarkAsJunk";
const MESSAGE: &str = "MarkAsJunkResponseMessage";

fn flag(request: &Element, name: &str) -> bool {
    matches!(request.attr(name).map(str::trim), Some("true" | "1"))
}

/// The moved message's (id, change key), when it moved.
fn mark(
    call: &mut Call,
    el: &Element,
    junk: bool,
    move_item: bool,
) -> Result<Option<(String, String)>, EwsError> {
    let (address, id) = locate(call, el)?;
    let store = &mut call.model.mailbox_mut(&address).expect("located").store;
    if !move_item {
        store.touch(&id);
        return Ok(None);
    }
    let name = if junk { "junkemail" } else { "inbox" };
    let folder = store
        .distinguished(name)
        .map(|f| f.id.clone())
        .ok_or_else(EwsError::item_not_found)?;
    let new_id = store
        .move_message(&id, &folder)
        .ok_or_else(EwsError::item_not_found)?;
    let key = store
        .message(&new_id)
        .map(|m| m.change_key.clone())
        .unwrap_or_default();
    Ok(Some((new_id, key)))
}

pub fn handle(call: &mut Call) -> Reply {
    let envelope = call.envelope;
    let request = &envelope.operation;
    let (junk, move_item) = (flag(request, "IsJunk"), flag(request, "MoveItem"));
    let results: Vec<_> = item_ids(request)
        .into_iter()
        .map(|el| mark(call, el, junk, move_item))
        .collect();
    Reply::Ok(common::response("MarkAsJunkResponse", |x| {
        for result in results {
            match result {
                Err(e) => common::error_message(x, MESSAGE, &e, |_| {}),
                Ok(moved) => {
                    let tag = common::success_start(x, MESSAGE);
                    if let Some((id, key)) = moved {
                        x.empty("m:MovedItemId", &[("Id", &id), ("ChangeKey", &key)]);
                    }
                    x.end(&tag);
                }
            }
        }
    }))
}
