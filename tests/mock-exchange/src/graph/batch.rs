//! JSON batching: `POST /$batch {"requests": [...]}`, at most 20 requests
//! with URLs relative to `/v1.0`, `dependsOn` to order them. The mock runs
//! them in the order given; one whose dependency failed answers 424 without
//! running. Graph allows 4 concurrent requests per app and mailbox, and runs
//! the requests without `dependsOn` in parallel: so past the fourth such
//! request for one mailbox, each answers 429 with `Retry-After`. Each request
//! is recorded under its own operation name (with `batch_id`), faults
//! included (an injected delay does not apply inside a batch); the answer is
//! 200 with `responses`, a binary body in base64.
//! <https://learn.microsoft.com/en-us/graph/json-batching>
//! <https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits>

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::reply::{Body, GraphError, GraphReply};
use super::route::Route;
use super::{fault_reply, finish, prefers_text, route, Ctx, Req};
use crate::faults::Fault;
use crate::server::{Dropped, HttpResponse, Shared};
use crate::RecordedRequest;

pub const MAX_REQUESTS: usize = 20;
/// Concurrent requests Graph allows per app and mailbox.
pub const MAILBOX_CONCURRENCY: usize = 4;

struct Inner {
    id: String,
    method: String,
    path: String,
    query: String,
    headers: Map<String, Value>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn invalid(message: &str) -> GraphError {
    GraphError::bad_request("BadRequest", message)
}

fn parse(body: &[u8]) -> Result<Vec<Inner>, GraphError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| GraphError::unreadable_json())?;
    let list = v
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("Invalid batch payload format."))?;
    if list.is_empty() {
        return Err(invalid("Invalid batch payload format: no requests."));
    }
    if list.len() > MAX_REQUESTS {
        return Err(invalid(&format!(
            "The number of requests in the batch exceeds the limit of {MAX_REQUESTS}."
        )));
    }
    let mut out: Vec<Inner> = Vec::new();
    for r in list {
        let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        let (Some(id), Some(method), Some(url)) = (text("id"), text("method"), text("url")) else {
            return Err(invalid(
                "Invalid batch payload format: each request needs id, method and url.",
            ));
        };
        if out.iter().any(|o| o.id == id) {
            return Err(invalid(&format!(
                "Request id '{id}' is used more than once in the batch."
            )));
        }
        let depends_on: Vec<String> = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|d| {
                d.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(d) = depends_on.iter().find(|d| !out.iter().any(|o| &o.id == *d)) {
            return Err(invalid(&format!(
                "Request '{id}' depends on '{d}', which is not an earlier request of the batch."
            )));
        }
        let url = url.trim();
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        out.push(Inner {
            id,
            method: method.to_ascii_uppercase(),
            path: format!("/{}", path.trim_start_matches('/')),
            query: query.to_string(),
            headers: r
                .get("headers")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            body: r.get("body").cloned(),
            depends_on,
        });
        if url.starts_with("http") {
            return Err(invalid(
                "A batch request's url must be relative to the version root.",
            ));
        }
    }
    Ok(out)
}

fn header<'a>(headers: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

/// One answer of `responses`.
fn response(id: &str, reply: GraphReply) -> Value {
    let mut headers = Map::new();
    for (k, v) in &reply.headers {
        let name = match *k {
            "retry-after" => "Retry-After",
            "location" => "Location",
            other => other,
        };
        headers.insert(name.into(), json!(v));
    }
    let mut o = json!({"id": id, "status": reply.status});
    match reply.body {
        Body::None => {}
        Body::Json(v) => {
            headers.insert("Content-Type".into(), json!("application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"));
            o["body"] = v;
        }
        // A body that is not JSON (a `$value`) goes as a base64 string, as
        // Graph answers it (learn.microsoft.com/en-us/answers/questions/1352007;
        // msgraph-sdk-php-core pull 103 decodes it so).
        Body::Bytes { content_type, data } => {
            headers.insert("Content-Type".into(), json!(content_type));
            o["body"] = json!(base64::engine::general_purpose::STANDARD.encode(data));
        }
    }
    o["headers"] = Value::Object(headers);
    o
}

