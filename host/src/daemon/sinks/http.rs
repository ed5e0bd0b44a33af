//! POSTs each item to the engine's ingest API (`engine_api_url`):
//! `Authorization: Basic base64(engine_access_id:engine_access_key)`,
//! `Idempotency-Key: <id>`, `Content-Type: application/json`, body
//! `{"id","record","files":[{"name","media_type","size","sha256","data_base64"}]}`.
//! 2xx = stored. 408, 429, 5xx and network errors are retried (Retry-After
//! seconds honoured, else 1 s, 2 s, 4 s... at most 30 s), 5 attempts in all,
//! then the step ends (transient). 401 and 403 end the step at once: the
//! engine refuses our credentials, which no item can fix and no item is to
//! blame for. Any other 4xx refuses this item for good (permanent: the
//! daemon dead-letters it). A 1xx or 3xx means the URL is not the API's own
//! (a redirect is never followed with credentials): the step ends.
//!
//! The host's own client (the allow-list is the component's, not the host's),
//! hyper over tokio, https through the rustls stack wasmtime-wasi-http uses.

use super::{encode, Envelope, Sink, SinkError};
use crate::bindings::exports::soar::integration::daemon::Item;
use crate::error::{Failure, Kind};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub const ATTEMPTS: u32 = 5;
const MAX_DELAY: Duration = Duration::from_secs(30);
/// One attempt, connection to response body.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);

pub struct HttpSink {
    url: url::Url,
    authorization: String,
    tls: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
    /// The first retry delay (1 s; shorter in tests).
    base_delay: Duration,
}

/// What one attempt got.
enum Attempt {
    Status(u16, Option<Duration>, String),
    Network(String),
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl HttpSink {
    pub fn from_config(
        url: Option<&str>,
        access_id: Option<&str>,
        access_key: Option<&str>,
    ) -> Result<HttpSink, Failure> {
        let url = url.ok_or_else(|| {
            Failure::invalid_input("engine_api_url is required when sink = \"http\"")
        })?;
        let parsed = url::Url::parse(url).map_err(|e| {
            Failure::invalid_input(format!("engine_api_url: {url:?} is not a URL: {e}"))
        })?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Failure::invalid_input(
                "engine_api_url: a user name or password in the URL is refused (use engine_access_id and engine_access_key)",
            ));
        }
        let host = parsed.host_str().unwrap_or("");
        let tls = match parsed.scheme() {
            "https" => Some(Arc::new(tls_config())),
            "http" if crate::http_allow::allowed_hosts::is_loopback(host) => None,
            "http" => return Err(Failure::invalid_input(format!(
                "engine_api_url: {url:?}: http:// is allowed only for loopback hosts; use https://"
            ))),
            _ => {
                return Err(Failure::invalid_input(format!(
                    "engine_api_url: {url:?}: expected https://"
                )))
            }
        };
        if host.is_empty() {
            return Err(Failure::invalid_input(format!(
                "engine_api_url: {url:?} has no host"
            )));
        }
        let id = access_id.filter(|s| !s.is_empty()).ok_or_else(|| {
            Failure::invalid_input("engine_access_id is required when sink = \"http\"")
        })?;
        let key = access_key.ok_or_else(|| {
            Failure::invalid_input(
                "engine_access_key is required when sink = \"http\" (EWS_ENGINE_ACCESS_KEY or engine_access_key_file)",
            )
        })?;
        let authorization = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{key}"))
        );
        Ok(HttpSink {
            url: parsed,
            authorization,
            tls,
            base_delay: Duration::from_secs(1),
        })
    }

    /// `scheme://host:port/path`, for the start-up line.
    pub fn target(&self) -> String {
        let mut u = self.url.clone();
        u.set_query(None);
        u.to_string()
    }

    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after
            .unwrap_or_else(|| self.base_delay.saturating_mul(1 << (attempt - 1).min(16)))
            .min(MAX_DELAY)
    }

    async fn connect(&self) -> Result<Box<dyn Io>, String> {
        let host = self.url.host_str().unwrap_or("");
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = self.url.port_or_known_default().unwrap_or(443);
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Box::new(tcp)),
            Some(config) => {
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
                    .map_err(|e| format!("TLS: {host}: {e}"))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS with {host}: {e}"))?;
                Ok(Box::new(tls))
            }
        }
    }

    async fn attempt(&self, id: &str, body: Bytes) -> Attempt {
        let io = match self.connect().await {
            Ok(io) => io,
            Err(e) => return Attempt::Network(e),
        };
        let (mut sender, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(io)).await
        {
            Ok(x) => x,
            Err(e) => return Attempt::Network(format!("HTTP handshake: {e}")),
        };
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let path = match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_string(),
        };
        let authority = match self.url.port() {
            Some(p) => format!("{}:{p}", self.url.host_str().unwrap_or("")),
            None => self.url.host_str().unwrap_or("").to_string(),
        };
        let request = hyper::Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::AUTHORIZATION, &self.authorization)
            .header("Idempotency-Key", id)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(body));
        let request = match request {
            Ok(r) => r,
            Err(e) => return Attempt::Network(format!("cannot build the request: {e}")),
        };
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => return Attempt::Network(format!("{e}")),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(hyper::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        // The body only matters for an error message; read a bounded prefix.
        let text = match Limited::new(response.into_body(), 64 * 1024)
            .collect()
            .await
        {
            Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
            Err(_) => String::new(),
        };
        Attempt::Status(status, retry_after, text)
    }
}

