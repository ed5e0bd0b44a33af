//! `GET /users/{u}/messages/{id}/$value`: an email's MIME as Graph
//! generates it from the stored item (not byte for byte what arrived).

use super::{message_path, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::error::Call;
use crate::mailbox::ItemError;

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
