//! POSTs each item to the engine's ingest API (`engine_api_url`):
//! `Authorization: Basic base64(engine_access_id:engine_access_key)`,
//! `Idempotency-Key: <id>`, `Content-Type: application/json`, body
//! `{"id","record","files":[{"name","media_type","size","sha256","data_base64"}]}`.
//! 2xx = stored. 408, 429, 5xx and network errors are retried (Retry-After
//! honoured, in seconds or as an HTTP-date, else 1 s, 2 s, 4 s... at most
//! 30 s), 5 attempts in all,
//! then the step ends (transient). 401 and 403 end the step at once: the
//! engine refuses our credentials, which no item can fix and no item is to
//! blame for. Any other 4xx refuses this item for good (permanent: the
//! daemon dead-letters it). A 1xx or 3xx means the URL is not the API's own
//! (a redirect is never followed with credentials): the step ends.
//!
//! The host's own client (the allow-list is the component's, not the host's),
//! hyper over tokio, https through the rustls stack wasmtime-wasi-http uses,
//! trusting the system's certificate store plus `engine_ca_file` (PEM), if
//! set. One connection is kept alive across posts (HTTP/1.1 keep-alive) and
//! opened again only when the engine closed it. Every wait (a retry's
//! back-off, an attempt in flight) ends as soon as SIGINT/SIGTERM asks the
//! daemon to stop: the item is then not stored, and comes again next run.

use super::{encode, Envelope, Sink, SinkError};
use crate::bindings::exports::soar::integration::daemon::Item;
use crate::daemon::Stop;
use crate::error::{Failure, Kind};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::CertificateDer;

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
    /// The connection kept alive from one post to the next.
    conn: Option<SendRequest<Full<Bytes>>>,
    /// The daemon's stop request: every wait ends when it is made.
    stop: Arc<Stop>,
}

/// What one attempt got.
enum Attempt {
    Status(u16, Option<Duration>, String),
    Network(String),
    Stopped,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl HttpSink {
    pub fn from_config(
        url: Option<&str>,
        access_id: Option<&str>,
        access_key: Option<&str>,
        ca_file: Option<&Path>,
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
        // Checked whenever it is set, so that a bad file is found at start-up.
        let extra = ca_file.map(read_ca_file).transpose()?;
        let tls = match parsed.scheme() {
            "https" => Some(Arc::new(tls_config(extra.unwrap_or_default()))),
            "http" if crate::http_allow::allowed_hosts::is_loopback(host) => None,
            "http" => {
                return Err(Failure::invalid_input(format!(
                "engine_api_url: {url:?}: http:// is allowed only for loopback hosts; use https://"
            )))
            }
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
            conn: None,
            stop: Arc::default(),
        })
    }

