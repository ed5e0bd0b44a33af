//! Upload sessions for large attachments: `createUploadSession` on a draft
//! gives an `uploadUrl` on this mock, which takes `PUT`s with `Content-Range`
//! and no Authorization header (a real upload URL carries its own token;
//! Microsoft warns that sending the header may fail with 401, so the mock
//! refuses it). Graph takes upload sessions for files of 3 MB and more only
//! (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize below that).
//! <https://learn.microsoft.com/en-us/graph/outlook-large-attachments>

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::Request;
use serde_json::{json, Value};

use super::messages::{json_body, locate};
use super::reply::{GraphError, GraphReply, Outcome};
use super::{Ctx, Req};
use crate::compose::Attachment;
use crate::server::{self, Dropped, HttpResponse, Shared};
use crate::RecordedRequest;

/// The smallest file an upload session takes, and the largest.
pub const MIN_SIZE: usize = 3 * 1024 * 1024;
pub const MAX_SIZE: usize = 150 * 1024 * 1024;

pub const OPERATION: &str = "graph.upload";

pub struct Session {
    pub mailbox: String,
    pub item: String,
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub data: Vec<u8>,
}

fn expiry() -> String {
    crate::mime::format_datetime(crate::ops::sending::now() + 6 * 3600)
}

/// `POST .../attachments/createUploadSession {"AttachmentItem": {...}}`: 201.
pub fn create(ctx: &mut Ctx, req: &Req, rest_id: &str) -> Outcome {
    super::query::parse(req.query, &[])?;
    let body = json_body(req)?;
    super::messages::only_known(&body, &["AttachmentItem"], "createUploadSession")?;
    let item = body.get("AttachmentItem").cloned().unwrap_or(Value::Null);
    let field = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
    if field("attachmentType").as_deref() != Some("file") {
        return Err(GraphError::bad_request(
            "ErrorInvalidParameter",
            "AttachmentItem.attachmentType must be 'file'.",
        ));
    }
    let size = item.get("size").and_then(Value::as_u64).unwrap_or(0) as usize;
    if size < MIN_SIZE {
        return Err(GraphError::bad_request(
            "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
            "Attachment size must be greater than the minimum size.",
        ));
    }
    if size > MAX_SIZE {
        return Err(GraphError::bad_request(
            "ErrorAttachmentSizeExceeded",
            "The attachment size exceeds the maximum of 150 MB.",
        ));
    }
    let id = locate(ctx, rest_id)?;
    if !ctx.state.model.drafts.contains_key(&id) {
        return Err(GraphError::bad_request(
            "ErrorInvalidOperation",
            "The mock attaches files to its drafts only.",
        ));
    }
    let key = crate::auth::random_token();
    ctx.state.graph.uploads.insert(
        key.clone(),
        Session {
            mailbox: ctx.mailbox.clone().unwrap_or_default(),
            item: id,
            name: field("name").unwrap_or_default(),
            content_type: field("contentType").unwrap_or_else(|| "application/octet-stream".into()),
            size,
            data: Vec::new(),
        },
    );
    let root = ctx.base.strip_suffix("/v1.0").unwrap_or(ctx.base);
    Ok(GraphReply::json(
        201,
        json!({
            "@odata.context": format!("{}/$metadata#microsoft.graph.uploadSession", ctx.base),
            "uploadUrl": format!("{root}{}{key}", super::UPLOAD_PREFIX),
            "expirationDateTime": expiry(),
            "nextExpectedRanges": ["0-"],
        }),
    ))
}

/// `bytes a-b/total`.
fn content_range(value: &str) -> Option<(usize, usize, usize)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?, total.parse().ok()?))
}

fn put(state: &mut server::State, key: &str, range: Option<&str>, body: &[u8]) -> Outcome {
    let session = state.graph.uploads.get_mut(key).ok_or_else(|| {
        GraphError::new(
            404,
            "ItemNotFound",
            "The upload session was not found or has expired.",
        )
    })?;
    let Some((a, b, total)) = range.and_then(content_range) else {
        return Err(GraphError::bad_request(
            "InvalidContentRange",
            "The Content-Range header is missing or malformed.",
        ));
    };
    if a != session.data.len()
        || b < a
        || b - a + 1 != body.len()
        || total != session.size
        || b >= total
    {
        return Err(GraphError::new(
            416,
            "InvalidRange",
            &format!(
                "The range {a}-{b}/{total} is not the next expected range {}-/{}.",
                session.data.len(),
                session.size
            ),
        ));
    }
    session.data.extend_from_slice(body);
    if session.data.len() < session.size {
        return Ok(GraphReply::json(
            200,
            json!({"expirationDateTime": expiry(), "nextExpectedRanges": [format!("{}-", session.data.len())]}),
        ));
    }
    let s = state.graph.uploads.remove(key).expect("found");
    let file = Attachment {
        name: s.name,
        content_type: s.content_type,
        data: s.data,
    };
    crate::ops::sending::edit_draft(&mut state.model, &s.mailbox, &s.item, |d| {
        d.attachments.push(file)
    })
    .map_err(|e| GraphError::from_ews(&e))?;
    let mut reply = GraphReply::empty(201);
    reply.headers.push((
        "location",
        format!(
            "/v1.0/users('{}')/messages('{}')/attachments",
            s.mailbox,
            super::ids::to_rest(&s.item)
        ),
    ));
    Ok(reply)
}

/// `PUT` (or `DELETE`, which cancels) on an uploadUrl.
pub async fn handle(shared: &Arc<Shared>, req: Request<Incoming>) -> Result<HttpResponse, Dropped> {
    let key = req
        .uri()
        .path()
        .strip_prefix(super::UPLOAD_PREFIX)
        .unwrap_or_default()
        .to_string();
    let method = req.method().as_str().to_ascii_uppercase();
    let range = server::header(&req, "content-range");
    let authorization = server::header(&req, "authorization");
    let mut rec = RecordedRequest {
        operation: OPERATION.into(),
        url: Some(format!("{method} {}", super::UPLOAD_PREFIX)),
        ..RecordedRequest::default()
    };
    let body = match server::read_body(req).await {
        Ok(b) => b,
        Err(response) => return Ok(super::finish(shared, rec, response)),
    };
    let fault = shared.lock().faults.take(OPERATION);
    let reply = match &fault {
        Some(crate::faults::Fault::DropConnection) => {
            shared.record(rec);
            return Err(Dropped);
        }
        Some(f) => super::fault_reply(f),
        None => None,
    };
    let reply = match reply {
        Some(r) => r,
        None if authorization.is_some() => GraphError::new(
            401,
            "InvalidAuthenticationToken",
            "An upload URL carries its own token: the request must not have an Authorization header.",
        )
        .reply(),
        None => {
            let mut state = shared.lock();
            match method.as_str() {
                "PUT" => super::reply::outcome_reply(put(&mut state, &key, range.as_deref(), &body)),
                "DELETE" if state.graph.uploads.remove(&key).is_some() => GraphReply::empty(204),
                "DELETE" => GraphError::new(404, "ItemNotFound", "The upload session was not found.").reply(),
                _ => GraphError::new(405, "BadRequest", "An upload URL takes PUT and DELETE.").reply(),
            }
        }
    };
    rec.error_code = reply.error_code();
    Ok(super::finish(shared, rec, reply.into_http()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_ranges() {
        assert_eq!(super::content_range("bytes 0-9/20"), Some((0, 9, 20)));
        assert_eq!(super::content_range("bytes */20"), None);
    }
}
