//! A test component of the same world as the EWS guest that tries what the
//! host must refuse or survive: requests to hosts the configuration does not
//! name, memory and time beyond the limits, and a panic. The host's sandbox
//! tests (tests/e2e) run it exactly as they run the real guest.

mod bindings {
    wit_bindgen::generate!({
        world: "integration",
        path: "../../wit",
        generate_all,
    });
}

use bindings::exports::soar::integration::{actions, daemon, manifest};
use bindings::soar::integration::types::{Failure, File, Output};
use bindings::wasi::http::outgoing_handler;
use bindings::wasi::http::types::{ErrorCode, Fields, Method, OutgoingRequest, Scheme};
use serde_json::{json, Value};

struct Probe;

impl manifest::Guest for Probe {
    fn describe() -> String {
        // Declares the same outbound fields as the EWS guest, so that the host
        // derives the same allow-list for it.
        json!({
            "name": "probe",
            "title": "Sandbox probe (tests only)",
            "version": env!("CARGO_PKG_VERSION"),
            "config": [
                {"key": "ews_url", "type": "string", "format": "uri", "secret": false, "outbound": true,
                 "required": false, "default": "https://outlook.office365.com/EWS/Exchange.asmx",
                 "description": "allowed outbound URL"},
                {"key": "tenant", "type": "string", "secret": false, "outbound": false,
                 "required": false, "description": "fills {tenant} in token_url"},
                {"key": "token_url", "type": "string", "format": "uri", "secret": false, "outbound": true,
                 "required": false, "default": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
                 "description": "allowed outbound URL"},
                {"key": "password", "type": "string", "secret": true, "outbound": false,
                 "required": false, "description": "a secret the probe may reveal"}
            ],
            "actions": [
                action("http-get", "GET a URL", json!({"url": {"type": "string"}}), &["url"]),
                action("allocate", "Allocate and touch MiB of memory", json!({"mb": {"type": "integer"}}), &["mb"]),
                action("spin", "Loop forever", json!({}), &[]),
                action("panic", "Panic", json!({}), &[]),
                action("reveal", "Reveal a secret and say only its length", json!({"name": {"type": "string"}}), &["name"]),
            ]
        })
        .to_string()
    }
}

fn action(name: &str, title: &str, props: Value, required: &[&str]) -> Value {
    json!({
        "name": name, "title": title, "kind": "enrichment", "description": title,
        "params": {"type": "object", "properties": props, "required": required},
        "output": {"type": "object"}
    })
}

impl actions::Guest for Probe {
    fn invoke(name: String, params: String, _files: Vec<File>) -> Result<Output, Failure> {
        let params: Value = serde_json::from_str(&params)
            .map_err(|e| Failure::InvalidInput(format!("params: {e}")))?;
        let out = match name.as_str() {
            "http-get" => http_get(params["url"].as_str().unwrap_or_default())?,
            "allocate" => allocate(params["mb"].as_u64().unwrap_or(0)),
            "spin" => spin(),
            "panic" => panic!("the probe panicked on purpose"),
            "reveal" => reveal(params["name"].as_str().unwrap_or_default())?,
            other => return Err(Failure::InvalidInput(format!("no action {other}"))),
        };
        Ok(Output { json: out.to_string(), files: vec![] })
    }
}

impl daemon::Guest for Probe {
    fn poll(_max: u32) -> Result<daemon::Batch, Failure> {
        Ok(daemon::Batch { items: vec![], more: false, remaining: None })
    }
    fn ack(_ids: Vec<String>) -> Result<(), Failure> {
        Ok(())
    }
    fn scope() -> Result<String, Failure> {
        Ok("probe".into())
    }
}

fn http_get(url: &str) -> Result<Value, Failure> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| Failure::InvalidInput("url: expected scheme://authority/path".into()))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let req = OutgoingRequest::new(Fields::new());
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_string()),
    };
    let set = req
        .set_method(&Method::Get)
        .and(req.set_scheme(Some(&scheme)))
        .and(req.set_authority(Some(authority)))
        .and(req.set_path_with_query(Some(path)));
    set.map_err(|()| Failure::InvalidInput(format!("url: cannot request {url}")))?;
    let response = outgoing_handler::handle(req, None)
        .map_err(denied)
        .and_then(|future| {
            future.subscribe().block();
            match future.get() {
                Some(Ok(result)) => result.map_err(denied),
                _ => Err(Failure::Internal("the response never arrived".into())),
            }
        })?;
    Ok(json!({"status": response.status()}))
}

fn denied(code: ErrorCode) -> Failure {
    match code {
        ErrorCode::HttpRequestDenied => Failure::Forbidden("HttpRequestDenied".into()),
        other => Failure::Unavailable(format!("{other:?}")),
    }
}

fn allocate(mb: u64) -> Value {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    for _ in 0..mb {
        // Touch every page, so that the memory is really claimed.
        chunks.push(vec![1u8; 1 << 20]);
    }
    json!({"allocated_mb": chunks.len()})
}

fn spin() -> Value {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

fn reveal(name: &str) -> Result<Value, Failure> {
    use bindings::soar::integration::secrets;
    match secrets::reveal(name) {
        Ok(value) => Ok(json!({"length": value.len()})),
        Err(e) => Err(Failure::NotFound(format!("secret {name}: {e:?}"))),
    }
}

bindings::export!(Probe with_types_in bindings);
