//! `Host` on the component's real imports. The only module besides lib.rs
//! that names wit-bindgen types.

use super::{url, Host, HttpRequest, HttpResponse, Level, Method, TransportError};
use crate::bindings::soar::integration::secrets;
use crate::bindings::wasi::clocks::wall_clock;
use crate::bindings::wasi::config::store as config;
use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::ErrorCode;
use crate::bindings::wasi::http::types::{
    http_error_code, Fields, HeaderError, IncomingBody, Method as WitMethod, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::bindings::wasi::keyvalue::store as kv;
use crate::bindings::wasi::logging::logging;

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

    fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        open(bucket)?.get(key).map_err(|e| kv_error(bucket, e))
    }

    fn kv_set(&self, bucket: &str, key: &str, value: &[u8]) -> Result<(), String> {
        open(bucket)?
            .set(key, value)
            .map_err(|e| kv_error(bucket, e))
    }

    fn kv_delete(&self, bucket: &str, key: &str) -> Result<(), String> {
        open(bucket)?.delete(key).map_err(|e| kv_error(bucket, e))
    }

    fn kv_keys(&self, bucket: &str) -> Result<Vec<String>, String> {
        let b = open(bucket)?;
        let mut keys = Vec::new();
        let mut cursor = None;
        loop {
            let page = b.list_keys(cursor).map_err(|e| kv_error(bucket, e))?;
            keys.extend(page.keys);
            match page.cursor {
                // A cursor that does not move would loop for ever.
                Some(next) if Some(next) != cursor => cursor = Some(next),
                _ => return Ok(keys),
            }
        }
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

fn open(bucket: &str) -> Result<kv::Bucket, String> {
    kv::open(bucket).map_err(|e| kv_error(bucket, e))
}

fn kv_error(bucket: &str, e: kv::Error) -> String {
    match e {
        kv::Error::NoSuchStore => format!("no key-value bucket {bucket}"),
        kv::Error::AccessDenied => format!("access to key-value bucket {bucket} denied"),
        kv::Error::Other(m) => m,
    }
}

fn send(req: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let url =
        url::parse(&req.url).map_err(|e| TransportError::Network(format!("{}: {e}", req.url)))?;
    let dest = Dest {
        host: url.host.clone(),
        port: url.port.unwrap_or(if url.https { 443 } else { 80 }),
        timeout_secs: req.timeout_secs,
    };
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
    let headers = Fields::from_list(&entries).map_err(|e| {
        let why = match e {
            HeaderError::InvalidSyntax => "is not a valid HTTP header",
            HeaderError::Forbidden => "is one the host does not let a component set",
            HeaderError::Immutable => "cannot be changed",
        };
        TransportError::Network(format!("a header of the request to {} {why}", dest.host))
    })?;
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
        .map_err(|_| network("the host gave no request body to write"))?;

    let options = RequestOptions::new();
    let ns = req.timeout_secs.saturating_mul(1_000_000_000);
    // A host that does not support a timeout refuses it; the request still goes.
    let _ = options.set_connect_timeout(Some(ns));
    let _ = options.set_first_byte_timeout(Some(ns));
    let _ = options.set_between_bytes_timeout(Some(ns));

    // The request goes out first and its body streams after: the host's body
    // pipe holds only a few KiB, so writing a larger body (an UpdateItem for
    // fifty emails) before the request is sent would block forever.
    let pending =
        outgoing_handler::handle(request, Some(options)).map_err(|e| error_code(e, &dest))?;
    // A body the host would not take is reported as what the request came
    // to (refused, reset...), which the response says better.
    let written = write_body(&body, &req.body, &dest);
    let finished = OutgoingBody::finish(body, None).map_err(|e| error_code(e, &dest));
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(r))) => r,
        Some(Ok(Err(e))) => return Err(error_code(e, &dest)),
        Some(Err(())) | None => return Err(network("the host handed the response out twice")),
    };
    written?;
    finished?;
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
        .map_err(|_| network("the host gave no response body to read"))?;
    let body = read_body(incoming, announced, &dest)?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn write_body(body: &OutgoingBody, bytes: &[u8], dest: &Dest) -> Result<(), TransportError> {
    let stream = body
        .write()
        .map_err(|_| network("the host gave no request body stream to write"))?;
    for chunk in bytes.chunks(WRITE_CHUNK) {
        stream.blocking_write_and_flush(chunk).map_err(|e| {
            let code = stream_error_code(e);
            let why = code.map_or_else(
                || "the connection closed".to_string(),
                |c| error_code(c, dest).to_string(),
            );
            TransportError::Interrupted(format!(
                "sending the request to {} broke off: {why}",
                dest.host
            ))
        })?;
    }
    Ok(())
}

