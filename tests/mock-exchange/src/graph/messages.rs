//! Messages: listing (`$filter`, `$orderby`, `$search`, paging), one
//! message, its MIME (`$value`), PATCH, DELETE / permanentDelete, move, copy.
//! <https://learn.microsoft.com/en-us/graph/api/user-list-messages>
//! <https://learn.microsoft.com/en-us/graph/api/message-get>

use serde_json::{json, Map, Value};

use super::filter::{self, Fields, Kind, Schema};
use super::kql;
use super::query::{self, page_size, Page, Query};
use super::reply::{GraphError, GraphReply, Outcome};
use super::resources::{self, MESSAGE_PROPERTIES};
use super::{folders, ids, Ctx, Req};
use crate::ops::common::EwsError;
use crate::store::{Store, StoredMessage};

const MESSAGE_TYPE: &str = "Microsoft.OutlookServices.Message";

const FILTER: Schema = Schema {
    properties: &[
        ("receivedDateTime", Kind::Time),
        ("sentDateTime", Kind::Time),
        ("lastModifiedDateTime", Kind::Time),
        ("isRead", Kind::Bool),
        ("hasAttachments", Kind::Bool),
        ("isDraft", Kind::Bool),
        ("importance", Kind::Str),
        ("internetMessageId", Kind::Str),
        ("subject", Kind::Str),
        ("conversationId", Kind::Str),
        ("from/emailAddress/address", Kind::Str),
        ("from/emailAddress/name", Kind::Str),
        ("sender/emailAddress/address", Kind::Str),
        ("categories", Kind::List),
    ],
    functions: &[("contains", "subject"), ("startswith", "subject")],
    code: "ErrorInvalidUrlQueryFilter",
};

/// The properties `$orderby` may name (the mock's subset).
const SORTABLE: &[&str] = &["receivedDateTime", "sentDateTime"];

struct MessageFields<'a>(&'a StoredMessage, bool);

impl Fields for MessageFields<'_> {
    fn get(&self, p: &str) -> filter::Value {
        use filter::Value as V;
        let m = self.0;
        let s = &m.summary;
        let opt = |v: Option<String>| v.map_or(V::Null, V::Str);
        match p {
            "receivedDateTime" | "lastModifiedDateTime" => V::Time(m.received),
            "sentDateTime" => V::Time(s.sent.unwrap_or(m.received)),
            "isRead" => V::Bool(m.is_read),
            "hasAttachments" => V::Bool(s.has_attachments()),
            "isDraft" => V::Bool(self.1),
            "importance" => V::Str(resources::importance(&m.importance)),
            "internetMessageId" => opt(s.internet_message_id.clone()),
            "subject" => V::Str(s.subject.clone()),
            "conversationId" => V::Str(ids::to_rest(&m.id)),
            "from/emailAddress/name" => opt(s.from_name.clone()),
            "categories" => V::List(m.categories.clone()),
            _ => opt(m.from_smtp.clone().or(s.from_address.clone())),
        }
    }
}

/// The mailbox's store (the route resolved the mailbox).
pub fn store<'a>(ctx: &'a Ctx) -> &'a Store {
    let address = ctx.mailbox.as_deref().unwrap_or_default();
    &ctx.state.model.mailbox(address).expect("resolved").store
}

pub fn store_mut<'a>(ctx: &'a mut Ctx) -> &'a mut Store {
    let address = ctx.mailbox.clone().unwrap_or_default();
    &mut ctx
        .state
        .model
        .mailbox_mut(&address)
        .expect("resolved")
        .store
}

/// The store id of a message of the mailbox, consuming a `fail_item` fault.
pub fn locate(ctx: &mut Ctx, rest_id: &str) -> Result<String, GraphError> {
    let id = ids::from_rest(rest_id)?;
    ctx.item = Some(id.clone());
    if let Some(code) = ctx.state.model.take_item_fault(&id) {
        return Err(GraphError::from_ews(&EwsError::injected(&code)));
    }
    if store(ctx).message(&id).is_none() {
        return Err(GraphError::item_not_found());
    }
    Ok(id)
}

/// A JSON object body (an empty body is an empty object).
pub fn json_body(req: &Req) -> Result<Map<String, Value>, GraphError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(req.body) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(GraphError::unreadable_json()),
    }
}

