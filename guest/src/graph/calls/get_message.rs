//! `GET /users/{u}/messages/{id}`: one email's properties and attachment
//! list, without its MIME (what stands in for an email too large to fetch
//! whole, and what lists attachments).

use super::{message_path, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{parse, GraphClient, Req};
use crate::graph::error::Call;
use crate::graph::odata;
use crate::graph::types::Message;
use crate::mailbox::ItemError;

const ATTACHMENTS: &str = "attachments($select=id,name,contentType,size,isInline)";
const DETAILS: &str =
    "id,changeKey,subject,receivedDateTime,sentDateTime,from,sender,toRecipients,\
ccRecipients,bccRecipients,replyTo,internetMessageHeaders,internetMessageId,categories,importance,\
bodyPreview";

pub enum Shape {
    /// Header fields, recipients and attachments; the text body when `body`.
    Details { body: bool },
    /// The change key and the attachment list.
    Attachments,
    /// The change key alone.
    ChangeKey,
}

pub fn get(
    client: &mut GraphClient,
    mailbox: &str,
    id: &str,
    shape: Shape,
) -> Result<Result<Message, ItemError>, Error> {
    let call = Call {
        what: "read an email",
        permission: MAIL,
        mailbox,
    };
    let (select, expand, text) = match shape {
        Shape::Details { body } => (
            if body {
                format!("{DETAILS},body")
            } else {
                DETAILS.to_string()
            },
            Some(ATTACHMENTS),
            body,
        ),
        Shape::Attachments => ("id,changeKey".to_string(), Some(ATTACHMENTS), false),
        Shape::ChangeKey => ("id,changeKey".to_string(), None, false),
    };
    let mut options = vec![("$select", select)];
    if let Some(e) = expand {
        options.push(("$expand", e.to_string()));
    }
    let url = format!(
        "{}{}",
        message_path(&GraphClient::user(mailbox), id),
        odata::query(&options)
    );
    let mut req = Req::get(url);
    if text {
        req = req.header("Prefer", "outlook.body-content-type=\"text\"");
    }
    match client.send_item(&call, req)? {
        Ok(resp) => Ok(Ok(parse(&call, &resp.body)?)),
        Err(e) => Ok(Err(e)),
    }
}
