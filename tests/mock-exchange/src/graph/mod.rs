//! Microsoft Graph v1.0 (the mail, mailbox settings, contacts and users calls
//! of `docs/graph.md`) under `/v1.0` on the mock's listener, on the same
//! Model and Store as EWS: a Graph id is the store's EWS id in URL-safe form
//! (`ids`), so EWS and Graph see one mailbox.
//!
//! The pipeline, in Graph's order: Bearer token with the Graph audience (401
//! `InvalidAuthenticationToken` otherwise, Basic included), injected faults,
//! the route and its query options (400s, counted by
//! `MockExchange::graph_bad_requests`), the app's roles (403), the user
//! (404 `ErrorInvalidUser`), the Application Access Policy (403), then the
//! call. Each request is recorded with one of these operation names, the
//! names `MockExchange::inject` takes (`graph.*` matches any of them, `*`
//! any request but the token endpoint's):
//!
//! | operation | request |
//! |---|---|
//! | `graph.users` | `GET /users` |
//! | `graph.user` | `GET /users/{u}` |
//! | `graph.automaticRepliesSetting` | `GET /users/{u}/mailboxSettings/automaticRepliesSetting` |
//! | `graph.mailFolder` | `GET /users/{u}/mailFolders/{f}` |
//! | `graph.childFolders` | `GET /users/{u}/mailFolders/{f}/childFolders` |
//! | `graph.messages` | `GET /users/{u}[/mailFolders/{f}]/messages` |
//! | `graph.createMessage` | `POST /users/{u}[/mailFolders/{f}]/messages` |
//! | `graph.message` | `GET .../messages/{id}` |
//! | `graph.updateMessage` | `PATCH .../messages/{id}` |
//! | `graph.deleteMessage` | `DELETE .../messages/{id}` |
//! | `graph.mime` | `GET .../messages/{id}/$value` |
//! | `graph.move`, `graph.copy`, `graph.permanentDelete` | `POST .../messages/{id}/move` ... |
//! | `graph.send`, `graph.reply`, `graph.replyAll` | `POST .../messages/{id}/send` ... |
//! | `graph.createReply`, `graph.createReplyAll` | `POST .../messages/{id}/createReply` ... |
//! | `graph.attachments`, `graph.addAttachment` | `GET`, `POST .../messages/{id}/attachments` |
//! | `graph.attachment`, `graph.deleteAttachment` | `GET`, `DELETE .../attachments/{aid}` |
//! | `graph.attachmentValue` | `GET .../attachments/{aid}/$value` |
//! | `graph.createUploadSession` | `POST .../attachments/createUploadSession` |
//! | `graph.upload` | `PUT {uploadUrl}` (no Authorization, as real upload URLs) |
//! | `graph.sendMail` | `POST /users/{u}/sendMail` |
//! | `graph.contacts` | `GET /users/{u}/contacts` |
//! | `graph.batch` | `POST /$batch` (and each request in it under its own name) |
//! | `graph` | a URL that names no resource |

pub mod attachments;
pub mod batch;
pub mod directory;
pub mod filter;
pub mod folders;
pub mod ids;
pub mod kql;
pub mod messages;
pub mod outgoing;
pub mod query;
pub mod reply;
pub mod resources;
pub mod route;
pub mod upload;

use std::collections::HashMap;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::Request;

use crate::faults::Fault;
use crate::server::{self, Dropped, HttpResponse, Shared, State};
use crate::{MockOptions, RecordedRequest};
use reply::{GraphError, GraphReply};
use route::Route;

pub const MIME: &str = "graph.mime";
pub const UPDATE_MESSAGE: &str = "graph.updateMessage";
/// Where upload sessions' `uploadUrl`s point.
pub const UPLOAD_PREFIX: &str = "/upload/";

/// What Graph keeps between requests: upload sessions by their key.
#[derive(Default)]
pub struct GraphState {
    pub uploads: HashMap<String, upload::Session>,
}

/// One Graph request, top level or inside a `$batch`.
pub struct Req<'a> {
    /// Upper case.
    pub method: &'a str,
    pub route: Route,
    /// The path below `/v1.0`, as sent (for nextLinks).
    pub path: &'a str,
    /// The raw query string.
    pub query: &'a str,
    pub body: &'a [u8],
    /// `Prefer: outlook.body-content-type="text"`.
    pub prefer_text: bool,
}

/// What a call works on.
pub struct Ctx<'a> {
    pub state: &'a mut State,
    pub options: &'a MockOptions,
    /// `http://host/v1.0`, for nextLinks and uploadUrls.
    pub base: &'a str,
    pub client_id: &'a str,
    /// Set by the handlers: the mailbox and message (EWS id) addressed.
    pub mailbox: Option<String>,
    pub item: Option<String>,
}

impl Ctx<'_> {
    pub fn model(&mut self) -> &mut crate::model::Model {
        &mut self.state.model
    }
}

/// The `Prefer` header asks for text bodies.
pub fn prefers_text(prefer: Option<&str>) -> bool {
    prefer.is_some_and(|p| {
        p.split(',').any(|v| {
            v.trim()
                .replace(' ', "")
                .eq_ignore_ascii_case("outlook.body-content-type=\"text\"")
        })
    })
}

/// A 401 as Graph answers it.
fn unauthorized(message: &str) -> GraphReply {
    let mut r = GraphError::new(401, "InvalidAuthenticationToken", message).reply();
    r.headers.push((
        "www-authenticate",
        r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#.into(),
    ));
    r
}

