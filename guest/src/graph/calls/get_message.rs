//! `GET /users/{u}/messages/{id}`: one email's properties and attachment
//! list, without its MIME (what stands in for an email too large to fetch
//! whole, and what lists attachments).

use super::{message_path, per_item, MAIL};
use crate::ews::error::Error;
use crate::graph::client::BatchReq;
use crate::graph::client::{parse, GraphClient, Req};
use crate::graph::convert::SIZE_PROPERTY;
use crate::graph::error::Call;
use crate::graph::odata;
use crate::graph::types::Message;
use crate::mailbox::ItemError;
use crate::mailbox::ItemRef;

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

/// What a fetch says of each email besides its MIME (change key, subject,
/// received time, size, categories, importance, Message-ID), for several
/// emails in one `$batch`: one request per 20 emails instead of one each.
pub fn summaries(
    client: &mut GraphClient,
    mailbox: &str,
    ids: &[ItemRef],
) -> Result<Vec<Result<Message, ItemError>>, Error> {
    let call = Call {
        what: "read emails",
        permission: MAIL,
        mailbox,
    };
    let query = odata::query(&[
        (
            "$select",
            "id,changeKey,subject,receivedDateTime,categories,importance,internetMessageId".into(),
        ),
        (
            "$expand",
            format!("singleValueExtendedProperties($filter=id eq '{SIZE_PROPERTY}')"),
        ),
    ]);
    let answers = per_item(client, &call, ids, |path| BatchReq {
        method: "GET",
        url: format!("{path}{query}"),
        body: None,
    })?;
    answers
        .into_iter()
        .map(|a| match a.result() {
            Ok(body) => Ok(Ok(serde_json::from_value(body).map_err(|e| {
                Error::Malformed(format!("Microsoft Graph's answer to \"read emails\": {e}"))
            })?)),
            Err(e) => Ok(Err(e)),
        })
        .collect()
}
