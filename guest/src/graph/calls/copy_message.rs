//! `POST /users/{u}/messages/{id}/copy`, batched. Graph copies within one
//! mailbox only (EWS's CopyItem crosses mailboxes).

use super::move_message::into_folder;
use super::MAIL;
use crate::ews::error::Error;
use crate::graph::client::GraphClient;
use crate::graph::error::Call;
use crate::mailbox::{ItemError, ItemRef};

pub fn copy(
    client: &mut GraphClient,
    mailbox: &str,
    ids: &[ItemRef],
    destination: &str,
) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
    let call = Call {
        what: "copy emails",
        permission: MAIL,
        mailbox,
    };
    into_folder(client, &call, ids, "copy", destination)
}
