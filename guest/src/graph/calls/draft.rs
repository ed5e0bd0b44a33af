//! Sending through a draft, for what one request cannot carry: `POST
//! /users/{u}/messages` (the draft), each file by `POST
//! .../attachments` (small) or an upload session (large: `POST
//! .../attachments/createUploadSession`, then PUTs of at most 4 MiB to its
//! URL), then `POST .../messages/{id}/send`. A draft Graph refuses to send
//! is deleted, so that nothing is left half-made in Drafts.

use super::send_mail::{file_json, message_json, INLINE_LIMIT};
use super::{message_path, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::error::Call;
use crate::graph::types::UploadSession;
use crate::mailbox::{Outgoing, OutgoingFile};
use crate::platform::Method;
use serde_json::{json, Value};

/// An upload's chunk: a multiple of 320 KiB under Graph's 4 MiB, as its
/// upload-session guidance asks.
const CHUNK: usize = 12 * 320 * 1024;

pub fn send_large(
    client: &mut GraphClient,
    mailbox: &str,
    message: &Outgoing,
) -> Result<(), Error> {
    let call = Call {
        what: "create a draft to send",
        permission: MAIL,
        mailbox,
    };
    let url = format!("{}/messages", GraphClient::user(mailbox));
    let m = Value::Object(message_json(message));
    let draft: Value = client.json(&call, Req::json(Method::Post, url, &m))?;
    let id = draft["id"]
        .as_str()
        .ok_or_else(|| Error::Malformed("Graph created a draft without an id".into()))?
        .to_string();
    finish(client, mailbox, &id, &message.attachments)
}

/// Attaches `files` to the draft `id` and sends it; deletes it on failure.
pub fn finish(
    client: &mut GraphClient,
    mailbox: &str,
    id: &str,
    files: &[OutgoingFile],
) -> Result<(), Error> {
    let result = attach_all(client, mailbox, id, files).and_then(|()| send(client, mailbox, id));
    if result.is_err() {
        discard(client, mailbox, id);
    }
    result
}

/// Deletes a draft that will not be sent; a failure to is logged, since the
/// caller's error is the one to report.
pub fn discard(client: &mut GraphClient, mailbox: &str, id: &str) {
    let call = Call {
        what: "delete an unsent draft",
        permission: MAIL,
        mailbox,
    };
    let path = message_path(&GraphClient::user(mailbox), id);
    let req = Req {
        method: Method::Delete,
        url: path,
        headers: vec![],
        body: vec![],
    };
    if let Err(e) = client.send(&call, req) {
        client.host().log(
            crate::platform::Level::Warn,
            "graph.draft",
            &format!("the unsent draft {id} stays in Drafts: {e}"),
        );
    }
}

fn attach_all(
    client: &mut GraphClient,
    mailbox: &str,
    id: &str,
    files: &[OutgoingFile],
) -> Result<(), Error> {
    let path = message_path(&GraphClient::user(mailbox), id);
    let call = Call {
        what: "attach a file",
        permission: MAIL,
        mailbox,
    };
    for f in files {
        if f.data.len() <= INLINE_LIMIT {
            let url = format!("{path}/attachments");
            client.send(&call, Req::json(Method::Post, url, &file_json(f)))?;
            continue;
        }
        let url = format!("{path}/attachments/createUploadSession");
        let item = json!({"AttachmentItem": {
            "attachmentType": "file",
            "name": f.name,
            "size": f.data.len(),
            "contentType": f.content_type,
        }});
        let session: UploadSession = client.json(&call, Req::json(Method::Post, url, &item))?;
        let total = f.data.len();
        let mut from = 0;
        while from < total {
            let to = (from + CHUNK).min(total);
            client.upload(
                &call,
                &session.upload_url,
                (from, to - 1, total),
                f.data[from..to].to_vec(),
            )?;
            from = to;
        }
    }
    Ok(())
}

fn send(client: &mut GraphClient, mailbox: &str, id: &str) -> Result<(), Error> {
    let call = Call {
        what: "send mail",
        permission: "Mail.Send",
        mailbox,
    };
    let url = format!("{}/send", message_path(&GraphClient::user(mailbox), id));
    // Graph refuses a body here, even an empty JSON object.
    let req = Req {
        method: Method::Post,
        url,
        headers: vec![],
        body: vec![],
    };
    client.send(&call, req)?;
    Ok(())
}
