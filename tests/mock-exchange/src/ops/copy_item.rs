//! CopyItem: messages by ItemId into one folder (`m:ToFolderId`, possibly in
//! another mailbox), one response message per id in order. The copy is a new
//! message with the same MIME and flags. As Exchange does, the answer carries
//! the copy's id only when it stays in the same mailbox (and ReturnNewItemIds
//! is not false): a copy into another mailbox answers an empty `m:Items`.
//! The caller needs access to both mailboxes, checked as GetItem checks it.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/copyitem-operation>

use super::common::{self, EwsError};
use super::get_item::{item_ids, locate};
use super::{Call, Reply};
use crate::dom::Element;
use crate::soap::MESSAGES_NS;

pub const ELEMENT: &str = "CopyItem";
const MESSAGE: &str = "CopyItemResponseMessage";

/// The copy's (id, change key) when the answer may name it.
type Copied = Option<(String, String)>;

fn copy(
    call: &mut Call,
    el: &Element,
    to: &Result<(String, String), EwsError>,
    ids: bool,
) -> Result<Copied, EwsError> {
    let (owner, id) = locate(call, el)?;
    let (dest, folder) = to.clone()?;
    let m = call
        .model
        .mailbox(&owner)
        .and_then(|mb| mb.store.message(&id))
        .cloned()
        .ok_or_else(EwsError::item_not_found)?;
    let store = &mut call
        .model
        .mailbox_mut(&dest)
        .ok_or_else(EwsError::item_not_found)?
        .store;
    let new_id = store.add_copy(&folder, m);
    let key = store
        .message(&new_id)
        .expect("just added")
        .change_key
        .clone();
    Ok((ids && dest.eq_ignore_ascii_case(&owner)).then_some((new_id, key)))
}

pub fn handle(call: &mut Call) -> Reply {
    let envelope = call.envelope;
    let request = &envelope.operation;
    let to = common::folder_ids(request, "ToFolderId")
        .first()
        .map(|el| common::resolve_folder(call, el))
        .unwrap_or_else(|| {
            Err(EwsError::new(
                "ErrorInvalidOperation",
                "ToFolderId is empty.",
            ))
        });
    let ids = request
        .child(MESSAGES_NS, "ReturnNewItemIds")
        .is_none_or(|r| matches!(r.trimmed(), "true" | "1"));
    let results: Vec<_> = item_ids(request)
        .into_iter()
        .map(|el| copy(call, el, &to, ids))
        .collect();
    Reply::Ok(common::response("CopyItemResponse", |x| {
        for result in results {
            match result {
                Err(e) => common::error_message(x, MESSAGE, &e, |x| x.empty("m:Items", &[])),
                Ok(None) => {
                    let tag = common::success_start(x, MESSAGE);
                    x.empty("m:Items", &[]);
                    x.end(&tag);
                }
                Ok(Some((id, key))) => {
                    let tag = common::success_start(x, MESSAGE);
                    common::items_with_id(x, &id, &key);
                    x.end(&tag);
                }
            }
        }
    }))
}