fn tls_config() -> tokio_rustls::rustls::ClientConfig {
    let roots = tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.into(),
    };
    tokio_rustls::rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// What a status says about the item.
#[derive(Debug, PartialEq)]
enum Verdict {
    Stored,
    /// Worth another attempt (after Retry-After, if the engine gave one).
    Retry,
    /// Neither the item's fault nor worth retrying now: the step ends, and
    /// the hint tells the operator what to fix.
    Stop(Kind, &'static str),
    /// The engine refuses this very item; it would refuse it every time.
    Refused,
}

fn classify(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Stored,
        408 | 429 | 500.. => Verdict::Retry,
        401 => Verdict::Stop(
            Kind::Unauthorized,
            "check engine_access_id and engine_access_key",
        ),
        403 => Verdict::Stop(
            Kind::Forbidden,
            "engine_access_id may not post records",
        ),
        // A POST that finds no resource, or a method the URL does not take,
        // says the URL is wrong, not the record: dead-lettering would take
        // every email out of the queue because of one typo in the config.
        404 | 405 => Verdict::Stop(
            Kind::InvalidInput,
            "expected engine_api_url to be the engine's records endpoint",
        ),
        400..=499 => Verdict::Refused,
        _ => Verdict::Stop(
            Kind::InvalidInput,
            "expected engine_api_url to be the API's own URL, answering 2xx",
        ),
    }
}

/// The first 200 characters of a response body, on one line.
fn excerpt(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    one_line.trim().to_string()
}

