//! One module per Microsoft Graph call (docs/graph.md's table), each with
//! the request it sends and what it reads of the answer.

pub mod child_folders;
pub mod contacts;
pub mod copy_message;
pub mod delete_attachment;
pub mod delete_message;
pub mod draft;
pub mod get_attachment;
pub mod get_message;
pub mod get_mime;
pub mod list_messages;
pub mod mailbox_settings;
pub mod move_message;
pub mod reply;
pub mod send_mail;
pub mod update_message;
pub mod users;

use super::client::{BatchReq, BatchResp, GraphClient};
use super::error::Call;
use crate::ews::error::Error;
use crate::mailbox::ids::rest_form;
use crate::mailbox::{FolderRef, ItemRef};

/// The permission every call on mail needs.
pub const MAIL: &str = "Mail.ReadWrite";

/// `/messages/{id}` below a user, the id in Graph's form.
pub fn message_path(user: &str, id: &str) -> String {
    format!("{user}/messages/{}", super::odata::segment(&rest_form(id)))
}

/// A folder as a URL segment: a well-known name (Graph's names are EWS's
/// distinguished ids) or an id in Graph's form.
pub fn folder_segment(folder: &FolderRef) -> String {
    match folder {
        FolderRef::Distinguished { name, .. } => super::odata::segment(name),
        FolderRef::Id(id) => super::odata::segment(&rest_form(id)),
    }
}

/// The mailbox a folder reference names, else `default`.
pub fn folder_mailbox<'a>(folder: &'a FolderRef, default: &'a str) -> &'a str {
    match folder {
        FolderRef::Distinguished {
            mailbox: Some(m), ..
        } => m,
        _ => default,
    }
}

/// One batched request per item (`request` gets the item's
/// `/users/{u}/messages/{id}` path); one answer per item, in order.
pub fn per_item(
    client: &mut GraphClient,
    call: &Call,
    ids: &[ItemRef],
    request: impl Fn(String) -> BatchReq,
) -> Result<Vec<BatchResp>, Error> {
    let user = GraphClient::user(call.mailbox);
    let requests: Vec<BatchReq> = ids
        .iter()
        .map(|id| request(message_path(&user, &id.id)))
        .collect();
    client.batch(call, &requests)
}
