//! UpdateItem: SetItemField / DeleteItemField on messages (`message:IsRead`,
//! `item:Categories`, `item:Importance`; other fields are accepted and only change
//! the change key). ConflictResolution AutoResolve / NeverOverwrite with a stale
//! ChangeKey is `ErrorIrresolvableConflict`; AlwaysOverwrite ignores it. One
//! response message per ItemChange, with the new ItemId/ChangeKey; unknown ids and
//! `fail_item` give per-item errors.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation>

use super::common::{self, EwsError};
use super::get_item::locate;
use super::{Call, Reply};
use crate::dom::Element;
use crate::soap::{MESSAGES_NS, TYPES_NS};

pub const ELEMENT: &str = "UpdateItem";
const MESSAGE: &str = "UpdateItemResponseMessage";

fn apply(call: &mut Call, change: &Element, overwrite: bool) -> Result<(String, String), EwsError> {
    let id_el = change
        .children
        .first()
        .ok_or_else(EwsError::item_not_found)?;
    let (address, id) = locate(call, id_el)?;
    let store = &mut call.model.mailbox_mut(&address).expect("located").store;
    let current = store.message(&id).expect("located").change_key.clone();
    if let Some(ck) = id_el.attr("ChangeKey") {
        if !overwrite && ck != current {
            return Err(EwsError::injected("ErrorIrresolvableConflict"));
        }
    }
    let updates = change
        .child(TYPES_NS, "Updates")
        .map(|u| u.children.as_slice())
        .unwrap_or(&[]);
    let m = store.message_mut(&id).expect("located");
    for update in updates {
        let uri = update
            .child(TYPES_NS, "FieldURI")
            .and_then(|f| f.attr("FieldURI"))
            .unwrap_or_default();
        let item = update
            .children
            .iter()
            .find(|c| c.name == "Message" || c.name == "Item");
        let field = |name: &str| item.and_then(|i| i.child(TYPES_NS, name));
        match (update.name.as_str(), uri) {
            ("SetItemField", "message:IsRead") => {
                let v = field("IsRead").map(|v| v.trimmed()).unwrap_or("false");
                m.is_read = matches!(v, "true" | "1");
            }
            ("SetItemField", "item:Categories") => {
                m.categories = field("Categories")
                    .map(|c| c.children.iter().map(|s| s.text.clone()).collect())
                    .unwrap_or_default();
            }
            ("SetItemField", "item:Importance") => {
                if let Some(v) = field("Importance") {
                    m.importance = v.trimmed().to_string();
                }
            }
            ("DeleteItemField", "item:Categories") => m.categories.clear(),
            _ => {}
        }
    }
    let key = store.touch(&id).expect("located");
    Ok((id, key))
}

pub fn handle(call: &mut Call) -> Reply {
    let envelope = call.envelope;
    let request = &envelope.operation;
    let overwrite = request.attr("ConflictResolution") == Some("AlwaysOverwrite");
    let changes: Vec<&Element> = request
        .child(MESSAGES_NS, "ItemChanges")
        .map(|c| c.children_named(TYPES_NS, "ItemChange").collect())
        .unwrap_or_default();
    let results: Vec<_> = changes
        .into_iter()
        .map(|c| apply(call, c, overwrite))
        .collect();
    Reply::Ok(common::response("UpdateItemResponse", |x| {
        for result in results {
            match result {
                Err(e) => common::error_message(x, MESSAGE, &e, |x| x.empty("m:Items", &[])),
                Ok((id, key)) => {
                    let tag = common::success_start(x, MESSAGE);
                    common::items_with_id(x, &id, &key);
                    x.start("m:ConflictResults", &[]);
                    x.leaf("t:Count", "0");
                    x.end("m:ConflictResults");
                    x.end(&tag);
                }
            }
        }
    }))
}