impl Sink for HttpSink {
    fn store(&mut self, item: &Item) -> Result<(), SinkError> {
        let envelope = Envelope::new(item, true)?;
        let body = Bytes::from(encode(&envelope)?);
        // The id goes into a header: one that cannot would fail every attempt.
        if hyper::header::HeaderValue::from_str(&item.id).is_err() {
            return Err(SinkError::permanent(
                Kind::Internal,
                format!("item id {:?} cannot be an Idempotency-Key header", item.id),
            ));
        }
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let result = wasmtime_wasi::runtime::in_tokio(async {
                tokio::time::timeout(ATTEMPT_TIMEOUT, self.attempt(&item.id, body.clone()))
                    .await
                    .unwrap_or_else(|_| {
                        Attempt::Network(format!("no answer in {} s", ATTEMPT_TIMEOUT.as_secs()))
                    })
            });
            let retry_after = match result {
                Attempt::Status(s, retry_after, text) => {
                    let answer = format!("HTTP {s}: {}", excerpt(&text));
                    match classify(s) {
                        Verdict::Stored => return Ok(()),
                        Verdict::Retry => {
                            last = answer;
                            retry_after
                        }
                        Verdict::Stop(kind, hint) => {
                            return Err(SinkError::new(
                                kind,
                                format!("engine_api_url answered {answer} ({hint})"),
                            ))
                        }
                        Verdict::Refused => {
                            return Err(SinkError::permanent(
                                Kind::InvalidInput,
                                format!("engine_api_url answered {answer}"),
                            ))
                        }
                    }
                }
                Attempt::Network(e) => {
                    last = e;
                    None
                }
            };
            if attempt < ATTEMPTS {
                let wait = self.delay(attempt, retry_after);
                eprintln!(
                    "daemon: http sink: item {:?}: attempt {attempt} failed ({last}); retrying in {}",
                    item.id,
                    super::super::human(wait)
                );
                std::thread::sleep(wait);
            }
        }
        Err(SinkError::new(
            Kind::Unavailable,
            format!("engine_api_url: {ATTEMPTS} attempts failed, the last: {last}"),
        ))
    }

    fn name(&self) -> &'static str {
        "http"
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_items::item;
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::Mutex;

    #[derive(Debug, Clone)]
    struct Seen {
        head: String,
        body: String,
    }

    /// Answers each connection with the next scripted response; records
    /// every request.
    fn server(script: Vec<&'static str>) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/api/ingest?x=1", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for answer in script {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    if line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                log.lock().unwrap().push(Seen {
                    head,
                    body: String::from_utf8(body).unwrap(),
                });
                let mut stream = stream;
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        (url, seen)
    }

    const OK: &str = "HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    const DOWN: &str =
        "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy";
    const SLOW: &str =
        "HTTP/1.1 429 Too Many Requests\r\nretry-after: 0\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    const BAD: &str =
        "HTTP/1.1 422 Unprocessable\r\ncontent-length: 14\r\nconnection: close\r\n\r\nbad\nrecord {x}";

    const DENIED: &str =
        "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    const TIMEOUT: &str =
        "HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

    fn sink(url: &str) -> HttpSink {
        let mut s = HttpSink::from_config(Some(url), Some("engine-id"), Some("k3y")).unwrap();
        s.base_delay = Duration::from_millis(5);
        s
    }

    #[test]
    fn posts_with_auth_and_idempotency_key_retrying_503() {
        let (url, seen) = server(vec![DOWN, SLOW, OK]);
        let mut s = sink(&url);
        s.store(&item("ews-1", &[("message.eml", b"abc")])).unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3);
        for req in &seen {
            let head = req.head.to_ascii_lowercase();
            assert!(
                head.starts_with("post /api/ingest?x=1 http/1.1\r\n"),
                "{head}"
            );
            // base64("engine-id:k3y")
            assert!(
                head.contains("authorization: basic zw5naw5llwlkomszeq==\r\n"),
                "{head}"
            );
            assert!(head.contains("idempotency-key: ews-1\r\n"), "{head}");
            assert!(
                head.contains("content-type: application/json\r\n"),
                "{head}"
            );
        }
        assert!(seen[0].head.contains("Basic ZW5naW5lLWlkOmszeQ=="));
        let body: serde_json::Value = serde_json::from_str(&seen[2].body).unwrap();
        assert_eq!(body["id"], "ews-1");
        assert_eq!(body["record"]["subject"], "hi");
        assert_eq!(body["files"][0]["name"], "message.eml");
        assert_eq!(body["files"][0]["size"], 3);
        assert_eq!(body["files"][0]["data_base64"], "YWJj");
        assert_eq!(
            body["files"][0]["sha256"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn gives_up_after_five_attempts() {
        let (url, seen) = server(vec![DOWN; 6]);
        let e = sink(&url).store(&item("ews-1", &[])).unwrap_err();
        assert_eq!(e.kind, Kind::Unavailable);
        assert!(!e.is_permanent());
        assert!(e.message.contains("5 attempts"), "{}", e.message);
        assert!(e.message.contains("HTTP 503: busy"), "{}", e.message);
        assert_eq!(seen.lock().unwrap().len(), 5);
    }

    #[test]
    fn statuses() {
        for s in [200, 201, 204, 299] {
            assert_eq!(classify(s), Verdict::Stored, "{s}");
        }
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert_eq!(classify(s), Verdict::Retry, "{s}");
        }
        for s in [400, 409, 410, 413, 415, 422, 451, 499] {
            assert_eq!(classify(s), Verdict::Refused, "{s}");
        }
        assert!(matches!(classify(401), Verdict::Stop(Kind::Unauthorized, _)));
        assert!(matches!(classify(403), Verdict::Stop(Kind::Forbidden, _)));
        for s in [100, 301, 302, 304, 307, 308, 404, 405] {
            assert!(
                matches!(classify(s), Verdict::Stop(Kind::InvalidInput, _)),
                "{s}"
            );
        }
    }

    #[test]
    fn refused_credentials_end_the_step_without_blaming_the_item() {
        let (url, seen) = server(vec![DENIED, OK]);
        let e = sink(&url).store(&item("ews-1", &[])).unwrap_err();
        assert_eq!(e.kind, Kind::Unauthorized);
        assert!(!e.is_permanent());
        assert!(
            e.message
                .ends_with("(check engine_access_id and engine_access_key)"),
            "{}",
            e.message
        );
        assert_eq!(seen.lock().unwrap().len(), 1, "not retried");
    }

    #[test]
    fn an_id_that_cannot_be_a_header_is_refused_for_good() {
        let e = sink("http://127.0.0.1:9/")
            .store(&item("ews-\u{7f}", &[]))
            .unwrap_err();
        assert!(e.is_permanent(), "{}", e.message);
        assert!(e.message.contains("Idempotency-Key"), "{}", e.message);
    }

    #[test]
    fn a_timeout_408_is_retried() {
        let (url, seen) = server(vec![TIMEOUT, OK]);
        sink(&url).store(&item("ews-1", &[])).unwrap();
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[test]
    fn other_4xx_refuses_the_item_for_good_at_once() {
        let (url, seen) = server(vec![BAD, OK]);
        let e = sink(&url).store(&item("ews-1", &[])).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidInput);
        assert!(e.is_permanent());
        assert_eq!(
            e.message,
            "engine_api_url answered HTTP 422: bad record {x}"
        );
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[test]
    fn connection_refused_is_retried_then_fails() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = sink(&format!("http://127.0.0.1:{port}/"))
            .store(&item("ews-1", &[]))
            .unwrap_err();
        assert_eq!(e.kind, Kind::Unavailable);
        assert!(e.message.contains("cannot connect"), "{}", e.message);
    }

    #[test]
    fn config_is_checked() {
        let err = |u: Option<&str>, i: Option<&str>, k: Option<&str>| {
            HttpSink::from_config(u, i, k).err().unwrap().message
        };
        assert!(err(None, Some("i"), Some("k")).starts_with("engine_api_url is required"));
        assert!(err(Some("http://engine.example/x"), Some("i"), Some("k"))
            .contains("only for loopback"));
        assert!(
            err(Some("https://u:p@engine.example/x"), Some("i"), Some("k")).contains("refused")
        );
        assert!(err(Some("https://engine.example/x"), None, Some("k"))
            .starts_with("engine_access_id is required"));
        assert!(err(Some("https://engine.example/x"), Some("i"), None)
            .starts_with("engine_access_key is required"));
        assert!(
            HttpSink::from_config(Some("https://engine.example/x"), Some("i"), Some("k")).is_ok()
        );
        assert!(HttpSink::from_config(Some("http://[::1]:9/x"), Some("i"), Some("k")).is_ok());
    }

    #[test]
    fn delays() {
        let s = HttpSink::from_config(Some("http://127.0.0.1/"), Some("i"), Some("k")).unwrap();
        let secs: Vec<u64> = (1..=6).map(|a| s.delay(a, None).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30]);
        assert_eq!(s.delay(1, Some(Duration::from_secs(7))).as_secs(), 7);
        assert_eq!(s.delay(1, Some(Duration::from_secs(700))).as_secs(), 30);
    }
}
