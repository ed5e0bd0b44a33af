//! The automation engine's record API (the daemon's HTTP sink) on loopback. `POST /api/records` with
//! `Authorization: Basic base64(id:key)` (else 401), an `Idempotency-Key` header
//! (else 400) equal to the body's `id`, and a JSON body
//! `{"id","record":{...},"files":[{"name","media_type","size","sha256","data_base64"}]}`
//! whose every file's size and SHA-256 match its data (else 400). The first post of
//! a key is stored (201); a repeat answers 200 `{"duplicate":true}`. A record whose
//! subject holds a marker given to `refuse_subject` gets that status (413, 422...)
//! every time, as a real engine refuses a record it cannot take.

use std::collections::{HashMap, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::background::Background;

use anyhow::Context as _;
use base64::Engine as _;
use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::server::{self, respond, set_header, Dropped, HttpResponse};

/// The engine's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct EngineOptions {
    pub access_id: String,
    pub access_key: String,
}

impl std::fmt::Debug for EngineOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineOptions")
            .field("access_id", &self.access_id)
            .field("access_key", &"<redacted>")
            .finish()
    }
}

/// What to do to one request instead of (or before) answering it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineFault {
    /// This status (429, 503...) with an optional `Retry-After` in seconds; nothing stored.
    Status { code: u16, retry_after: Option<u64> },
    /// Close the connection without answering; nothing stored.
    DropConnection,
    /// Wait, then answer normally.
    Delay { ms: u64 },
}

#[derive(Default)]
struct State {
    records: Vec<Value>,
    stored: HashMap<String, usize>,
    posts: HashMap<String, usize>,
    duplicates: usize,
    requests: usize,
    faults: VecDeque<EngineFault>,
    /// (subject marker, status): records refused every time they come.
    refusals: Vec<(String, u16)>,
    refused: HashMap<String, usize>,
}

