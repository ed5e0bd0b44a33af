//! `GET /users/{u}/messages/{id}/$value`: an email's MIME as Graph
//! generates it from the stored item (not byte for byte what arrived);
//! alone, or for up to 20 emails in one `$batch`.

use super::{message_path, per_item, MAIL};
use crate::ews::error::Error;
use crate::ews::operations::get_item::decode_base64;
use crate::graph::client::{BatchReq, GraphClient, Req};
use crate::graph::error::Call;
use crate::mailbox::{ItemError, ItemRef};
use serde_json::Value;

pub fn get(
    client: &mut GraphClient,
    mailbox: &str,
    id: &str,
) -> Result<Result<Vec<u8>, ItemError>, Error> {
    let call = Call {
        what: "read an email's MIME",
        permission: MAIL,
        mailbox,
    };
    let url = format!("{}/$value", message_path(&GraphClient::user(mailbox), id));
    let req = Req::get(url).header("Accept", "message/rfc822");
    Ok(client.send_item(&call, req)?.map(|r| r.body))
}

/// The MIME of several emails through `$batch`. Graph answers a body that
/// is not JSON as a base64 string inside the batch's JSON: observed
/// (learn.microsoft.com/en-us/answers/questions/1352007, "by design"), and
/// what Microsoft's SDKs decode (msgraph-sdk-php-core pull 103); the
/// batching page (learn.microsoft.com/en-us/graph/json-batching) shows JSON
/// bodies only.
/// `None` where the answer is not that, or is a wait (429, 503, 504, or
/// 424 for a lane cut short): the caller asks for that email alone, where a
/// wait is the whole call's. Any other refusal (a 500 `ErrorCorruptData`
/// for one damaged item) is that email's, so that it cannot stall the rest.
pub fn batched(
    client: &mut GraphClient,
    mailbox: &str,
    ids: &[ItemRef],
) -> Result<Vec<Option<Result<Vec<u8>, ItemError>>>, Error> {
    let call = Call {
        what: "read emails' MIME",
        permission: MAIL,
        mailbox,
    };
    let answers = per_item(client, &call, ids, |path| BatchReq {
        method: "GET",
        url: format!("{path}/$value"),
        body: None,
    })?;
    Ok(answers
        .into_iter()
        .map(|a| {
            if matches!(a.status, 424 | 429 | 503 | 504) {
                return None;
            }
            match a.result() {
                Ok(Value::String(text)) => decode_base64(text).ok().map(Ok),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            }
        })
        .collect())
}