    /// Waits (between attempts, and an attempt in flight) end on this stop.
    pub fn with_stop(mut self, stop: Arc<Stop>) -> Self {
        self.stop = stop;
        self
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

    /// A new connection, its driver spawned on the runtime.
    async fn open(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let io = self.connect().await?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// One attempt on the kept connection, or on a new one. A kept
    /// connection the engine closed meanwhile (its idle timeout) fails
    /// before any answer: that is tried once more at once, on a new one.
    async fn attempt(&mut self, id: &str, body: Bytes) -> Attempt {
        let mut kept = match self.conn.take() {
            Some(mut sender) => sender.ready().await.is_ok().then_some(sender),
            None => None,
        };
        loop {
            let reused = kept.is_some();
            let mut sender = match kept.take() {
                Some(sender) => sender,
                None => match self.open().await {
                    Ok(sender) => sender,
                    Err(e) => return Attempt::Network(e),
                },
            };
            match self.send(&mut sender, id, body.clone()).await {
                Ok((attempt, reusable)) => {
                    if reusable {
                        self.conn = Some(sender);
                    }
                    return attempt;
                }
                // The engine closed the kept one: again, on a new connection.
                Err(_) if reused => continue,
                Err(e) => return Attempt::Network(e),
            }
        }
    }

    /// The request on `sender`; the answer and whether the connection can
    /// take the next one (the whole body was read and it is still open).
    async fn send(
        &self,
        sender: &mut SendRequest<Full<Bytes>>,
        id: &str,
        body: Bytes,
    ) -> Result<(Attempt, bool), String> {
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
            Err(e) => {
                return Ok((
                    Attempt::Network(format!("cannot build the request: {e}")),
                    true,
                ))
            }
        };
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("{e}"))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(hyper::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        // The body only matters for an error message; read a bounded prefix.
        let (text, whole) = match Limited::new(response.into_body(), 64 * 1024)
            .collect()
            .await
        {
            Ok(b) => (String::from_utf8_lossy(&b.to_bytes()).into_owned(), true),
            Err(_) => (String::new(), false),
        };
        Ok((
            Attempt::Status(status, retry_after, text),
            whole && !sender.is_closed(),
        ))
    }
}

/// `Retry-After`: delay-seconds, or an HTTP-date (RFC 9110 10.2.3), which
/// is the time left until then (none when it has passed).
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Every certificate of `engine_ca_file` (PEM), or why not.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, Failure> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    let bad =
        |why: String| Failure::invalid_input(format!("engine_ca_file: {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("not a PEM certificate file: {e:?}")))?;
    if certs.is_empty() {
        return Err(bad(
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let mut probe = tokio_rustls::rustls::RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        probe
            .add(cert.clone())
            .map_err(|e| bad(format!("certificate {} cannot be trusted: {e}", i + 1)))?;
    }
    Ok(certs)
}

/// The system's certificate store (as OpenSSL finds it: SSL_CERT_FILE,
/// SSL_CERT_DIR, the distribution's bundle) plus `extra`. A system with no
/// store at all (a bare container) falls back to the built-in web roots.
fn tls_config(extra: Vec<CertificateDer<'static>>) -> tokio_rustls::rustls::ClientConfig {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots.add_parsable_certificates(extra);
    tokio_rustls::rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Resolves once `stop` is requested.
async fn stopped(stop: &Stop) {
    while !stop.requested() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
        403 => Verdict::Stop(Kind::Forbidden, "engine_access_id may not post records"),
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
        let stopped_while = |what: &str| {
            SinkError::new(
                Kind::Unavailable,
                format!("stopped by SIGINT/SIGTERM {what}; the item comes again at the next run"),
            )
        };
        for attempt in 1..=ATTEMPTS {
            if self.stop.requested() {
                return Err(stopped_while("before posting it"));
            }
            let stop = self.stop.clone();
            let result = wasmtime_wasi::runtime::in_tokio(async {
                let attempt =
                    tokio::time::timeout(ATTEMPT_TIMEOUT, self.attempt(&item.id, body.clone()));
                tokio::select! {
                    r = attempt => r.unwrap_or_else(|_| {
                        Attempt::Network(format!("no answer in {} s", ATTEMPT_TIMEOUT.as_secs()))
                    }),
                    _ = stopped(&stop) => Attempt::Stopped,
                }
            });
            let retry_after = match result {
                Attempt::Stopped => {
                    // The connection may be mid-request: never reuse it.
                    self.conn = None;
                    return Err(stopped_while("while posting it"));
                }
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
                    self.conn = None;
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
                if self.stop.wait(wait) {
                    return Err(stopped_while(&format!(
                        "while waiting to retry (the last attempt: {last})"
                    )));
                }
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
        let mut s = HttpSink::from_config(Some(url), Some("engine-id"), Some("k3y"), None).unwrap();
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
        assert!(matches!(
            classify(401),
            Verdict::Stop(Kind::Unauthorized, _)
        ));
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
            HttpSink::from_config(u, i, k, None).err().unwrap().message
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
        assert!(HttpSink::from_config(
            Some("https://engine.example/x"),
            Some("i"),
            Some("k"),
            None
        )
        .is_ok());
        assert!(
            HttpSink::from_config(Some("http://[::1]:9/x"), Some("i"), Some("k"), None).is_ok()
        );
    }

    #[test]
    fn delays() {
        let s =
            HttpSink::from_config(Some("http://127.0.0.1/"), Some("i"), Some("k"), None).unwrap();
        let secs: Vec<u64> = (1..=6).map(|a| s.delay(a, None).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30]);
        assert_eq!(s.delay(1, Some(Duration::from_secs(7))).as_secs(), 7);
        assert_eq!(s.delay(1, Some(Duration::from_secs(700))).as_secs(), 30);
    }

    /// Answers every request on every connection 201, keeping connections
    /// open; counts the connections accepted and the requests served.
    /// `first` is answered to the very first request instead.
    fn keep_alive_server(first: Option<String>) -> (String, Arc<Mutex<(usize, usize)>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/api/records", listener.local_addr().unwrap());
        let counts = Arc::new(Mutex::new((0, 0)));
        let seen = counts.clone();
        let first = Arc::new(Mutex::new(first));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                seen.lock().unwrap().0 += 1;
                let (seen, first) = (seen.clone(), first.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    loop {
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if let Some(v) =
                                line.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                length = v.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        seen.lock().unwrap().1 += 1;
                        let answer = first.lock().unwrap().take().unwrap_or_else(|| {
                            "HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n".into()
                        });
                        if stream.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (url, counts)
    }

    #[test]
    fn several_posts_reuse_one_connection() {
        let (url, counts) = keep_alive_server(None);
        let mut s = sink(&url);
        for n in 0..5 {
            s.store(&item(&format!("ews-{n}"), &[("message.eml", b"m")]))
                .unwrap();
        }
        assert_eq!(*counts.lock().unwrap(), (1, 5), "(connections, posts)");
    }

    #[test]
    fn a_connection_the_engine_closed_is_opened_again() {
        // The first answer closes its connection; the next post opens another.
        let close = "HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let (url, counts) = keep_alive_server(Some(close.into()));
        let mut s = sink(&url);
        for n in 0..3 {
            s.store(&item(&format!("ews-{n}"), &[])).unwrap();
        }
        let (connections, posts) = *counts.lock().unwrap();
        assert_eq!(posts, 3);
        assert_eq!(connections, 2);
    }

    #[test]
    fn retry_after_as_an_http_date_is_honoured() {
        let now = std::time::SystemTime::now();
        let in_2s = httpdate::fmt_http_date(now + Duration::from_secs(2));
        let answer =
            format!("HTTP/1.1 503 Busy\r\nretry-after: {in_2s}\r\ncontent-length: 0\r\n\r\n");
        let (url, counts) = keep_alive_server(Some(answer));
        let start = std::time::Instant::now();
        // base_delay is 5 ms: only the date can make it wait a second or more.
        sink(&url).store(&item("ews-1", &[])).unwrap();
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(900), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        assert_eq!(counts.lock().unwrap().1, 2);
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let p = |v: &str| parse_retry_after(v, now);
        assert_eq!(p("120"), Some(Duration::from_secs(120)));
        assert_eq!(p(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            p("Sun, 06 Nov 1994 08:50:37 GMT"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            p("Sun, 06 Nov 1994 08:00:00 GMT"),
            Some(Duration::ZERO),
            "past"
        );
        assert_eq!(
            p("Sunday, 06-Nov-94 08:49:47 GMT"),
            Some(Duration::from_secs(10))
        );
        assert_eq!(p("Sun Nov  6 08:49:57 1994"), Some(Duration::from_secs(20)));
        assert_eq!(p("soon"), None);
        assert_eq!(p("-5"), None);
    }

    /// Stores one item while SIGTERM's stop request comes 300 ms in: the
    /// failure and how long the store took.
    fn store_stopped_after_300ms(s: HttpSink) -> (SinkError, Duration) {
        let stop = Arc::new(Stop::default());
        let mut s = s.with_stop(stop.clone());
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            stop.request();
        });
        let start = std::time::Instant::now();
        let e = s.store(&item("ews-1", &[])).unwrap_err();
        let took = start.elapsed();
        stopper.join().unwrap();
        (e, took)
    }

    #[test]
    fn a_stop_during_a_retry_wait_ends_it_promptly() {
        // 60 s asked for (30 s after the cap): the stop must end it at once.
        let busy = "HTTP/1.1 429 Busy\r\nretry-after: 60\r\ncontent-length: 0\r\n\r\n";
        let (url, counts) = keep_alive_server(Some(busy.into()));
        let (e, took) = store_stopped_after_300ms(sink(&url));
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(!e.is_permanent());
        assert!(
            e.message.contains("while waiting to retry"),
            "{}",
            e.message
        );
        assert_eq!(counts.lock().unwrap().1, 1, "no second attempt");
    }

    #[test]
    fn a_stop_during_an_attempt_ends_it_promptly() {
        // An engine that accepts and never answers.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let hold = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
        let (e, took) = store_stopped_after_300ms(sink(&url));
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(e.message.contains("while posting it"), "{}", e.message);
        drop(hold.join());
    }

    /// A private CA, and a certificate it signed for 127.0.0.1 and localhost.
    fn private_ca() -> (String, CertificateDer<'static>, Vec<u8>) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(ca, ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        (ca.pem(), leaf.der().clone(), key.serialize_der())
    }

    /// An https engine on loopback with `cert`, answering 201 to each post.
    fn tls_server(cert: CertificateDer<'static>, key: Vec<u8>) -> (String, Arc<Mutex<usize>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
        let config = tokio_rustls::rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("https://{}/api/records", listener.local_addr().unwrap());
        let posts = Arc::new(Mutex::new(0));
        let seen = posts.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else { return };
                    let Ok(mut tls) = acceptor.accept(tcp).await else { continue };
                    // One request a connection is enough here; read its head
                    // and body (Content-Length) and answer.
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let n = tls.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length: usize = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse().unwrap())
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + length {
                                break;
                            }
                        }
                    }
                    *seen.lock().unwrap() += 1;
                    let _ = tls
                        .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                    let _ = tls.shutdown().await;
                }
            })
        });
        (url, posts)
    }

    #[test]
    fn an_engine_certified_by_a_private_ca_is_trusted_through_engine_ca_file() {
        let (ca_pem, cert, key) = private_ca();
        let (url, posts) = tls_server(cert, key);
        let dir = super::super::test_items::scratch("http-ca");
        std::fs::create_dir_all(&dir).unwrap();
        let ca_file = dir.join("engine-ca.pem");
        std::fs::write(&ca_file, &ca_pem).unwrap();

        // Without the CA: the system's store does not know it.
        let e = sink(&url).store(&item("ews-1", &[])).unwrap_err();
        assert!(e.message.contains("TLS"), "{}", e.message);
        assert_eq!(*posts.lock().unwrap(), 0);

        let mut s =
            HttpSink::from_config(Some(&url), Some("engine-id"), Some("k3y"), Some(&ca_file))
                .unwrap();
        s.base_delay = Duration::from_millis(5);
        s.store(&item("ews-1", &[("message.eml", b"m")])).unwrap();
        assert_eq!(*posts.lock().unwrap(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn engine_ca_file_is_checked_at_start_up() {
        let dir = super::super::test_items::scratch("http-ca-bad");
        std::fs::create_dir_all(&dir).unwrap();
        let url = Some("https://engine.example/api/records");
        let err = |path: &Path| {
            HttpSink::from_config(url, Some("i"), Some("k3y-k3y-k3y"), Some(path))
                .err()
                .expect("refused")
        };
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let broken = dir.join("broken.pem");
        let pem = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
        std::fs::write(&broken, pem).unwrap();
        for (path, why) in [
            (dir.join("missing.pem"), "cannot read it"),
            (junk, "no PEM certificate"),
            (broken, ""),
        ] {
            let e = err(&path);
            assert_eq!(e.kind, Kind::InvalidInput);
            let m = &e.message;
            assert!(m.starts_with("engine_ca_file: ") && m.contains(why), "{m}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
