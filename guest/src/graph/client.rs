//! The one way requests reach Microsoft Graph: the version root, the bearer
//! token (Graph's audience, its own cache entry), JSON, paging, `$batch`,
//! and the status handling every call shares. A 401 refreshes the token
//! once and retries once, never more.

use super::error::{self, Call};
use super::odata;
use crate::auth::{oauth2, Auth};
use crate::config::Config;
use crate::ews::error::{Error, DEFAULT_BACKOFF_MS};
use crate::mailbox::ItemError;
use crate::platform::{
    retry_after_ms, send_logged, trace_headers, Host, HttpRequest, HttpResponse, Level, Method,
    RetryBudget,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

const LOG: &str = "graph.client";
/// Requests in one `$batch` (Graph's limit).
pub const BATCH_MAX: usize = 20;
/// Graph runs at most 4 requests per app and mailbox at once; a batch's
/// requests are chained in this many lanes so that it never asks for more.
const LANES: usize = 4;
/// Pages followed through `@odata.nextLink` before giving up on a listing.
const MAX_PAGES: usize = 200;

pub struct GraphClient<'h> {
    host: &'h dyn Host,
    /// `https://graph.microsoft.com/v1.0`, no trailing slash.
    base: String,
    timeout_secs: u64,
    auth: Auth,
    retry: RetryBudget,
    /// The credentials were refused: every later request of this call (a
    /// daemon step's mark-reads and fetches) fails the same way without
    /// asking the token endpoint again, so a revoked secret is one refusal
    /// per step, not one per email.
    refused: Option<Error>,
}