/// Refuses a property outside `known` (RequestBodyRead), as Graph does.
pub fn only_known(body: &Map<String, Value>, known: &[&str], kind: &str) -> Result<(), GraphError> {
    match body
        .keys()
        .find(|k| !k.starts_with('@') && !known.iter().any(|n| n.eq_ignore_ascii_case(k)))
    {
        Some(k) => Err(GraphError::unknown_property(k, kind)),
        None => Ok(()),
    }
}

/// The message as Graph answers it, with `@odata.context`.
pub fn answer(ctx: &Ctx, id: &str, q: &Query, prefer_text: bool, status: u16) -> GraphReply {
    let store = store(ctx);
    let m = store.message(id).expect("located");
    let mut v = resources::message(&ctx.state.model, store, m, q, prefer_text);
    v["@odata.context"] = json!(format!(
        "{}/$metadata#users('{}')/messages/$entity",
        ctx.base,
        ctx.mailbox.as_deref().unwrap_or_default()
    ));
    GraphReply::json(status, v)
}

pub fn list(ctx: &mut Ctx, req: &Req, folder: Option<&str>) -> Outcome {
    let q = query::parse(
        req.query,
        &[
            "$select",
            "$filter",
            "$orderby",
            "$top",
            "$skip",
            "$count",
            "$search",
            "$expand",
            "$skiptoken",
        ],
    )?;
    query::check_select(&q, MESSAGE_PROPERTIES, MESSAGE_TYPE)?;
    let folder = folder.map(|f| folders::resolve(ctx, f)).transpose()?;
    let filter = q
        .filter
        .as_deref()
        .map(|f| filter::parse(f, &FILTER))
        .transpose()?;
    if let Some((prop, _)) = &q.orderby {
        if !SORTABLE.iter().any(|s| s.eq_ignore_ascii_case(prop)) {
            return Err(GraphError::bad_request(
                "ErrorInvalidProperty",
                &format!(
                    "The mock sorts messages by receivedDateTime or sentDateTime, not '{prop}'."
                ),
            ));
        }
        // Graph: the $orderby properties must lead the $filter, in order.
        // <https://learn.microsoft.com/en-us/graph/api/user-list-messages#using-filter-and-orderby-in-the-same-query>
        if filter
            .as_ref()
            .is_some_and(|f| !f.first_property().eq_ignore_ascii_case(prop))
        {
            return Err(GraphError::bad_request(
                "InefficientFilter",
                "The restriction or sort order is too complex for this operation.",
            ));
        }
    }
    let search = q.search.as_deref().map(kql::parse).transpose()?;
    let top = page_size(&q, 10, 1000)?;
    let model = &ctx.state.model;
    let store = store(ctx);
    let mut all: Vec<&StoredMessage> = store
        .messages
        .iter()
        .filter(|m| folder.as_ref().is_none_or(|f| &m.folder == f))
        .filter(|m| {
            filter
                .as_ref()
                .is_none_or(|f| f.matches(&MessageFields(m, model.drafts.contains_key(&m.id))))
        })
        .filter(|m| search.as_ref().is_none_or(|s| s.matches(m)))
        .collect();
    let sent = |m: &StoredMessage| m.summary.sent.unwrap_or(m.received);
    let (by_sent, asc) = match &q.orderby {
        Some((p, desc)) => (p.eq_ignore_ascii_case("sentDateTime"), !desc),
        None => (false, false),
    };
    all.sort_by_key(|m| if by_sent { sent(m) } else { m.received });
    if !asc {
        all.reverse();
    }
    let (offset, paging) = match search {
        Some(_) => (q.skiptoken.unwrap_or(0), "$skiptoken"),
        None => (q.skip, "$skip"),
    };
    let from = offset.min(all.len());
    let end = (from + top).min(all.len());
    let value: Vec<Value> = all[from..end]
        .iter()
        .map(|m| resources::message(model, store, m, &q, req.prefer_text))
        .collect();
    let page = Page {
        base: ctx.base,
        path: req.path,
        context: format!(
            "users('{}')/messages",
            ctx.mailbox.as_deref().unwrap_or_default()
        ),
        total: all.len(),
        end,
        paging,
        count: q.count && q.search.is_none(),
    };
    Ok(page.answer(&q, value))
}

pub fn get(ctx: &mut Ctx, req: &Req, id: &str) -> Outcome {
    let q = query::parse(req.query, &["$select", "$expand"])?;
    query::check_select(&q, MESSAGE_PROPERTIES, MESSAGE_TYPE)?;
    let id = locate(ctx, id)?;
    Ok(answer(ctx, &id, &q, req.prefer_text, 200))
}

