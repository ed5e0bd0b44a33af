//! SendItem, for drafts the mock holds: the draft leaves Drafts and is sent
//! (Sent Items when SaveItemToFolder, recipients' Inboxes), as CreateItem
//! sends a message.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/senditem>

use super::common::{self, EwsError};
use super::sending;
use super::{Call, Reply};
use crate::soap::{MESSAGES_NS, TYPES_NS};

pub const ELEMENT: &str = "SendItem";
const MESSAGE: &str = "SendItemResponseMessage";

fn send(call: &mut Call, id: &str, save: bool) -> Result<(), EwsError> {
    let owner = call
        .model
        .find_message(id)
        .map(|(mb, _)| mb.address.clone())
        .ok_or_else(EwsError::item_not_found)?;
    common::check_access(call, &owner)?;
    sending::send_draft(call.model, &owner, id, save)
}

pub fn handle(call: &mut Call) -> Reply {
    let request = &call.envelope.operation;
    let save = matches!(request.attr("SaveItemToFolder"), Some("true" | "1"));
    let ids: Vec<String> = request
        .child(MESSAGES_NS, "ItemIds")
        .map(|l| {
            l.children_named(TYPES_NS, "ItemId")
                .map(|i| i.attr("Id").unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    let results: Vec<_> = ids.iter().map(|id| send(call, id, save)).collect();
    Reply::Ok(common::response("SendItemResponse", |x| {
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