fn headers_length(headers: &[(String, String)]) -> Option<u64> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn read_body(
    incoming: IncomingBody,
    announced: Option<u64>,
    dest: &Dest,
) -> Result<Vec<u8>, TransportError> {
    // One allocation when the length is known: no doubling past the need.
    let mut out = Vec::with_capacity(announced.unwrap_or(0) as usize);
    {
        let stream = incoming
            .stream()
            .map_err(|_| network("the host gave no response body stream to read"))?;
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
                Err(e) => return Err(cut_off(stream_error_code(e), out.len(), announced, dest)),
            }
        }
    }
    // The stream is dropped; finishing the body reports trailers-level errors.
    let _ = IncomingBody::finish(incoming);
    Ok(out)
}

/// The wasi:http error behind a failed stream operation, if the host says.
fn stream_error_code(e: StreamError) -> Option<ErrorCode> {
    match e {
        StreamError::Closed => None,
        StreamError::LastOperationFailed(err) => http_error_code(&err),
    }
}

fn network(m: &str) -> TransportError {
    TransportError::Network(m.to_string())
}

/// Where a request went, for messages that name it.
pub struct Dest {
    /// As in the URL (an IPv6 literal keeps its brackets).
    pub host: String,
    pub port: u16,
    pub timeout_secs: u64,
}

/// A response body that broke off after `got` bytes.
fn cut_off(
    code: Option<ErrorCode>,
    got: usize,
    announced: Option<u64>,
    dest: &Dest,
) -> TransportError {
    let of = announced.map_or(String::new(), |n| format!(" of the {n} announced"));
    match code.map(|c| error_code(c, dest)) {
        Some(t @ TransportError::Timeout(_)) => t,
        _ => TransportError::Interrupted(format!(
            "the answer from {} was cut off after {got} bytes{of}: the connection closed \
             before the whole body arrived",
            dest.host
        )),
    }
}

