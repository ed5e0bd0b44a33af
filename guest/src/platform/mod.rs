//! The component's imports as plain Rust: one `Host` trait that the logic is
//! written against, so that everything above it runs natively in unit tests
//! with `fake::FakeHost`, and only `wasi.rs` names wit-bindgen types.

pub mod url;
pub mod wasi;

#[cfg(test)]
pub mod fake;

/// A file handed in by or returned to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

/// The HTTP methods the component uses: SOAP and the token endpoint take
/// POST; REST APIs (Microsoft Graph) the others too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(dead_code)] // GET, PATCH, PUT, DELETE: for the Graph transport
pub enum Method {
    Get,
    #[default]
    Post,
    Patch,
    Put,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// Absolute `http(s)://host[:port]/path?query`, already checked by config.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header of that name, compared case-insensitively as HTTP does.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Larger answers are refused rather than risk the host's memory limit
/// (512 MiB per call by default): a response, its parsed tree and the decoded
/// MIME are all alive at once while a batch is read.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Why no (whole) HTTP response arrived. Each message is for a person: it
/// names the host (and port) and, where known, what to check; never a Rust
/// type's debug form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The answer is larger than `limit` bytes (MAX_RESPONSE_BYTES): ask for less.
    TooLarge { limit: u64 },
    /// The host refused the destination (not in its allow-list).
    Denied(String),
    /// No answer within `request_timeout_secs`: the request may have been
    /// carried out.
    Timeout(String),
    /// The destination could not be reached (DNS, a refused connection, TLS):
    /// nothing reached Exchange, and trying again at once would fail the same way.
    Unreachable(String),
    /// The connection ended before a whole answer arrived: closed or reset
    /// before any response, or a body cut short of its Content-Length. The
    /// request may have been carried out.
    Interrupted(String),
    /// Anything else the host's HTTP client refused or failed at.
    Network(String),
}

impl TransportError {
    /// A failure the same request may well not meet again straight away: a
    /// timeout, or a connection that broke off before a whole answer.
    /// (Whether sending it again is safe is the caller's to decide: it may
    /// have been carried out.)
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            TransportError::Timeout(_) | TransportError::Interrupted(_)
        )
    }
}

/// What a client (one per call) may still send again at once: any request
/// whose answer broke off, but a timed-out one only once per call, so that a
/// dead server costs at most twice request_timeout_secs.
#[derive(Debug, Default)]
pub struct RetryBudget {
    timeout_spent: bool,
}

impl RetryBudget {
    /// Whether a request that met `t` may be sent again at once.
    pub fn allows(&mut self, t: &TransportError) -> bool {
        match t {
            TransportError::Timeout(_) if self.timeout_spent => false,
            TransportError::Timeout(_) => {
                self.timeout_spent = true;
                true
            }
            other => other.is_transient(),
        }
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::TooLarge { limit } => write!(
                f,
                "the answer is larger than the {} MiB a call may read",
                limit / (1024 * 1024)
            ),
            TransportError::Denied(m)
            | TransportError::Timeout(m)
            | TransportError::Unreachable(m)
            | TransportError::Interrupted(m)
            | TransportError::Network(m) => f.write_str(m),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

/// The bucket named in docs/contract.md: the token cache's, and the
/// daemon's state before it had buckets of its own.
pub const SHARED_BUCKET: &str = "ews";

/// Everything the component may do outside itself. Storage and config
/// failures are strings: the caller decides which failure class they are.
pub trait Host {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Seconds since the Unix epoch, from the host's wall clock.
    fn now_unix_secs(&self) -> u64;
    fn random_bytes(&self, len: usize) -> Vec<u8>;
    fn config_get(&self, key: &str) -> Result<Option<String>, String>;
    /// `Ok(None)` when the host has no secret of that name.
    fn secret(&self, name: &str) -> Result<Option<String>, String>;
    /// wasi:keyvalue in `bucket`: [`SHARED_BUCKET`], or one of the daemon's
    /// per-scope buckets (daemon/checkpoint.rs).
    fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String>;
    fn kv_set(&self, bucket: &str, key: &str, value: &[u8]) -> Result<(), String>;
    fn kv_delete(&self, bucket: &str, key: &str) -> Result<(), String>;
    /// Every key in `bucket` (the host pages them; the caller gets them all).
    fn kv_keys(&self, bucket: &str) -> Result<Vec<String>, String>;
    /// `context` is the module (`ews.client`, `auth.oauth2`); never a secret in `message`.
    fn log(&self, level: Level, context: &str, message: &str);
}

/// The headers that let Microsoft trace a request (`client-request-id`,
/// echoed back) and name the client, with the id for the log.
pub fn trace_headers(host: &dyn Host) -> (String, Vec<(String, String)>) {
    let id = uuid_v4(host);
    let headers = vec![
        ("client-request-id".to_string(), id.clone()),
        ("return-client-request-id".to_string(), "true".to_string()),
        (
            "User-Agent".to_string(),
            concat!("ews-guest/", env!("CARGO_PKG_VERSION")).to_string(),
        ),
    ];
    (id, headers)
}

/// Sends `request`, logging at debug level what it was for, its
/// client-request-id and how it ended (never a header or a body).
pub fn send_logged(
    host: &dyn Host,
    context: &str,
    what: &str,
    request_id: &str,
    request: &HttpRequest,
) -> Result<HttpResponse, TransportError> {
    let result = host.send(request);
    let outcome = match &result {
        Ok(r) => format!("HTTP {}", r.status),
        Err(e) => e.to_string(),
    };
    host.log(
        Level::Debug,
        context,
        &format!("{what} client-request-id={request_id}: {outcome}"),
    );
    result
}

/// A random (version 4) UUID, for `client-request-id`.
pub fn uuid_v4(host: &dyn Host) -> String {
    let mut b = host.random_bytes(16);
    b.resize(16, 0);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant_bits() {
        let host = fake::FakeHost::default();
        let id = uuid_v4(&host);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }
}

/// `Retry-After` as milliseconds: delta-seconds, or an HTTP date against `now`.
pub fn retry_after_ms(resp: &HttpResponse, now_unix: u64) -> Option<u64> {
    let v = resp.header("Retry-After")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let at = crate::time::parse_http_date(v)?;
    Some((at - now_unix as i64).max(0) as u64 * 1000)
}

#[cfg(test)]
mod retry_tests {
    use super::*;

    #[test]
    fn reads_retry_after_both_ways() {
        let resp = |v: &str| HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), v.into())],
            body: vec![],
        };
        assert_eq!(retry_after_ms(&resp("7"), 0), Some(7000));
        assert_eq!(
            retry_after_ms(&resp("Thu, 01 Jan 1970 00:01:40 GMT"), 40),
            Some(60_000)
        );
        assert_eq!(retry_after_ms(&resp("soon"), 0), None);
    }
}
