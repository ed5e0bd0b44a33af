//! The HTTP/1.1 server: listener, routing, shared state and the request log.
//! Besides what each handler records, the server notes for every request how
//! its body was framed on the wire, when it arrived, and which items a
//! successful GetItem handed out or UpdateItem marked read: tests of the
//! client's framing and of the daemon's delivery guarantees read those.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::auth::{self, Tokens};
use crate::faults::{self, Fault, Faults};
use crate::model::Model;
use crate::schema::Schema;
use crate::soap::{self, MESSAGES_NS};
use crate::{dom, ews, MockExchange, MockOptions, RecordedRequest};

/// Request bodies above this size get 413.
const MAX_BODY: usize = 64 * 1024 * 1024;

pub type HttpResponse = Response<MockBody>;

/// A whole body in one frame. A body `cut` short (fault injection) does not
/// tell hyper its size, so that a Content-Length announcing more than it
/// holds goes out as set: the client reads what there is, then the
/// connection closes.
pub struct MockBody {
    data: Option<Bytes>,
    cut: bool,
}

impl MockBody {
    pub fn full(data: Bytes) -> MockBody {
        MockBody {
            data: Some(data),
            cut: false,
        }
    }

    pub fn cut(data: Bytes) -> MockBody {
        MockBody {
            data: Some(data),
            cut: true,
        }
    }
}

impl hyper::body::Body for MockBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(
            self.data
                .take()
                .filter(|d| !d.is_empty())
                .map(|d| Ok(hyper::body::Frame::data(d))),
        )
    }

    fn is_end_stream(&self) -> bool {
        match &self.data {
            None => true,
            // An empty cut body is not over before it is read: hyper would
            // answer it as empty, Content-Length or not.
            Some(d) => d.is_empty() && !self.cut,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match (&self.data, self.cut) {
            (_, true) => hyper::body::SizeHint::default(),
            (Some(d), false) => hyper::body::SizeHint::with_exact(d.len() as u64),
            (None, false) => hyper::body::SizeHint::with_exact(0),
        }
    }
}

/// Everything the handlers share.
pub struct Shared {
    pub options: MockOptions,
    /// `options.record_requests`, open.
    pub recorder: Option<Mutex<std::io::BufWriter<std::fs::File>>>,
    pub schema: Arc<Schema>,
    pub state: Mutex<State>,
}

/// The mutable part, behind one lock (never held across an await).
#[derive(Default)]
pub struct State {
    pub model: Model,
    pub tokens: Tokens,
    pub faults: FaultQueue,
    pub log: Vec<RecordedRequest>,
    pub token_requests: usize,
    /// Requests that have arrived so far; the last one's arrival number.
    pub arrivals: u64,
    /// Requests being handled now.
    pub in_flight: usize,
    /// Requests being handled now for each mailbox (`X-AnchorMailbox`, or
    /// Graph's `/users/{id}`), lowercased, and the most there ever were:
    /// a client that serves a mailbox one step at a time never has two.
    pub in_flight_by_mailbox: HashMap<String, usize>,
    pub most_in_flight_by_mailbox: HashMap<String, usize>,
    pub items: HashMap<String, ItemTrail>,
    /// Answer 411 to a chunked request, as proxies that read only
    /// Content-Length do.
    pub require_content_length: bool,
    pub graph: crate::graph::GraphState,
}

/// How a request's body was delimited on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Framing {
    /// Neither Content-Length nor Transfer-Encoding: no body.
    #[default]
    None,
    ContentLength(u64),
    /// `Transfer-Encoding: chunked` (it wins over a Content-Length sent with it,
    /// as RFC 9112 says).
    Chunked,
}

/// What the mock did with one item, in arrival numbers (see `arrivals`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemTrail {
    /// The arrival number of every GetItem answered 200 that named the item,
    /// and of every Graph `$value` (`graph.mime`) of it answered 200.
    pub fetches: Vec<u64>,
    /// `arrivals` when the first UpdateItem (or Graph PATCH) that left the item read was
    /// answered: a GetItem with a higher arrival number came after the mark-read.
    pub read_at: Option<u64>,
}

impl ItemTrail {
    /// GetItems that arrived after the item had been marked read.
    pub fn fetches_after_read(&self) -> usize {
        self.read_at
            .map_or(0, |at| self.fetches.iter().filter(|&&f| f > at).count())
    }
}

/// The fault queues, remembering what they served, so that a test can check
/// the faults it injected really reached the client.
#[derive(Default)]
pub struct FaultQueue {
    queues: Faults,
    queued: usize,
    served: Vec<(String, Fault)>,
}

