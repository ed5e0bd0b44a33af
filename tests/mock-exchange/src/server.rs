//! The HTTP/1.1 server: listener, routing, shared state and the request log.

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::auth::{self, Tokens};
use crate::faults::{self, Fault, Faults};
use crate::model::Model;
use crate::schema::Schema;
use crate::{ews, MockOptions, RecordedRequest};

/// Request bodies above this size get 413.
const MAX_BODY: usize = 64 * 1024 * 1024;

pub type HttpResponse = Response<Full<Bytes>>;

/// Everything the handlers share.
pub struct Shared {
    pub options: MockOptions,
    pub schema: Arc<Schema>,
    pub state: Mutex<State>,
}

/// The mutable part, behind one lock (never held across an await).
#[derive(Default)]
pub struct State {
    pub model: Model,
    pub tokens: Tokens,
    pub faults: Faults,
    pub log: Vec<RecordedRequest>,
    pub token_requests: usize,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends to the request log and, if asked, prints one line on stderr
    /// (operation, status, auth scheme, mailbox: never a credential).
    pub fn record(&self, rec: RecordedRequest) {
        if self.options.log_requests {
            let op = if rec.operation.is_empty() {
                "-"
            } else {
                rec.operation.as_str()
            };
            let status = if rec.status == 0 {
                "dropped".to_string()
            } else {
                rec.status.to_string()
            };
            let auth = rec.auth_scheme.as_deref().unwrap_or("none");
            let mut line = format!("mock-exchange: {op} {status} auth={auth}");
            if let Some(m) = &rec.impersonated {
                line.push_str(&format!(" impersonated={m}"));
            }
            if let Some(e) = rec.schema_errors.first() {
                line.push_str(&format!(" schema-error={e:?}"));
            }
            eprintln!("{line}");
        }
        self.lock().log.push(rec);
    }
}

/// A service error: hyper closes the connection without answering.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

pub(crate) async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Result<HttpResponse, Dropped> {
    let path = req.uri().path().to_string();
    if path.eq_ignore_ascii_case("/EWS/Exchange.asmx") {
        return ews::handle(&shared, req).await;
    }
    if let Some(tenant) = token_tenant(&path) {
        return token(&shared, tenant, req).await;
    }
    Ok(respond(404, "text/plain", "Not Found"))
}

/// `/{tenant}/oauth2/v2.0/token` → tenant.
fn token_tenant(path: &str) -> Option<String> {
    let tenant = path.strip_prefix('/')?.strip_suffix("/oauth2/v2.0/token")?;
    (!tenant.is_empty() && !tenant.contains('/')).then(|| tenant.to_string())
}

async fn token(
    shared: &Shared,
    tenant: String,
    req: Request<Incoming>,
) -> Result<HttpResponse, Dropped> {
    let mut rec = RecordedRequest {
        operation: faults::TOKEN.into(),
        ..RecordedRequest::default()
    };
    rec.client_request_id = header(&req, "client-request-id");
    let fault = {
        let mut state = shared.lock();
        state.token_requests += 1;
        state.faults.take(faults::TOKEN)
    };
    let response = if req.method() != Method::POST {
        respond(405, "text/plain", "Method Not Allowed")
    } else {
        match read_body(req).await {
            Err(response) => response,
            Ok(body) => match fault {
                Some(Fault::DropConnection) => {
                    shared.record(rec);
                    return Err(Dropped);
                }
                Some(Fault::MalformedXml) => respond(
                    200,
                    "application/json; charset=utf-8",
                    faults::MALFORMED_JSON,
                ),
                Some(Fault::Status { code, retry_after }) => status_fault(code, retry_after),
                Some(Fault::ServerBusy { backoff_ms }) => {
                    status_fault(429, Some(backoff_ms.div_ceil(1000)))
                }
                Some(Fault::Delay { ms }) => {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                    issue(shared, &tenant, &body)
                }
                None => issue(shared, &tenant, &body),
            },
        }
    };
    rec.status = response.status().as_u16();
    shared.record(rec);
    Ok(response)
}

fn issue(shared: &Shared, tenant: &str, body: &[u8]) -> HttpResponse {
    let (status, json) =
        auth::token_endpoint(tenant, body, &shared.options, &mut shared.lock().tokens);
    respond(status, "application/json; charset=utf-8", json)
}

/// An injected HTTP status, with `Retry-After` if given.
pub fn status_fault(code: u16, retry_after: Option<u64>) -> HttpResponse {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = respond(
        status.as_u16(),
        "text/plain",
        status.canonical_reason().unwrap_or("Error"),
    );
    if let Some(secs) = retry_after {
        set_header(&mut response, "retry-after", &secs.to_string());
    }
    response
}

/// The body, or the answer to give when it cannot be read.
pub async fn read_body(req: Request<Incoming>) -> Result<Bytes, HttpResponse> {
    match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(respond(413, "text/plain", "Request Entity Too Large"))
        }
        Err(_) => Err(respond(400, "text/plain", "Bad Request")),
    }
}

pub fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    set_header(&mut response, "content-type", content_type);
    response
}

/// Appends a header; a value that is not a valid header value is left out.
pub fn set_header(response: &mut HttpResponse, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response
            .headers_mut()
            .append(HeaderName::from_static(name), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_paths() {
        assert_eq!(
            token_tenant("/contoso/oauth2/v2.0/token").as_deref(),
            Some("contoso")
        );
        assert_eq!(token_tenant("/a/b/oauth2/v2.0/token"), None);
        assert_eq!(token_tenant("//oauth2/v2.0/token"), None);
        assert_eq!(token_tenant("/EWS/Exchange.asmx"), None);
    }

    #[test]
    fn odd_statuses_and_headers_do_not_panic() {
        let mut r = status_fault(1000, Some(3));
        assert_eq!(r.status(), 500);
        set_header(&mut r, "x-test", "bad\nvalue");
        assert!(r.headers().get("x-test").is_none());
        assert_eq!(r.headers()["retry-after"], "3");
    }
}
