//! `PATCH /users/{u}/messages/{id}` `{"isRead": true}`, batched: marking
//! read. Graph has no equivalent of EWS's SuppressReadReceipts: a read
//! receipt the sender asked for may go out (README, "Where Graph differs").

use super::{per_item, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{BatchReq, GraphClient};
use crate::graph::error::Call;
use crate::mailbox::{ItemError, ItemRef};
use serde_json::json;

pub fn mark_read(
    client: &mut GraphClient,
    mailbox: &str,
    ids: &[ItemRef],
) -> Result<Vec<Result<(), ItemError>>, Error> {
    let call = Call {
        what: "mark emails read",
        permission: MAIL,
        mailbox,
    };
    let answers = per_item(client, &call, ids, |url| BatchReq {
        method: "PATCH",
        url,
        body: Some(json!({"isRead": true})),
    })?;
    Ok(answers
        .into_iter()
        .map(|r| r.result().map(|_| ()))
        .collect())
}