impl FaultQueue {
    pub fn inject(&mut self, operation: &str, fault: Fault, times: usize) {
        self.queued += times;
        self.queues.inject(operation, fault, times);
    }

    pub fn take(&mut self, operation: &str) -> Option<Fault> {
        let fault = self.queues.take(operation)?;
        self.served.push((operation.to_string(), fault.clone()));
        Some(fault)
    }
}

/// What `route` knows about the request it serves, for `read_body` and
/// `Shared::record` to fill in: they run inside the handlers, which need not
/// pass it along.
#[derive(Default)]
struct Current {
    arrival: u64,
    framing: Framing,
    body: Option<Bytes>,
}

tokio::task_local! {
    static CURRENT: RefCell<Current>;
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends to the request log and, if asked, prints one line on stderr
    /// (operation, status, auth scheme, mailbox: never a credential).
    pub fn record(&self, mut rec: RecordedRequest) {
        let body = CURRENT
            .try_with(|c| {
                let c = c.borrow();
                rec.arrival = c.arrival;
                rec.framing = c.framing;
                rec.body_len = c.body.as_ref().map(Bytes::len);
                c.body.clone()
            })
            .ok()
            .flatten();
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
            if rec.framing == Framing::Chunked {
                line.push_str(" body=chunked");
            }
            eprintln!("{line}");
        }
        let mut state = self.lock();
        if rec.status == 200 {
            if let Some(body) = body {
                state.follow_items(&rec, &body);
            }
            state.follow_graph_item(&rec);
        }
        state.log.push(rec);
    }
}

impl State {
    /// Notes the items a successful GetItem handed out or UpdateItem left read.
    fn follow_items(&mut self, rec: &RecordedRequest, body: &[u8]) {
        let fetch = match rec.operation.as_str() {
            "GetItem" => true,
            "UpdateItem" => false,
            _ => return,
        };
        for id in named_items(body) {
            if fetch {
                self.items.entry(id).or_default().fetches.push(rec.arrival);
            } else if self.model.find_message(&id).is_some_and(|(_, m)| m.is_read) {
                let trail = self.items.entry(id).or_default();
                trail.read_at.get_or_insert(self.arrivals);
            }
        }
    }
}

impl State {
    /// Notes a Graph MIME fetch, or a PATCH that left the message read, as
    /// `follow_items` notes GetItem and UpdateItem.
    fn follow_graph_item(&mut self, rec: &RecordedRequest) {
        let Some(id) = &rec.item_id else {
            return;
        };
        match rec.operation.as_str() {
            crate::graph::MIME => self
                .items
                .entry(id.clone())
                .or_default()
                .fetches
                .push(rec.arrival),
            crate::graph::UPDATE_MESSAGE
                if self.model.find_message(id).is_some_and(|(_, m)| m.is_read) =>
            {
                let arrivals = self.arrivals;
                let trail = self.items.entry(id.clone()).or_default();
                trail.read_at.get_or_insert(arrivals);
            }
            _ => {}
        }
    }
}

