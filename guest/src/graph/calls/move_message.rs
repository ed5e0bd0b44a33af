//! `POST /users/{u}/messages/{id}/move`, batched: into Deleted Items (a
//! delete the user can undo) or Junk Email / the Inbox (junk reports: v1.0
//! has no markAsJunk, which beta adds to also block the sender).

use super::{per_item, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{BatchReq, GraphClient};
use crate::graph::error::Call;
use crate::mailbox::{ItemError, ItemRef};
use serde_json::{json, Value};

/// Moves each item into `destination` (a well-known name or a folder id);
/// per item, the moved item (a move gives a new id).
pub fn move_to(
    client: &mut GraphClient,
    mailbox: &str,
    ids: &[ItemRef],
    destination: &str,
) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
    let call = Call {
        what: "move emails",
        permission: MAIL,
        mailbox,
    };
    into_folder(client, &call, ids, "move", destination)
}

/// `POST .../{verb}` (`move` or `copy`) `{"destinationId"}` per item; per
/// item, the message the answer names.
pub fn into_folder(
    client: &mut GraphClient,
    call: &Call,
    ids: &[ItemRef],
    verb: &str,
    destination: &str,
) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
    let answers = per_item(client, call, ids, |path| BatchReq {
        method: "POST",
        url: format!("{path}/{verb}"),
        body: Some(json!({ "destinationId": destination })),
    })?;
    Ok(answers
        .into_iter()
        .map(|r| r.result().map(|body| new_item(&body)))
        .collect())
}

/// The id and change key of a message a move or copy answered.
fn new_item(body: &Value) -> Option<ItemRef> {
    Some(ItemRef {
        id: body["id"].as_str()?.to_string(),
        change_key: body["changeKey"].as_str().map(str::to_string),
    })
}