/// Every wasi:http error as a plain sentence naming the host (and port),
/// and what to check where that is known.
pub fn error_code(e: ErrorCode, dest: &Dest) -> TransportError {
    let host = &dest.host;
    let at = format!("{host}:{}", dest.port);
    let secs = dest.timeout_secs;
    let tls = |why: &str| TransportError::Unreachable(format!("TLS with {host} failed: {why}"));
    let refused = |why: String| {
        TransportError::Network(format!("the request to {host} could not be sent: {why}"))
    };
    let answer =
        |why: String| TransportError::Network(format!("{host}'s answer could not be read: {why}"));
    match e {
        ErrorCode::HttpRequestDenied => TransportError::Denied(format!(
            "the host refused to connect to {at}: it is not in the allow-list, which is \
             made from ews_url, graph_url, graph_upload_url and token_url"
        )),
        ErrorCode::DnsTimeout => TransportError::Unreachable(format!(
            "cannot resolve {host}: the DNS lookup timed out; check this machine's DNS"
        )),
        ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => {
            TransportError::Unreachable(format!(
                "cannot resolve {host}: check ews_url (or graph_url, token_url) and this \
                 machine's DNS"
            ))
        }
        ErrorCode::DestinationUnavailable => {
            TransportError::Unreachable(format!("{at} cannot be reached"))
        }
        ErrorCode::DestinationIpProhibited => TransportError::Unreachable(format!(
            "the host may not connect to the address of {host}"
        )),
        ErrorCode::DestinationIpUnroutable => TransportError::Unreachable(format!(
            "the address of {host} cannot be routed to from this machine"
        )),
        ErrorCode::ConnectionRefused => TransportError::Unreachable(format!(
            "{at} refused the connection: nothing listens there or a firewall rejects it; \
             check the URL's host and port"
        )),
        ErrorCode::ConnectionLimitReached => {
            TransportError::Unreachable(format!("the host has no connection left for {at}"))
        }
        ErrorCode::ConnectionTerminated | ErrorCode::HttpResponseIncomplete => {
            TransportError::Interrupted(format!(
                "{at} closed the connection before a complete answer"
            ))
        }
        // What hyper gives when the connection closes before any response,
        // or when what came back is not HTTP.
        ErrorCode::HttpProtocolError | ErrorCode::HttpUpgradeFailed => {
            TransportError::Interrupted(format!(
                "the connection to {at} ended without a valid HTTP answer (closed, reset, \
                 or not HTTP)"
            ))
        }
        ErrorCode::ConnectionTimeout => TransportError::Timeout(format!(
            "timed out after {secs} s connecting to {at} (request_timeout_secs)"
        )),
        ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout => {
            TransportError::Timeout(format!(
                "timed out after {secs} s waiting for {host} (request_timeout_secs)"
            ))
        }
        ErrorCode::ConnectionWriteTimeout => TransportError::Timeout(format!(
            "timed out after {secs} s sending the request to {host} (request_timeout_secs)"
        )),
        ErrorCode::TlsProtocolError => tls(&format!(
            "the handshake did not complete: is {at} an HTTPS port, and is no proxy \
             breaking TLS in between?"
        )),
        ErrorCode::TlsCertificateError => tls(
            "its certificate is not trusted: expired, issued for another name, or signed \
             by an authority this host does not know",
        ),
        ErrorCode::TlsAlertReceived(p) => tls(&match (p.alert_id, p.alert_message) {
            (_, Some(m)) if !m.trim().is_empty() => {
                format!("it sent the TLS alert \"{}\"", m.trim())
            }
            (Some(id), _) => format!("it sent TLS alert {id}"),
            _ => "it sent a TLS alert".to_string(),
        }),
        ErrorCode::HttpRequestLengthRequired => refused("its body needs a length".into()),
        ErrorCode::HttpRequestBodySize(_) => refused("its body is not the length announced".into()),
        ErrorCode::HttpRequestMethodInvalid => refused("the method is not valid".into()),
        ErrorCode::HttpRequestUriInvalid => refused("the URL is not valid".into()),
        ErrorCode::HttpRequestUriTooLong => refused("the URL is too long".into()),
        ErrorCode::HttpRequestHeaderSectionSize(_)
        | ErrorCode::HttpRequestHeaderSize(_)
        | ErrorCode::HttpRequestTrailerSectionSize(_)
        | ErrorCode::HttpRequestTrailerSize(_) => refused("its headers are too large".into()),
        ErrorCode::HttpResponseHeaderSectionSize(_)
        | ErrorCode::HttpResponseHeaderSize(_)
        | ErrorCode::HttpResponseTrailerSectionSize(_)
        | ErrorCode::HttpResponseTrailerSize(_) => {
            answer("its headers are larger than the host accepts".into())
        }
        ErrorCode::HttpResponseBodySize(_) => TransportError::Interrupted(format!(
            "the answer from {host} is not the length its Content-Length announced"
        )),
        ErrorCode::HttpResponseTransferCoding(c) | ErrorCode::HttpResponseContentCoding(c) => {
            answer(match c {
                Some(c) if !c.trim().is_empty() => format!(
                    "it is encoded as {}, which the host cannot decode",
                    c.trim()
                ),
                _ => "it is encoded in a way the host cannot decode".into(),
            })
        }
        ErrorCode::LoopDetected => refused("the host detected a request loop".into()),
        ErrorCode::ConfigurationError => refused("the host's HTTP configuration refused it".into()),
        ErrorCode::InternalError(m) => refused(match m {
            Some(m) if !m.trim().is_empty() => {
                format!("the host's HTTP client failed: {}", m.trim())
            }
            _ => "the host's HTTP client failed".into(),
        }),
    }
}

#[cfg(test)]
mod tests;
