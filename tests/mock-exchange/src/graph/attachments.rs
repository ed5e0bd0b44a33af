//! A message's attachments: list, one (with `contentBytes`), its `$value`
//! (a file's bytes; an attached item's MIME), DELETE, and POST of a file to
//! a draft. An attachment id is the REST form of the id EWS's GetItem lists
//! (base64 of `<item id>:<n>`), so it names its message too.
//! <https://learn.microsoft.com/en-us/graph/api/attachment-get>

use serde_json::{json, Value};

use super::messages::{json_body, locate, store, store_mut};
use super::query;
use super::reply::{GraphError, GraphReply, Outcome};
use super::resources::{self, ATTACHMENT_PROPERTIES};
use super::{ids, outgoing, Ctx, Req};
use crate::ops::get_attachment::{self, Content};

const TYPE: &str = "Microsoft.OutlookServices.Attachment";

/// (message id, n) of an attachment of the message `rest_id`.
fn locate_attachment(
    ctx: &mut Ctx,
    rest_id: &str,
    aid: &str,
) -> Result<(String, usize), GraphError> {
    let id = locate(ctx, rest_id)?;
    let ews = ids::from_rest(aid)?;
    let (item, n) = get_attachment::parse_id(&ews).map_err(|e| GraphError::from_ews(&e))?;
    let m = store(ctx).message(&id).expect("located");
    if item != id || n == 0 || n > m.summary.attachments.len() {
        return Err(GraphError::item_not_found());
    }
    Ok((id, n))
}

pub fn list(ctx: &mut Ctx, req: &Req, rest_id: &str) -> Outcome {
    let q = query::parse(req.query, &["$select"])?;
    query::check_select(&q, ATTACHMENT_PROPERTIES, TYPE)?;
    let id = locate(ctx, rest_id)?;
    let store = store(ctx);
    let m = store.message(&id).expect("located");
    let value: Vec<Value> = (1..=m.summary.attachments.len())
        .filter_map(|n| resources::attachment(store, m, n, q.select.as_deref()))
        .collect();
    Ok(GraphReply::json(
        200,
        json!({"@odata.context": format!("{}/$metadata#users('{}')/messages('{}')/attachments", ctx.base, ctx.mailbox.as_deref().unwrap_or_default(), rest_id), "value": value}),
    ))
}

pub fn get(ctx: &mut Ctx, req: &Req, rest_id: &str, aid: &str) -> Outcome {
    let q = query::parse(req.query, &["$select"])?;
    query::check_select(&q, ATTACHMENT_PROPERTIES, TYPE)?;
    let (id, n) = locate_attachment(ctx, rest_id, aid)?;
    let store = store(ctx);
    let m = store.message(&id).expect("located");
    let v = resources::attachment(store, m, n, q.select.as_deref())
        .ok_or_else(GraphError::item_not_found)?;
    Ok(GraphReply::json(200, v))
}

pub fn value(ctx: &mut Ctx, req: &Req, rest_id: &str, aid: &str) -> Outcome {
    query::parse(req.query, &[])?;
    let (id, n) = locate_attachment(ctx, rest_id, aid)?;
    let m = store(ctx).message(&id).expect("located");
    let info = &m.summary.attachments[n - 1];
    match get_attachment::content(&m.mime, n) {
        Some(Content::File(data)) => Ok(GraphReply::bytes(&info.content_type, data)),
        Some(Content::Email(data)) => Ok(GraphReply::bytes("message/rfc822", data)),
        None => Err(GraphError::item_not_found()),
    }
}

/// DELETE: 204; the message keeps its id and gets a new change key.
pub fn delete(ctx: &mut Ctx, req: &Req, rest_id: &str, aid: &str) -> Outcome {
    query::parse(req.query, &[])?;
    let (id, n) = locate_attachment(ctx, rest_id, aid)?;
    if ctx.state.model.drafts.contains_key(&id) {
        let me = ctx.mailbox.clone().unwrap_or_default();
        crate::ops::sending::edit_draft(ctx.model(), &me, &id, |d| {
            if n <= d.attachments.len() {
                d.attachments.remove(n - 1);
            }
        })
        .map_err(|e| GraphError::from_ews(&e))?;
    } else {
        crate::ops::delete_attachment::cut(store_mut(ctx), &id, n);
    }
    Ok(GraphReply::empty(204))
}

/// POST a fileAttachment (`contentBytes`) to a draft: 201 with it.
pub fn add(ctx: &mut Ctx, req: &Req, rest_id: &str) -> Outcome {
    query::parse(req.query, &[])?;
    if req.body.len() > outgoing::MAX_JSON_BODY {
        return Err(GraphError::new(
            413,
            "RequestEntityTooLarge",
            "The request payload is too large: the maximum is 4 MB.",
        ));
    }
    let body = serde_json::Value::Object(json_body(req)?);
    let file = outgoing::file_attachment(&body)?;
    let id = locate(ctx, rest_id)?;
    outgoing::add_files(ctx, &id, vec![file])?;
    let store = store(ctx);
    let m = store.message(&id).expect("located");
    let n = m.summary.attachments.len();
    let v = resources::attachment(store, m, n, None).ok_or_else(GraphError::item_not_found)?;
    Ok(GraphReply::json(201, v))
}
