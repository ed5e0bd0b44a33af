//! `GET /users/{u}/messages/{id}/attachments/{aid}/$value`: a file's bytes,
//! or an attached email's MIME.

use super::{message_path, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::convert::split_attachment_id;
use crate::graph::error::Call;
use crate::graph::odata;
use crate::mailbox::ItemError;

pub fn get(
    client: &mut GraphClient,
    mailbox: &str,
    attachment_id: &str,
) -> Result<Result<Vec<u8>, ItemError>, Error> {
    let Some((message, attachment)) = split_attachment_id(attachment_id) else {
        return Ok(Err(malformed(attachment_id)));
    };
    let call = Call {
        what: "read an attachment",
        permission: MAIL,
        mailbox,
    };
    let url = format!(
        "{}/attachments/{}/$value",
        message_path(&GraphClient::user(mailbox), message),
        odata::segment(attachment)
    );
    Ok(client.send_item(&call, Req::get(url))?.map(|r| r.body))
}

/// An attachment id that is not `<message id>.<attachment id>`: perhaps an
/// EWS one, from before the switch to Graph.
pub fn malformed(id: &str) -> ItemError {
    ItemError {
        code: "ErrorInvalidIdMalformed".into(),
        message: format!(
            "{id:?} is not a Graph attachment id (<message id>.<attachment id>): list the \
             email's attachments again with api = graph"
        ),
    }
}
