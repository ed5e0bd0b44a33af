//! Deleting emails, batched: `DELETE /users/{u}/messages/{id}` puts an
//! email into Recoverable Items (EWS's SoftDelete); `POST
//! .../permanentDelete` purges it (HardDelete). Into Deleted Items is a
//! move (`move_message`).

use super::{per_item, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{BatchReq, GraphClient};
use crate::graph::error::Call;
use crate::mailbox::{ItemError, ItemRef};

pub fn delete(
    client: &mut GraphClient,
    mailbox: &str,
    ids: &[ItemRef],
    purge: bool,
) -> Result<Vec<Result<(), ItemError>>, Error> {
    let call = Call {
        what: "delete emails",
        permission: MAIL,
        mailbox,
    };
    let answers = per_item(client, &call, ids, |path| {
        if purge {
            BatchReq {
                method: "POST",
                url: format!("{path}/permanentDelete"),
                body: None,
            }
        } else {
            BatchReq {
                method: "DELETE",
                url: path,
                body: None,
            }
        }
    })?;
    Ok(answers
        .into_iter()
        .map(|r| r.result().map(|_| ()))
        .collect())
}
