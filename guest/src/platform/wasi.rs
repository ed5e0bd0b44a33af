//! `Host` on the component's real imports. The only module besides lib.rs
//! that names wit-bindgen types.

use super::{url, Host, HttpRequest, HttpResponse, Level, Method, TransportError};
use crate::bindings::soar::integration::secrets;
use crate::bindings::wasi::clocks::wall_clock;
use crate::bindings::wasi::config::store as config;
use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method as WitMethod, OutgoingBody, OutgoingRequest,
    RequestOptions, Scheme,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::bindings::wasi::keyvalue::store as kv;
use crate::bindings::wasi::logging::logging;

/// The bucket named in docs/contract.md.
const BUCKET: &str = "ews";
use super::MAX_RESPONSE_BYTES;
/// wasi:io streams accept at most 4096 bytes per blocking write.
const WRITE_CHUNK: usize = 4096;

pub struct WasiHost;

impl Host for WasiHost {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        send(request)
    }

    fn now_unix_secs(&self) -> u64 {
        wall_clock::now().seconds
    }

    fn random_bytes(&self, len: usize) -> Vec<u8> {
        crate::bindings::wasi::random::random::get_random_bytes(len as u64)
    }

    fn config_get(&self, key: &str) -> Result<Option<String>, String> {
        config::get(key).map_err(|e| match e {
            config::Error::Upstream(m) | config::Error::Io(m) => m,
        })
    }

    fn secret(&self, name: &str) -> Result<Option<String>, String> {
        match secrets::reveal(name) {
            Ok(v) => Ok(Some(v)),
            Err(secrets::Error::NotFound) => Ok(None),
            Err(secrets::Error::Denied) => Err(format!("the host refused to reveal secret {name}")),
            Err(secrets::Error::Other(m)) => Err(m),
        }
    }

    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        bucket()?.get(key).map_err(kv_error)
    }

    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        bucket()?.set(key, value).map_err(kv_error)
    }

    fn kv_delete(&self, key: &str) -> Result<(), String> {
        bucket()?.delete(key).map_err(kv_error)
    }

    fn log(&self, level: Level, context: &str, message: &str) {
        let level = match level {
            Level::Debug => logging::Level::Debug,
            Level::Info => logging::Level::Info,
            Level::Warn => logging::Level::Warn,
            Level::Error => logging::Level::Error,
        };
        logging::log(level, context, message);
    }
}

fn bucket() -> Result<kv::Bucket, String> {
    kv::open(BUCKET).map_err(kv_error)
}

fn kv_error(e: kv::Error) -> String {
    match e {
        kv::Error::NoSuchStore => format!("no key-value bucket {BUCKET}"),
        kv::Error::AccessDenied => format!("access to key-value bucket {BUCKET} denied"),
        kv::Error::Other(m) => m,
    }
}