struct Shared {
    options: EngineOptions,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running mock engine. Dropping it stops the server.
pub struct MockEngine {
    shared: Arc<Shared>,
    server: Background,
}

impl MockEngine {
    /// Listens on `127.0.0.1:0` and serves on a background thread.
    pub fn start(options: EngineOptions) -> anyhow::Result<MockEngine> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).context("cannot listen on loopback")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared {
            options,
            state: Mutex::new(State::default()),
        });
        let server = Background::start("mock-engine", listener, runtime, shared.clone(), handle)?;
        Ok(MockEngine { shared, server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// `http://127.0.0.1:PORT/api/records`.
    pub fn url(&self) -> String {
        format!("http://{}/api/records", self.server.addr)
    }

    /// The stored posts (whole bodies: `id`, `record`, `files`), first post of each key, in order.
    pub fn records(&self) -> Vec<Value> {
        self.shared.lock().records.clone()
    }

    /// How many authenticated posts each Idempotency-Key got (stored, duplicate or refused).
    pub fn posts_per_key(&self) -> HashMap<String, usize> {
        self.shared.lock().posts.clone()
    }

    /// How many posts repeated a stored key.
    pub fn duplicates(&self) -> usize {
        self.shared.lock().duplicates
    }

    /// Requests that reached the server (faulted ones included).
    pub fn requests(&self) -> usize {
        self.shared.lock().requests
    }

    /// Every record whose subject contains `marker` is answered `status`
    /// (a 4xx such as 413 or 422), and never stored.
    pub fn refuse_subject(&self, marker: &str, status: u16) {
        self.shared
            .lock()
            .refusals
            .push((marker.to_string(), status));
    }

    /// How many posts of each Idempotency-Key `refuse_subject` refused.
    pub fn refused(&self) -> HashMap<String, usize> {
        self.shared.lock().refused.clone()
    }

    /// Queues `fault` for the next `times` requests.
    pub fn inject(&self, fault: EngineFault, times: usize) {
        self.shared
            .lock()
            .faults
            .extend(std::iter::repeat_n(fault, times));
    }
}

fn json_response(status: u16, body: Value) -> HttpResponse {
    respond(status, "application/json", body.to_string())
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<HttpResponse, Dropped> {
    let fault = {
        let mut state = shared.lock();
        state.requests += 1;
        state.faults.pop_front()
    };
    match fault {
        Some(EngineFault::DropConnection) => return Err(Dropped),
        Some(EngineFault::Status { code, retry_after }) => {
            return Ok(server::status_fault(code, retry_after))
        }
        Some(EngineFault::Delay { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await
        }
        None => {}
    }
    if req.uri().path() != "/api/records" {
        return Ok(respond(404, "text/plain", "Not Found"));
    }
    if req.method() != Method::POST {
        return Ok(respond(405, "text/plain", "Method Not Allowed"));
    }
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            shared.options.access_id, shared.options.access_key
        ))
    );
    if server::header(&req, "authorization").as_deref() != Some(expected.as_str()) {
        let mut r = json_response(401, json!({"error": "unauthorized"}));
        set_header(&mut r, "www-authenticate", "Basic realm=\"engine\"");
        return Ok(r);
    }
    let Some(key) = server::header(&req, "idempotency-key").filter(|k| !k.trim().is_empty()) else {
        return Ok(json_response(
            400,
            json!({"error": "missing Idempotency-Key"}),
        ));
    };
    let body = match server::read_body(req).await {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    *shared.lock().posts.entry(key.clone()).or_default() += 1;
    let value = match serde_json::from_slice::<Value>(&body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(json_response(
                400,
                json!({"error": format!("invalid JSON: {e}")}),
            ))
        }
    };
    if let Err(e) = check(&value, &key) {
        return Ok(json_response(400, json!({"error": e})));
    }
    let mut state = shared.lock();
    let subject = value["record"]["subject"].as_str().unwrap_or_default();
    let refusal = state
        .refusals
        .iter()
        .find(|(marker, _)| subject.contains(marker.as_str()))
        .map(|(_, status)| *status);
    if let Some(status) = refusal {
        *state.refused.entry(key.clone()).or_default() += 1;
        return Ok(json_response(
            status,
            json!({"error": format!("record refused: subject {subject:?}")}),
        ));
    }
    if state.stored.contains_key(&key) {
        state.duplicates += 1;
        return Ok(json_response(200, json!({"id": key, "duplicate": true})));
    }
    let index = state.records.len();
    state.records.push(value);
    state.stored.insert(key.clone(), index);
    Ok(json_response(201, json!({"id": key, "duplicate": false})))
}

/// The body's shape, and each file's size and digest.
pub fn check(body: &Value, key: &str) -> Result<(), String> {
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .ok_or("\"id\" must be a string")?;
    if id != key {
        return Err(format!(
            "\"id\" {id:?} differs from the Idempotency-Key {key:?}"
        ));
    }
    if !body.get("record").is_some_and(Value::is_object) {
        return Err("\"record\" must be an object".into());
    }
    let files = body
        .get("files")
        .and_then(Value::as_array)
        .ok_or("\"files\" must be an array")?;
    for (i, f) in files.iter().enumerate() {
        let s = |k: &str| {
            f.get(k)
                .and_then(Value::as_str)
                .ok_or(format!("files[{i}].{k} must be a string"))
        };
        let (_, _) = (s("name")?, s("media_type")?);
        let size = f
            .get("size")
            .and_then(Value::as_u64)
            .ok_or(format!("files[{i}].size must be a number"))?;
        let data = base64::engine::general_purpose::STANDARD
            .decode(s("data_base64")?)
            .map_err(|e| format!("files[{i}].data_base64: {e}"))?;
        if data.len() as u64 != size {
            return Err(format!(
                "files[{i}].size {size} but the data has {} bytes",
                data.len()
            ));
        }
        let digest: String = Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if !s("sha256")?.eq_ignore_ascii_case(&digest) {
            return Err(format!("files[{i}].sha256 does not match the data"));
        }
    }
    Ok(())
}