/// The item ids a GetItem (`m:ItemIds`) or UpdateItem (`m:ItemChanges`) names.
fn named_items(body: &[u8]) -> Vec<String> {
    let Ok(env) = dom::parse(body).and_then(soap::read_envelope) else {
        return Vec::new();
    };
    let op = &env.operation;
    let ids: Vec<&dom::Element> = match op.name.as_str() {
        "GetItem" => op
            .child(MESSAGES_NS, "ItemIds")
            .map(|c| c.children.iter().collect())
            .unwrap_or_default(),
        "UpdateItem" => op
            .child(MESSAGES_NS, "ItemChanges")
            .map(|c| {
                c.children
                    .iter()
                    .filter_map(|ch| ch.children.first())
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    ids.into_iter()
        .filter_map(|e| e.attr("Id").map(str::to_string))
        .collect()
}

/// Counts a request in flight (and its mailbox's) until dropped, even when
/// hyper drops the handler because the client went away.
struct InFlightGuard(Arc<Shared>, Option<String>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight -= 1;
        if let Some(n) = self
            .1
            .as_ref()
            .and_then(|m| state.in_flight_by_mailbox.get_mut(m))
        {
            *n -= 1;
        }
    }
}

/// The mailbox a request acts on, lowercased: its `X-AnchorMailbox` (EWS),
/// else the `{id}` of Graph's `/users/{id}/...`.
fn mailbox_of(req: &Request<Incoming>) -> Option<String> {
    if let Some(anchor) = header(req, "x-anchormailbox") {
        return Some(anchor.to_lowercase());
    }
    let rest = req.uri().path().strip_prefix("/v1.0/users/")?;
    let id = rest.split('/').next()?;
    Some(id.replace("%40", "@").to_lowercase())
}

impl MockExchange {
    /// Requests being handled right now.
    pub fn requests_in_flight(&self) -> usize {
        self.shared.lock().in_flight
    }

    /// The most requests that were ever in flight at once for each mailbox
    /// (by `X-AnchorMailbox` or Graph's `/users/{id}`).
    pub fn most_in_flight_by_mailbox(&self) -> BTreeMap<String, usize> {
        let state = self.shared.lock();
        state
            .most_in_flight_by_mailbox
            .iter()
            .map(|(m, n)| (m.clone(), *n))
            .collect()
    }

    /// How many requests have arrived so far: a request recorded with a higher
    /// `arrival` came later.
    pub fn arrivals(&self) -> u64 {
        self.shared.lock().arrivals
    }

    /// Every item a GetItem handed out or an UpdateItem marked read, by item id.
    pub fn item_trails(&self) -> BTreeMap<String, ItemTrail> {
        let state = self.shared.lock();
        state
            .items
            .iter()
            .map(|(id, t)| (id.clone(), t.clone()))
            .collect()
    }

    /// The injected faults that reached a request: (its operation, the fault).
    pub fn faults_served(&self) -> Vec<(String, Fault)> {
        self.shared.lock().faults.served.clone()
    }

    /// Injected faults no request has met yet.
    pub fn faults_waiting(&self) -> usize {
        let state = self.shared.lock();
        state.faults.queued - state.faults.served.len()
    }

    /// From now on, answer 411 Length Required to a chunked request.
    pub fn require_content_length(&self, on: bool) {
        self.shared.lock().require_content_length = on;
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

pub(crate) async fn route(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<HttpResponse, Dropped> {
    if shared.options.control && req.uri().path().starts_with(crate::control::PREFIX) {
        // Not a request of the client under test: neither counted nor delayed.
        return Ok(crate::control::handle(&shared, &req));
    }
    let framing = framing(&req);
    let recorded = shared
        .recorder
        .is_some()
        .then(|| crate::control::RecordedHead::of(&req));
    let mailbox = mailbox_of(&req);
    let (arrival, refuse_chunked) = {
        let mut state = shared.lock();
        state.arrivals += 1;
        state.in_flight += 1;
        if let Some(m) = &mailbox {
            let n = state.in_flight_by_mailbox.entry(m.clone()).or_default();
            *n += 1;
            let now = *n;
            let most = state
                .most_in_flight_by_mailbox
                .entry(m.clone())
                .or_default();
            *most = (*most).max(now);
        }
        (state.arrivals, state.require_content_length)
    };
    let _guard = InFlightGuard(shared.clone(), mailbox);
    let current = RefCell::new(Current {
        arrival,
        framing,
        body: None,
    });
    CURRENT
        .scope(current, async move {
            if refuse_chunked && framing == Framing::Chunked {
                let operation = match token_tenant(req.uri().path()) {
                    Some(_) => faults::TOKEN.to_string(),
                    None => String::new(),
                };
                let response = respond(411, "text/plain", "Length Required");
                shared.record(RecordedRequest {
                    operation,
                    status: 411,
                    ..RecordedRequest::default()
                });
                return Ok(response);
            }
            if shared.options.latency_ms > 0 {
                let latency = std::time::Duration::from_millis(shared.options.latency_ms);
                tokio::time::sleep(latency).await;
            }
            let response = dispatch(shared.clone(), req).await;
            if let Some(head) = recorded {
                let body = CURRENT.with(|c| c.borrow().body.clone());
                crate::control::record(&shared, head, body.as_deref());
            }
            response
        })
        .await
}

fn framing(req: &Request<Incoming>) -> Framing {
    let chunked = req
        .headers()
        .get_all(hyper::header::TRANSFER_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
    if chunked {
        return Framing::Chunked;
    }
    match header(req, "content-length").and_then(|v| v.trim().parse().ok()) {
        Some(n) => Framing::ContentLength(n),
        None => Framing::None,
    }
}

async fn dispatch(shared: Arc<Shared>, req: Request<Incoming>) -> Result<HttpResponse, Dropped> {
    let path = req.uri().path().to_string();
    if path.eq_ignore_ascii_case("/EWS/Exchange.asmx") {
        return ews::handle(&shared, req).await;
    }
    if let Some(tenant) = token_tenant(&path) {
        return token(&shared, tenant, req).await;
    }
    if path == "/v1.0" || path.starts_with("/v1.0/") {
        return crate::graph::handle(&shared, req).await;
    }
    if path.starts_with(crate::graph::UPLOAD_PREFIX) {
        return crate::graph::upload::handle(&shared, req).await;
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
                Some(Fault::Redirect { to }) => faults::redirect(&to),
                Some(Fault::HtmlPage { status }) => faults::html_page(status),
                Some(Fault::Truncate) => faults::truncate(issue(shared, &tenant, &body)).await,
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
        Ok(collected) => {
            let body = collected.to_bytes();
            let _ = CURRENT.try_with(|c| c.borrow_mut().body = Some(body.clone()));
            Ok(body)
        }
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
    let mut response = Response::new(MockBody::full(body.into()));
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

    /// Sends `head` (request line and headers, without the blank line) and
    /// `body` as they are, and returns the status line.
    fn raw(mock: &MockExchange, head: &str, body: &[u8]) -> String {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(mock.addr()).unwrap();
        let request = format!(
            "{head}\r\nHost: {}\r\nConnection: close\r\n\r\n",
            mock.addr()
        );
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.lines().next().unwrap_or_default().to_string()
    }

    const FORM: &[u8] = b"grant_type=client_credentials&client_id=app-1&client_secret=s3cret&scope=https://outlook.office365.com/.default";

    #[test]
    fn the_framing_of_every_body_is_recorded_and_chunked_can_be_refused() {
        let mock = MockExchange::start(crate::test_support::options()).unwrap();
        let post = "POST /contoso/oauth2/v2.0/token HTTP/1.1";
        let sized = format!("{post}\r\nContent-Length: {}", FORM.len());
        assert!(raw(&mock, &sized, FORM).contains(" 200 "));
        let mut chunked = format!("{:x}\r\n", FORM.len()).into_bytes();
        chunked.extend_from_slice(FORM);
        chunked.extend_from_slice(b"\r\n0\r\n\r\n");
        let te = format!("{post}\r\nTransfer-Encoding: chunked");
        assert!(raw(&mock, &te, &chunked).contains(" 200 "));
        assert!(raw(&mock, "GET /EWS/Exchange.asmx HTTP/1.1", b"").contains(" 405 "));
        mock.require_content_length(true);
        assert!(raw(&mock, &te, &chunked).contains(" 411 "));
        assert!(raw(&mock, &sized, FORM).contains(" 200 "));

        let seen: Vec<_> = mock
            .requests()
            .iter()
            .map(|r| (r.arrival, r.framing, r.body_len, r.status))
            .collect();
        let n = FORM.len();
        assert_eq!(
            seen,
            [
                (1, Framing::ContentLength(n as u64), Some(n), 200),
                (2, Framing::Chunked, Some(n), 200),
                (3, Framing::None, None, 405),
                (4, Framing::Chunked, None, 411),
                (5, Framing::ContentLength(n as u64), Some(n), 200),
            ]
        );
        assert_eq!((mock.arrivals(), mock.requests_in_flight()), (5, 0));
    }

    #[test]
    fn the_items_a_request_names() {
        let (get, _) = crate::test_support::envelope(
            "",
            r#"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="a"/><t:ItemId Id="b" ChangeKey="k"/></m:ItemIds></m:GetItem>"#,
        );
        assert_eq!(named_items(&get), ["a", "b"]);
        let (update, _) = crate::test_support::envelope(
            "",
            r#"<m:UpdateItem><m:ItemChanges><t:ItemChange><t:ItemId Id="c"/><t:Updates/></t:ItemChange></m:ItemChanges></m:UpdateItem>"#,
        );
        assert_eq!(named_items(&update), ["c"]);
        let (oof, _) = crate::test_support::envelope("", crate::test_support::OOF);
        assert!(named_items(&oof).is_empty());
        assert!(named_items(b"<not xml").is_empty());
    }

    #[test]
    fn served_faults_are_counted() {
        let mock = MockExchange::start(crate::test_support::options()).unwrap();
        mock.inject(
            faults::TOKEN,
            Fault::Status {
                code: 503,
                retry_after: None,
            },
            2,
        );
        let sized = format!(
            "POST /contoso/oauth2/v2.0/token HTTP/1.1\r\nContent-Length: {}",
            FORM.len()
        );
        assert!(raw(&mock, &sized, FORM).contains(" 503 "));
        assert_eq!(mock.faults_waiting(), 1);
        let served = mock.faults_served();
        assert_eq!(
            served,
            [(
                faults::TOKEN.to_string(),
                Fault::Status {
                    code: 503,
                    retry_after: None
                }
            )]
        );
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