/// The app behind a Bearer token good for Graph: (client id), or the 401.
fn authenticate(shared: &Shared, header: Option<&str>) -> Result<String, GraphReply> {
    let Some(header) = header else {
        return Err(unauthorized("Access token is empty."));
    };
    let (scheme, token) = header.trim().split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(unauthorized("Access token is empty."));
    }
    let state = shared.lock();
    match state.tokens.lookup(token.trim()) {
        Some((_, client, crate::auth::Audience::Graph)) => Ok(client.to_string()),
        Some(_) => Err(unauthorized(
            "Access token validation failure. Invalid audience.",
        )),
        None if state.tokens.expired(token.trim()) => Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        )),
        None => Err(unauthorized(
            "IDX14100: JWT is not well formed, there are no dots (.).",
        )),
    }
}

/// An injected fault as a Graph answer; `None`: answer normally.
pub fn fault_reply(fault: &Fault) -> Option<GraphReply> {
    match fault {
        Fault::ServerBusy { backoff_ms } => {
            Some(GraphError::status_fault(429, Some(backoff_ms.div_ceil(1000))).reply())
        }
        Fault::Status { code, retry_after } => {
            Some(GraphError::status_fault(*code, *retry_after).reply())
        }
        Fault::MalformedXml => Some(GraphReply::bytes(
            "application/json; charset=utf-8",
            br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('"#.to_vec(),
        )),
        Fault::Redirect { to } => Some(GraphReply {
            status: 302,
            headers: vec![("location", to.clone())],
            body: reply::Body::Bytes {
                content_type: "text/html; charset=utf-8".into(),
                data: b"<html><head><title>Object moved</title></head><body>Object moved</body></html>"
                    .to_vec(),
            },
        }),
        Fault::HtmlPage { status } => Some(GraphReply {
            status: *status,
            headers: vec![],
            body: reply::Body::Bytes {
                content_type: "text/html; charset=utf-8".into(),
                data: crate::faults::html_page_body(*status).into_bytes(),
            },
        }),
        // Cut after the answer is made (`handle`); inside a $batch the
        // batch's own answer is cut.
        Fault::Truncate | Fault::Delay { .. } | Fault::DropConnection => None,
    }
}

/// The base URL for links: the Host the client used.
fn base_url(req: &Request<Incoming>) -> String {
    let host = server::header(req, "host").unwrap_or_else(|| "127.0.0.1".into());
    format!("http://{host}/v1.0")
}

pub async fn handle(shared: &Arc<Shared>, req: Request<Incoming>) -> Result<HttpResponse, Dropped> {
    let method = req.method().as_str().to_ascii_uppercase();
    let full = req.uri().path().to_string();
    let path = full.strip_prefix("/v1.0").unwrap_or_default().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let base = base_url(&req);
    let prefer_text = prefers_text(server::header(&req, "prefer").as_deref());
    let authorization = server::header(&req, "authorization");
    let mut rec = RecordedRequest {
        client_request_id: server::header(&req, "client-request-id"),
        url: Some(if query.is_empty() {
            format!("{method} {path}")
        } else {
            format!("{method} {path}?{query}")
        }),
        ..RecordedRequest::default()
    };
    let route = Route::parse(&method, &path);
    rec.operation = route
        .as_ref()
        .map_or("graph".to_string(), |r| r.operation(&method).to_string());
    let body = match server::read_body(req).await {
        Ok(b) => b,
        // The client went away mid-body (a killed host): no request to judge,
        // no one to answer.
        Err(response) if response.status() == 400 => {
            shared.record(rec);
            return Err(Dropped);
        }
        Err(response) => return Ok(finish(shared, rec, response)),
    };
    let client_id = match authenticate(shared, authorization.as_deref()) {
        Ok(c) => c,
        Err(reply) => {
            rec.error_code = reply.error_code();
            return Ok(finish(shared, rec, reply.into_http()));
        }
    };
    rec.auth_scheme = Some("Bearer".into());
    let fault = shared.lock().faults.take(&rec.operation);
    let truncate = fault == Some(Fault::Truncate);
    match &fault {
        Some(Fault::DropConnection) => {
            shared.record(rec);
            return Err(Dropped);
        }
        Some(Fault::Delay { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(*ms)).await
        }
        Some(f) => {
            if let Some(reply) = fault_reply(f) {
                rec.error_code = reply.error_code();
                return Ok(finish(shared, rec, reply.into_http()));
            }
        }
        None => {}
    }
    let route = match route {
        Ok(r) => r,
        Err(e) => {
            rec.error_code = Some(e.code.clone());
            return Ok(finish(shared, rec, e.reply().into_http()));
        }
    };
    if route == Route::Batch {
        let response = batch::handle(shared, rec, &base, &client_id, &body)?;
        return Ok(if truncate {
            crate::faults::truncate(response).await
        } else {
            response
        });
    }
    let request = Req {
        method: &method,
        route,
        path: &path,
        query: &query,
        body: &body,
        prefer_text,
    };
    let reply = {
        let mut state = shared.lock();
        let mut ctx = Ctx {
            state: &mut state,
            options: &shared.options,
            base: &base,
            client_id: &client_id,
            mailbox: None,
            item: None,
        };
        let reply = reply::outcome_reply(route::run(&mut ctx, &request));
        rec.mailbox = ctx.mailbox.take();
        rec.item_id = ctx.item.take();
        reply
    };
    rec.error_code = reply.error_code();
    let response = finish(shared, rec, reply.into_http());
    // Carried out, then cut: the client cannot know the call happened.
    Ok(if truncate {
        crate::faults::truncate(response).await
    } else {
        response
    })
}

fn finish(shared: &Shared, mut rec: RecordedRequest, mut response: HttpResponse) -> HttpResponse {
    rec.status = response.status().as_u16();
    if let Some(id) = &rec.client_request_id {
        server::set_header(&mut response, "client-request-id", id);
    }
    server::set_header(&mut response, "request-id", &crate::auth::uuid_like());
    shared.record(rec);
    response
}