fn send(req: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let url = url::parse(&req.url).map_err(TransportError::Network)?;
    // Every body is known in full before it goes: say its length, so that it is
    // not sent chunked. Proxies and load balancers in front of on-premises
    // Exchange that read only Content-Length answer 411 or see an empty body.
    let mut entries: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length"))
        .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
        .collect();
    // A GET or DELETE without a body says nothing of one.
    if !(req.body.is_empty() && matches!(req.method, Method::Get | Method::Delete)) {
        entries.push((
            "Content-Length".to_string(),
            req.body.len().to_string().into_bytes(),
        ));
    }
    let headers = Fields::from_list(&entries)
        .map_err(|e| TransportError::Network(format!("invalid request header: {e:?}")))?;
    let request = OutgoingRequest::new(headers);
    let method = match req.method {
        Method::Get => WitMethod::Get,
        Method::Post => WitMethod::Post,
        Method::Patch => WitMethod::Patch,
        Method::Put => WitMethod::Put,
        Method::Delete => WitMethod::Delete,
    };
    let scheme = if url.https {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let set = request.set_method(&method).is_ok()
        && request.set_scheme(Some(&scheme)).is_ok()
        && request.set_authority(Some(&url.authority())).is_ok()
        && request
            .set_path_with_query(Some(&url.path_and_query))
            .is_ok();
    if !set {
        return Err(TransportError::Network(format!(
            "the host refused the request line for {}",
            url.authority()
        )));
    }
    let body = request
        .body()
        .map_err(|_| network("request body unavailable"))?;

    let options = RequestOptions::new();
    let ns = req.timeout_secs.saturating_mul(1_000_000_000);
    // A host that does not support a timeout refuses it; the request still goes.
    let _ = options.set_connect_timeout(Some(ns));
    let _ = options.set_first_byte_timeout(Some(ns));
    let _ = options.set_between_bytes_timeout(Some(ns));

    // The request goes out first and its body streams after: the host's body
    // pipe holds only a few KiB, so writing a larger body (an UpdateItem for
    // fifty emails) before the request is sent would block forever.
    let pending = outgoing_handler::handle(request, Some(options)).map_err(error_code)?;
    write_body(&body, &req.body)?;
    OutgoingBody::finish(body, None).map_err(error_code)?;
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(r))) => r,
        Some(Ok(Err(e))) => return Err(error_code(e)),
        Some(Err(())) | None => return Err(network("the response was already taken")),
    };
    let status = response.status();
    let headers: Vec<(String, String)> = response
        .headers()
        .entries()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
        .collect();
    // Refuse before reading when the server says up front that it is too large.
    let announced = headers_length(&headers);
    if announced.is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
        return Err(TransportError::TooLarge {
            limit: MAX_RESPONSE_BYTES as u64,
        });
    }
    let incoming = response
        .consume()
        .map_err(|_| network("response body unavailable"))?;
    let body = read_body(incoming, announced)?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn write_body(body: &OutgoingBody, bytes: &[u8]) -> Result<(), TransportError> {
    let stream = body
        .write()
        .map_err(|_| network("request body stream unavailable"))?;
    for chunk in bytes.chunks(WRITE_CHUNK) {
        stream
            .blocking_write_and_flush(chunk)
            .map_err(|e| network(&format!("writing the request body: {}", stream_error(e))))?;
    }
    Ok(())
}

fn headers_length(headers: &[(String, String)]) -> Option<u64> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn read_body(incoming: IncomingBody, announced: Option<u64>) -> Result<Vec<u8>, TransportError> {
    // One allocation when the length is known: no doubling past the need.
    let mut out = Vec::with_capacity(announced.unwrap_or(0) as usize);
    {
        let stream = incoming
            .stream()
            .map_err(|_| network("response body stream unavailable"))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    out.extend_from_slice(&chunk);
                    if out.len() > MAX_RESPONSE_BYTES {
                        return Err(TransportError::TooLarge {
                            limit: MAX_RESPONSE_BYTES as u64,
                        });
                    }
                }
                Err(StreamError::Closed) => break,
                Err(e) => {
                    return Err(network(&format!(
                        "reading the response body: {}",
                        stream_error(e)
                    )))
                }
            }
        }
    }
    // The stream is dropped; finishing the body reports trailers-level errors.
    let _ = IncomingBody::finish(incoming);
    Ok(out)
}

fn stream_error(e: StreamError) -> String {
    match e {
        StreamError::Closed => "stream closed".into(),
        StreamError::LastOperationFailed(err) => err.to_debug_string(),
    }
}

fn network(m: &str) -> TransportError {
    TransportError::Network(m.to_string())
}

fn error_code(e: ErrorCode) -> TransportError {
    match e {
        ErrorCode::HttpRequestDenied => {
            TransportError::Denied("the host denied the request (not in its allow-list)".into())
        }
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TransportError::Timeout(format!("{e:?}")),
        other => TransportError::Network(format!("{other:?}")),
    }
}
