//! GetItem: messages by ItemId, one response message per id in order. An unknown
//! id is `ErrorItemNotFound`, a malformed one `ErrorInvalidIdMalformed`, an id
//! given to `fail_item` answers its response code, while the others succeed
//! (exchangelib's per-item errors). IncludeMimeContent gives `t:MimeContent`
//! (base64 of the stored bytes, untouched).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation-email-message>

use super::common::{self, EwsError};
use super::item_xml::{write_message, ItemShape};
use super::{Call, Reply};
use crate::dom::Element;
use crate::model::Model;
use crate::soap::MESSAGES_NS;

pub const ELEMENT: &str = "GetItem";
const MESSAGE: &str = "GetItemResponseMessage";

/// The `t:ItemId`-like elements of `m:ItemIds`.
pub fn item_ids(request: &Element) -> Vec<&Element> {
    request
        .child(MESSAGES_NS, "ItemIds")
        .map(|c| c.children.iter().collect())
        .unwrap_or_default()
}

/// Finds an item for an id element: (mailbox address, item id), or its error.
/// Consumes an injected per-item fault.
pub fn locate(call: &mut Call, el: &Element) -> Result<(String, String), EwsError> {
    if el.name != "ItemId" {
        return Err(EwsError::new(
            "ErrorInvalidOperation",
            "The mock supports t:ItemId only.",
        ));
    }
    let id = el.attr("Id").unwrap_or_default();
    if let Some(code) = call.model.take_item_fault(id) {
        return Err(EwsError::injected(&code));
    }
    if !common::well_formed(id) {
        return Err(EwsError::malformed());
    }
    let owner = find_owner(call.model, id)
        .or_else(|| find_contact_owner(call.model, id))
        .ok_or_else(EwsError::item_not_found)?;
    common::check_access(call, &owner)?;
    Ok((owner, id.to_string()))
}

fn find_contact_owner(model: &Model, id: &str) -> Option<String> {
    model
        .mailboxes()
        .find(|m| m.store.contact(id).is_some())
        .map(|m| m.address.clone())
}

fn find_owner(model: &Model, id: &str) -> Option<String> {
    model.find_message(id).map(|(mb, _)| mb.address.clone())
}

pub fn handle(call: &mut Call) -> Reply {
    let envelope = call.envelope;
    let request = &envelope.operation;
    let shape = ItemShape::read(request);
    let results: Vec<_> = item_ids(request)
        .into_iter()
        .map(|el| locate(call, el))
        .collect();
    let model = &*call.model;
    Reply::Ok(common::response("GetItemResponse", |x| {
        for result in results {
            match result {
                Err(e) => common::error_message(x, MESSAGE, &e, |x| x.empty("m:Items", &[])),
                Ok((address, id)) => {
                    let store = &model.mailbox(&address).expect("located").store;
                    let tag = common::success_start(x, MESSAGE);
                    x.start("m:Items", &[]);
                    match store.message(&id) {
                        Some(m) => write_message(x, store, m, &shape, true),
                        None => {
                            if let Some(c) = store.contact(&id) {
                                crate::contacts::write_contact(x, c, &|uri| shape.wants(uri), true);
                            }
                        }
                    }
                    x.end("m:Items");
                    x.end(&tag);
                }
            }
        }
    }))
}