pub fn handle(
    shared: &Arc<Shared>,
    rec: RecordedRequest,
    base: &str,
    client_id: &str,
    body: &[u8],
) -> Result<HttpResponse, Dropped> {
    let mut rec = rec;
    let requests = match parse(body) {
        Ok(r) => r,
        Err(e) => {
            rec.error_code = Some(e.code.clone());
            return Ok(finish(shared, rec, e.reply().into_http()));
        }
    };
    let mut records = Vec::new();
    let mut responses = Vec::new();
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut lanes: HashMap<String, usize> = HashMap::new();
    let mut dropped = false;
    {
        let mut state = shared.lock();
        for r in &requests {
            let route = Route::parse(&r.method, &r.path);
            let mut irec = RecordedRequest {
                operation: route
                    .as_ref()
                    .map_or("graph".to_string(), |x| x.operation(&r.method).to_string()),
                auth_scheme: Some("Bearer".into()),
                url: Some(if r.query.is_empty() {
                    format!("{} {}", r.method, r.path)
                } else {
                    format!("{} {}?{}", r.method, r.path, r.query)
                }),
                batch_id: Some(r.id.clone()),
                ..RecordedRequest::default()
            };
            let mailbox = route
                .as_ref()
                .ok()
                .and_then(|x| x.mailbox_segment())
                .map(str::to_ascii_lowercase);
            let failed_dependency = r
                .depends_on
                .iter()
                .any(|d| statuses.get(d).is_none_or(|s| *s >= 400));
            let over_limit = r.depends_on.is_empty()
                && mailbox.as_ref().is_some_and(|m| {
                    let n = lanes.entry(m.clone()).or_default();
                    *n += 1;
                    *n > MAILBOX_CONCURRENCY
                });
            let reply = if failed_dependency {
                GraphError::new(
                    424,
                    "FailedDependency",
                    "The request was not run: a request it depends on failed.",
                )
                .reply()
            } else if over_limit {
                GraphError::status_fault(429, Some(1)).reply()
            } else {
                match state.faults.take(&irec.operation) {
                    Some(Fault::DropConnection) => {
                        dropped = true;
                        records.push(irec);
                        break;
                    }
                    Some(f) => fault_reply(&f),
                    None => None,
                }
                .unwrap_or_else(|| run(&mut state, shared, base, client_id, r, route, &mut irec))
            };
            irec.status = reply.status;
            irec.error_code = reply.error_code();
            statuses.insert(r.id.clone(), reply.status);
            responses.push(response(&r.id, reply));
            records.push(irec);
        }
    }
    for r in records {
        shared.record(r);
    }
    if dropped {
        shared.record(rec);
        return Err(Dropped);
    }
    let reply = GraphReply::json(200, json!({"responses": responses}));
    Ok(finish(shared, rec, reply.into_http()))
}

fn run(
    state: &mut crate::server::State,
    shared: &Shared,
    base: &str,
    client_id: &str,
    r: &Inner,
    route: Result<Route, GraphError>,
    irec: &mut RecordedRequest,
) -> GraphReply {
    let route = match route {
        Ok(x) => x,
        Err(e) => return e.reply(),
    };
    if r.body.is_some() && header(&r.headers, "content-type").is_none() {
        return GraphError::bad_request(
            "BadRequest",
            "Content-Type header must be specified when the request has a body.",
        )
        .reply();
    }
    let body = r
        .body
        .as_ref()
        .map(|b| serde_json::to_vec(b).unwrap_or_default())
        .unwrap_or_default();
    let req = Req {
        method: &r.method,
        route,
        path: &r.path,
        query: &r.query,
        body: &body,
        prefer_text: prefers_text(header(&r.headers, "prefer")),
    };
    let mut ctx = Ctx {
        state,
        options: &shared.options,
        base,
        client_id,
        mailbox: None,
        item: None,
    };
    let reply = super::reply::outcome_reply(route::run(&mut ctx, &req));
    irec.mailbox = ctx.mailbox.take();
    irec.item_id = ctx.item.take();
    reply
}
