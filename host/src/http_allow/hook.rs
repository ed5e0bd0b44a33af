//! The single choke point for outbound HTTP: every request the component
//! makes through wasi:http passes `send_request` here, and anything not on
//! the allow-list gets `HttpRequestDenied` (as Spin's outbound-http
//! `prepare_request` does). Allowed requests go to wasmtime's default client.

use super::allowed_hosts::{describe, forbidden_target, host_of, AllowedHosts};
use crate::logging::{Level, Logger};
use http_body_util::BodyExt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

pub struct AllowListHooks {
    allowed: Arc<AllowedHosts>,
    logger: Logger,
    /// Flushed before a request leaves: what the guest wrote before it
    /// asked is durable before the world hears (keyvalue::Store::flush).
    kv: Arc<dyn crate::keyvalue::Store>,
    /// When the current call must end (set by the runtime before each
    /// call). Epochs cannot interrupt the host while it waits on the
    /// network, so the request itself is bounded by what the call has left.
    pub deadline: Option<Instant>,
}

impl AllowListHooks {
    pub fn new(
        allowed: Arc<AllowedHosts>,
        logger: Logger,
        kv: Arc<dyn crate::keyvalue::Store>,
    ) -> Self {
        AllowListHooks {
            allowed,
            logger,
            kv,
            deadline: None,
        }
    }
}

/// The request's own timeouts, none longer than `left`.
fn bounded(options: Option<RequestOptions>, left: Duration) -> RequestOptions {
    let o = options.unwrap_or_default();
    let cap = |d: Option<Duration>| Some(d.map_or(left, |d| d.min(left)));
    RequestOptions {
        connect_timeout: cap(o.connect_timeout),
        first_byte_timeout: cap(o.first_byte_timeout),
        between_bytes_timeout: cap(o.between_bytes_timeout),
    }
}

type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;
type SendFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), Error>> + Send>;

impl WasiHttpHooks for AllowListHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: IoFuture,
    ) -> SendFuture {
        let uri = request.uri();
        // wasi-http fills in the scheme before this hook; https if unset.
        let scheme = uri.scheme_str().unwrap_or("https").to_string();
        let authority = uri
            .authority()
            .map(|a| a.as_str())
            .unwrap_or("")
            .to_string();
        if !self.allowed.allows(&scheme, &authority) {
            // Redacted by the logger: a hostname can carry a leaked secret.
            self.logger.host(
                Level::Warn,
                "http",
                &format!(
                    "refused outbound request to {} (not in the allow-list)",
                    describe(&scheme, &authority)
                ),
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        if let Err(e) = self.kv.flush() {
            self.logger.host(
                Level::Error,
                "keyvalue",
                &format!("the state could not be saved, so the request is not sent: {e:#}"),
            );
            return Box::new(async move {
                Err(Error::InternalError(Some(format!(
                    "the host could not save the component's state: {e:#}"
                ))))
            });
        }
        self.logger.host(
            Level::Debug,
            "http",
            &format!("{} {}", request.method(), describe(&scheme, &authority)),
        );
        let deadline = self.deadline;
        let logger = self.logger.clone();
        let target = describe(&scheme, &authority);
        let host = host_of(&authority).unwrap_or_default();
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "http" { 80 } else { 443 });
        Box::new(async move {
            // A lookup that fails is left to the request, whose error says so.
            if let Ok(addrs) = tokio::net::lookup_host((host.as_str(), port)).await {
                let ips: Vec<std::net::IpAddr> = addrs.map(|a| a.ip()).collect();
                if let Some(ip) = forbidden_target(&host, &ips) {
                    logger.host(
                        Level::Warn,
                        "http",
                        &format!("refused outbound request to {target}: the name resolves to {ip}, this machine's own address"),
                    );
                    return Err(Error::HttpRequestDenied);
                }
            }
            let (res, io) = match deadline {
                None => wasmtime_wasi_http::default_send_request(request, options).await?,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    let send = wasmtime_wasi_http::default_send_request(
                        request,
                        Some(bounded(options, left)),
                    );
                    tokio::time::timeout(left, send)
                        .await
                        .map_err(|_| Error::ConnectionReadTimeout)??
                }
            };
            let res = res.map(|b| b.map_err(Into::into).boxed_unsync());
            Ok((res, Box::new(io) as IoFuture))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state store whose commit fails (a full disk).
    struct Unsaveable;

    impl crate::keyvalue::Store for Unsaveable {
        fn get(&self, _: &str, _: &str) -> anyhow::Result<Option<Vec<u8>>> {
            Ok(None)
        }
        fn set(&self, _: &str, _: &str, _: &[u8]) -> anyhow::Result<()> {
            Ok(())
        }
        fn delete(&self, _: &str, _: &str) -> anyhow::Result<()> {
            Ok(())
        }
        fn exists(&self, _: &str, _: &str) -> anyhow::Result<bool> {
            Ok(false)
        }
        fn list_keys(&self, _: &str, _: u64, _: u64) -> anyhow::Result<Vec<String>> {
            Ok(vec![])
        }
        fn flush(&self) -> anyhow::Result<()> {
            anyhow::bail!("disk full")
        }
    }

    /// What the guest wrote must be saved before the world hears of it:
    /// an allowed request whose state cannot be saved is not sent.
    #[test]
    fn a_request_is_not_sent_when_the_state_before_it_cannot_be_saved() {
        let mut allowed = AllowedHosts::default();
        allowed.push(
            super::super::allowed_hosts::AllowedHost::parse("https://outlook.example").unwrap(),
        );
        let mut hooks = AllowListHooks::new(
            Arc::new(allowed),
            Logger::new(Level::Error, Arc::default()),
            Arc::new(Unsaveable),
        );
        let body = http_body_util::Empty::new()
            .map_err(|never| match never {})
            .boxed_unsync();
        let request = http::Request::builder()
            .uri("https://outlook.example/EWS/Exchange.asmx")
            .body(body)
            .unwrap();
        let sent = hooks.send_request(request, None, Box::new(async { Ok(()) }));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        match runtime.block_on(Box::into_pin(sent)) {
            Err(Error::InternalError(Some(m))) => assert!(m.contains("disk full"), "{m}"),
            Err(e) => panic!("another refusal: {e:?}"),
            Ok(_) => panic!("sent"),
        }
    }

    #[test]
    fn request_timeouts_are_bounded_by_the_call() {
        let left = Duration::from_secs(10);
        let o = bounded(None, left);
        assert_eq!(o.connect_timeout, Some(left));
        assert_eq!(o.first_byte_timeout, Some(left));
        assert_eq!(o.between_bytes_timeout, Some(left));
        let o = bounded(
            Some(RequestOptions {
                connect_timeout: Some(Duration::from_secs(2)),
                first_byte_timeout: Some(Duration::from_secs(60)),
                between_bytes_timeout: None,
            }),
            left,
        );
        assert_eq!(o.connect_timeout, Some(Duration::from_secs(2)));
        assert_eq!(o.first_byte_timeout, Some(left));
        assert_eq!(o.between_bytes_timeout, Some(left));
    }
}