/// One request: a path below the version root (`/users/...?$select=...`)
/// or an absolute URL (`@odata.nextLink`).
pub struct Req {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn get(url: String) -> Req {
        Req {
            method: Method::Get,
            url,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn json(method: Method, url: String, body: &Value) -> Req {
        Req {
            method,
            url,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// One request of a `$batch`: a method, a URL below the version root, a JSON body.
#[derive(Debug, Clone)]
pub struct BatchReq {
    pub method: &'static str,
    pub url: String,
    pub body: Option<Value>,
}

/// One answer of a `$batch`.
#[derive(Debug, Clone)]
pub struct BatchResp {
    pub status: u16,
    pub body: Value,
    pub retry_after_ms: Option<u64>,
}

impl BatchResp {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Ok(body)` for a 2xx, else the per-item error.
    pub fn result(self) -> Result<Value, ItemError> {
        if self.ok() {
            Ok(self.body)
        } else {
            Err(error::item_error(self.status, &self.body))
        }
    }
}

impl<'h> GraphClient<'h> {
    pub fn new(host: &'h dyn Host, config: &Config) -> GraphClient<'h> {
        GraphClient {
            host,
            base: config.graph_url.trim_end_matches('/').to_string(),
            timeout_secs: config.request_timeout_secs,
            auth: Auth::new(config, oauth2::GRAPH_SCOPE),
            retry: RetryBudget::default(),
            refused: None,
        }
    }

    pub fn host(&self) -> &'h dyn Host {
        self.host
    }

    /// `/users/{mailbox}`: where every call on a mailbox starts.
    pub fn user(mailbox: &str) -> String {
        format!("/users/{}", odata::segment(mailbox))
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("https://") || url.starts_with("http://") {
            url.to_string()
        } else {
            format!("{}{url}", self.base)
        }
    }

    /// Sends `req`; a 2xx answer, else the call's error.
    pub fn send(&mut self, call: &Call, req: Req) -> Result<HttpResponse, Error> {
        let resp = self.exchange_retrying(call, req, |_| true)?;
        if (200..300).contains(&resp.status) {
            Ok(resp)
        } else {
            Err(error::from_response(call, &resp, self.host.now_unix_secs()))
        }
    }

    /// As `send`, but an answer about the item itself (not found, a
    /// malformed id) is the item's error, not the call's.
    pub fn send_item(
        &mut self,
        call: &Call,
        req: Req,
    ) -> Result<Result<HttpResponse, ItemError>, Error> {
        let resp = self.exchange_retrying(call, req, |_| true)?;
        if (200..300).contains(&resp.status) {
            return Ok(Ok(resp));
        }
        let body: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        let (code, _) = error::code_of(&body);
        if error::is_item_level(resp.status, &code) && code != "ErrorInvalidUser" {
            return Ok(Err(error::item_error(resp.status, &body)));
        }
        Err(error::from_response(call, &resp, self.host.now_unix_secs()))
    }

    /// Sends `req` and reads its JSON answer. A 200 that is not JSON at all
    /// (cut short) is asked for once more when `req` is safe to repeat; an
    /// HTML page is a proxy's or a sign-in page's, and said to be.
    pub fn json<T: DeserializeOwned>(&mut self, call: &Call, req: Req) -> Result<T, Error> {
        let resp = self.exchange_retrying(call, req, |r| {
            serde_json::from_slice::<serde::de::IgnoredAny>(&r.body).is_ok()
        })?;
        if !(200..300).contains(&resp.status) {
            return Err(error::from_response(call, &resp, self.host.now_unix_secs()));
        }
        if let Some(e) =
            crate::ews::error::foreign_answer(&resp, "Microsoft Graph", "JSON", "graph_url")
                .filter(|_| crate::ews::error::is_html(&resp))
        {
            return Err(e);
        }
        parse(call, &resp.body)
    }

    /// Every item of a listing, following `@odata.nextLink` until `max` items.
    pub fn all<T: DeserializeOwned>(
        &mut self,
        call: &Call,
        first: String,
        max: usize,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        let mut next = Some(first);
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else { break };
            let page: super::types::Page<T> = self.json(call, Req::get(url))?;
            out.extend(page.value);
            if out.len() >= max {
                out.truncate(max);
                break;
            }
            next = page.next_link;
        }
        Ok(out)
    }

    /// Runs `requests` through `$batch`, 20 at a time in four lanes; one
    /// answer per request, in order. A request whose lane failed before it
    /// (424) is sent again; one throttled ends the rounds, and what is left
    /// answers 429 with the wait Graph asked for.
    pub fn batch(&mut self, call: &Call, requests: &[BatchReq]) -> Result<Vec<BatchResp>, Error> {
        let mut answers: Vec<Option<BatchResp>> = vec![None; requests.len()];
        let mut pending: Vec<usize> = (0..requests.len()).collect();
        let mut throttled: Option<BatchResp> = None;
        // Every round settles at least the head of each lane.
        let rounds = requests.len().div_ceil(LANES) + 1;
        for _ in 0..rounds {
            if pending.is_empty() || throttled.is_some() {
                break;
            }
            let mut next = Vec::new();
            for chunk in pending.chunks(BATCH_MAX) {
                let body = batch_body(requests, chunk);
                let resp: Value =
                    self.json(call, Req::json(Method::Post, "/$batch".into(), &body))?;
                let mut seen = vec![false; chunk.len()];
                for r in resp["responses"].as_array().into_iter().flatten() {
                    let Some(pos) = r["id"]
                        .as_str()
                        .and_then(|id| id.parse::<usize>().ok())
                        .filter(|&p| p < chunk.len())
                    else {
                        continue;
                    };
                    seen[pos] = true;
                    let answer = batch_resp(r, self.host.now_unix_secs());
                    match answer.status {
                        424 => next.push(chunk[pos]),
                        429 => {
                            next.push(chunk[pos]);
                            throttled.get_or_insert(answer);
                        }
                        _ => answers[chunk[pos]] = Some(answer),
                    }
                }
                // An answer Graph left out is asked again rather than guessed.
                next.extend(
                    chunk
                        .iter()
                        .zip(&seen)
                        .filter(|(_, s)| !**s)
                        .map(|(i, _)| *i),
                );
            }
            next.sort_unstable();
            pending = next;
        }
        if let Some(t) = &throttled {
            // Nothing done: the whole call waits, as a throttled request does.
            if answers.iter().all(|a| a.as_ref().is_none_or(|a| !a.ok())) {
                return Err(Error::Throttled {
                    retry_after_ms: t.retry_after_ms.unwrap_or(DEFAULT_BACKOFF_MS),
                    message: format!(
                        "Microsoft Graph is throttling requests to {}: {}",
                        call.mailbox,
                        error::item_error(t.status, &t.body).describe()
                    ),
                });
            }
        }
        let left = throttled.unwrap_or(BatchResp {
            status: 424,
            body: json!({"error": {"code": "FailedDependency", "message": "not run: an earlier request of its batch failed"}}),
            retry_after_ms: None,
        });
        Ok(answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| left.clone()))
            .collect())
    }

    /// A PUT to an upload session's URL: it carries its own authorisation,
    /// and a bearer token must not be sent there.
    pub fn upload(
        &mut self,
        call: &Call,
        url: &str,
        range: (usize, usize, usize),
        chunk: Vec<u8>,
    ) -> Result<HttpResponse, Error> {
        let (from, to, total) = range;
        let request = HttpRequest {
            method: Method::Put,
            url: url.to_string(),
            headers: vec![
                ("Content-Type".into(), "application/octet-stream".into()),
                ("Content-Range".into(), format!("bytes {from}-{to}/{total}")),
            ],
            body: chunk,
            timeout_secs: self.timeout_secs,
        };
        let resp = self.host.send(&request).map_err(Error::Transport)?;
        if (200..300).contains(&resp.status) {
            Ok(resp)
        } else {
            Err(error::from_response(call, &resp, self.host.now_unix_secs()))
        }
    }

    /// As `exchange`; a request safe to repeat (`retry_safe`) is sent once
    /// more, at once, when its answer was lost (a timeout, a connection that
    /// broke off, a body cut short) or is a 2xx that is not `readable`.
    /// Never more than once, and never for a refusal, which the host waits on.
    fn exchange_retrying(
        &mut self,
        call: &Call,
        req: Req,
        readable: impl Fn(&HttpResponse) -> bool,
    ) -> Result<HttpResponse, Error> {
        let again = retry_safe(&req).then(|| Req {
            method: req.method,
            url: req.url.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
        });
        let first = self.exchange(call, req);
        let Some(again) = again else { return first };
        let (why, lost) = match &first {
            Err(Error::Transport(t)) if self.retry.allows(t) => (t.to_string(), false),
            Ok(r)
                if (200..300).contains(&r.status)
                    && !crate::ews::error::is_html(r)
                    && !readable(r) =>
            {
                (
                    "the answer is not the JSON expected (cut short?)".to_string(),
                    true,
                )
            }
            _ => return first,
        };
        self.host.log(
            Level::Info,
            LOG,
            &format!("{}: {why}; sending it once more", call.what),
        );
        match self.exchange(call, again) {
            // Sent again for an unreadable answer, and lost this time: the
            // first answer says more.
            Err(Error::Transport(_)) if lost => first,
            second => second,
        }
    }

    /// Sends with the bearer token, refreshing it once on a 401; once the
    /// credentials are refused, refuses at once.
    fn exchange(&mut self, call: &Call, req: Req) -> Result<HttpResponse, Error> {
        if let Some(e) = &self.refused {
            return Err(e.clone());
        }
        let result = self.exchange_once(call, req);
        match &result {
            Err(e @ Error::Unauthorized(_)) => self.refused = Some(e.clone()),
            Ok(r) if r.status == 401 => {
                self.refused = Some(error::from_response(call, r, self.host.now_unix_secs()))
            }
            _ => {}
        }
        result
    }

    fn exchange_once(&mut self, call: &Call, req: Req) -> Result<HttpResponse, Error> {
        let Req {
            method,
            url,
            headers: extra,
            mut body,
        } = req;
        let url = self.absolute(&url);
        let mut refreshed = false;
        loop {
            let authorization = self.auth.header(self.host)?;
            let (request_id, trace) = trace_headers(self.host);
            let mut headers = vec![
                ("Authorization".to_string(), authorization),
                ("Accept".to_string(), "application/json".to_string()),
            ];
            headers.extend(trace);
            headers.extend(extra.iter().cloned());
            let request = HttpRequest {
                method,
                url: url.clone(),
                headers,
                body,
                timeout_secs: self.timeout_secs,
            };
            let result = send_logged(self.host, LOG, call.what, &request_id, &request);
            body = request.body;
            let resp = result.map_err(Error::Transport)?;
            if resp.status == 401 && !refreshed && self.auth.refresh(self.host) {
                refreshed = true;
                self.host.log(
                    Level::Info,
                    LOG,
                    "HTTP 401: refreshing the token and retrying once",
                );
                continue;
            }
            return Ok(resp);
        }
    }
}

/// Whether `req` may be sent again when its answer was lost: a GET changes
/// nothing, and a PATCH sets properties (`isRead`, a draft's recipients) to
/// the same values twice. A `$batch` is safe when every request in it is.
/// Not a POST (a send, reply, copy or move carried out the first time would
/// be carried out twice, or answer "not found" and turn a success into a
/// failure), nor a DELETE (the same "not found").
fn retry_safe(req: &Req) -> bool {
    match req.method {
        Method::Get | Method::Patch => true,
        Method::Post if req.url == "/$batch" => serde_json::from_slice::<Value>(&req.body)
            .is_ok_and(|b| {
                b["requests"].as_array().is_some_and(|rs| {
                    rs.iter()
                        .all(|r| matches!(r["method"].as_str(), Some("GET" | "PATCH")))
                })
            }),
        _ => false,
    }
}

pub fn parse<T: DeserializeOwned>(call: &Call, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| {
        Error::Malformed(format!(
            "Microsoft Graph's answer to \"{}\" is not the JSON expected: {e}",
            call.what
        ))
    })
}

/// The `$batch` body for `chunk` (indexes into `requests`): ids are the
/// positions in the chunk; request i waits for request i - LANES.
fn batch_body(requests: &[BatchReq], chunk: &[usize]) -> Value {
    let items: Vec<Value> = chunk
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let r = &requests[i];
            let mut item = json!({"id": pos.to_string(), "method": r.method, "url": r.url});
            if let Some(body) = &r.body {
                item["body"] = body.clone();
                item["headers"] = json!({"Content-Type": "application/json"});
            }
            if pos >= LANES {
                item["dependsOn"] = json!([(pos - LANES).to_string()]);
            }
            item
        })
        .collect();
    json!({ "requests": items })
}

fn batch_resp(r: &Value, now: u64) -> BatchResp {
    let status = r["status"].as_u64().unwrap_or(0) as u16;
    let headers: Vec<(String, String)> = r["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    let as_resp = HttpResponse {
        status,
        headers,
        body: vec![],
    };
    BatchResp {
        status,
        body: r["body"].clone(),
        retry_after_ms: retry_after_ms(&as_resp, now),
    }
}

#[cfg(test)]
mod tests;