/// `$value`: the MIME as stored (Graph regenerates it; the stored bytes are
/// what a client can compare).
pub fn mime(ctx: &mut Ctx, req: &Req, id: &str) -> Outcome {
    query::parse(req.query, &[])?;
    let id = locate(ctx, id)?;
    let data = store(ctx).message(&id).expect("located").mime.clone();
    Ok(GraphReply::bytes("message/rfc822", data))
}

const UPDATABLE: &[&str] = &[
    "isRead",
    "categories",
    "importance",
    "subject",
    "body",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
    "inferenceClassification",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
];

/// PATCH: `isRead`, `categories`, `importance` on any message; the
/// recipients, subject and body of drafts only (Graph: "can only be updated
/// if isDraft = true").
pub fn update(ctx: &mut Ctx, req: &Req, rest_id: &str) -> Outcome {
    query::parse(req.query, &["$select"])?;
    let body = json_body(req)?;
    only_known(&body, UPDATABLE, "message")?;
    let id = locate(ctx, rest_id)?;
    let draft_fields = [
        "subject",
        "body",
        "toRecipients",
        "ccRecipients",
        "bccRecipients",
        "replyTo",
    ];
    let is_draft = ctx.state.model.drafts.contains_key(&id);
    if !is_draft && body.keys().any(|k| draft_fields.contains(&k.as_str())) {
        return Err(GraphError::bad_request(
            "ErrorInvalidPropertyUpdateSentMessage",
            "Update operation is not supported on items that have been sent.",
        ));
    }
    let bad_value = |k: &str| {
        GraphError::bad_request(
            "BadRequest",
            &format!("Property {k} in payload has a value that does not match schema."),
        )
    };
    if is_draft {
        let owner = ctx.mailbox.clone().unwrap_or_default();
        let fields: Map<String, Value> = body
            .iter()
            .filter(|(k, _)| draft_fields.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let edit = super::outgoing::draft_edit(&fields)?;
        crate::ops::sending::edit_draft(ctx.model(), &owner, &id, edit)
            .map_err(|e| GraphError::from_ews(&e))?;
    }
    let store = store_mut(ctx);
    let m = store.message_mut(&id).expect("located");
    for (k, v) in &body {
        match k.as_str() {
            "isRead" => m.is_read = v.as_bool().ok_or_else(|| bad_value(k))?,
            "categories" => {
                m.categories = v
                    .as_array()
                    .ok_or_else(|| bad_value(k))?
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            }
            "importance" => {
                let i = v.as_str().ok_or_else(|| bad_value(k))?;
                m.importance = match i {
                    "low" => "Low",
                    "normal" => "Normal",
                    "high" => "High",
                    _ => return Err(bad_value(k)),
                }
                .to_string();
            }
            _ => {}
        }
    }
    store.touch(&id);
    Ok(answer(ctx, &id, &Query::default(), req.prefer_text, 200))
}

/// DELETE (soft: into Recoverable Items, which the mock does not keep) and
/// permanentDelete: the message is gone either way. 204.
pub fn delete(ctx: &mut Ctx, id: &str) -> Outcome {
    let id = locate(ctx, id)?;
    ctx.state.model.drafts.remove(&id);
    store_mut(ctx).remove_message(&id);
    Ok(GraphReply::empty(204))
}

/// move / copy `{"destinationId"}`: 201 with the message in its new place
/// (a new id either way, as Exchange gives a moved item a new id).
pub fn move_or_copy(ctx: &mut Ctx, req: &Req, rest_id: &str, copy: bool) -> Outcome {
    let body = json_body(req)?;
    only_known(&body, &["destinationId"], "message")?;
    let Some(dest) = body.get("destinationId").and_then(Value::as_str) else {
        return Err(GraphError::bad_request(
            "ErrorInvalidParameter",
            "The value of the parameter 'DestinationId' is empty.",
        ));
    };
    let id = locate(ctx, rest_id)?;
    let folder = folders::resolve(ctx, dest)?;
    let store = store_mut(ctx);
    let new_id = if copy {
        store.copy_message(&id, &folder)
    } else {
        store.move_message(&id, &folder)
    }
    .ok_or_else(GraphError::item_not_found)?;
    if !copy {
        if let Some(d) = ctx.state.model.drafts.remove(&id) {
            ctx.state.model.drafts.insert(new_id.clone(), d);
        }
    }
    Ok(answer(
        ctx,
        &new_id,
        &Query::default(),
        req.prefer_text,
        201,
    ))
}
