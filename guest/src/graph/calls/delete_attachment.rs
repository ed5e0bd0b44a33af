//! `DELETE /users/{u}/messages/{id}/attachments/{aid}`, batched; then each
//! changed message's new change key.

use super::get_attachment::malformed;
use super::get_message::{self, Shape};
use super::{message_path, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{BatchReq, GraphClient};
use crate::graph::convert::{item_ref, split_attachment_id};
use crate::graph::error::Call;
use crate::graph::odata;
use crate::mailbox::{ItemError, ItemRef};
use std::collections::BTreeMap;

pub fn delete(
    client: &mut GraphClient,
    mailbox: &str,
    attachment_ids: &[String],
) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
    let call = Call {
        what: "delete attachments",
        permission: MAIL,
        mailbox,
    };
    let user = GraphClient::user(mailbox);
    let mut results: Vec<Result<Option<String>, ItemError>> = Vec::new();
    let mut requests = Vec::new();
    let mut sent = Vec::new();
    for id in attachment_ids {
        match split_attachment_id(id) {
            Some((message, attachment)) => {
                sent.push(results.len());
                results.push(Ok(Some(message.to_string())));
                requests.push(BatchReq {
                    method: "DELETE",
                    url: format!(
                        "{}/attachments/{}",
                        message_path(&user, message),
                        odata::segment(attachment)
                    ),
                    body: None,
                });
            }
            None => results.push(Err(malformed(id))),
        }
    }
    for (slot, answer) in sent.into_iter().zip(client.batch(&call, &requests)?) {
        if let Err(e) = answer.result() {
            results[slot] = Err(e);
        }
    }
    // The item as it is now, once per message.
    let mut now: BTreeMap<String, Option<ItemRef>> = BTreeMap::new();
    for message in results.iter().flatten().flatten() {
        if !now.contains_key(message) {
            let item = get_message::get(client, mailbox, message, Shape::ChangeKey)?
                .ok()
                .map(|m| item_ref(&m));
            now.insert(message.clone(), item);
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.map(|m| m.and_then(|m| now.get(&m).cloned().flatten())))
        .collect())
}
