//! The single choke point for outbound HTTP: every request the component
//! makes through wasi:http passes `send_request` here, and anything not on
//! the allow-list gets `HttpRequestDenied` (as Spin's outbound-http
//! `prepare_request` does). Allowed requests go to wasmtime's default client.

use super::allowed_hosts::{describe, AllowedHosts};
use crate::logging::{Level, Logger};
use http_body_util::BodyExt;
use std::future::Future;
use std::sync::Arc;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

pub struct AllowListHooks {
    allowed: Arc<AllowedHosts>,
    logger: Logger,
}

impl AllowListHooks {
    pub fn new(allowed: Arc<AllowedHosts>, logger: Logger) -> Self {
        AllowListHooks { allowed, logger }
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
        self.logger.host(
            Level::Debug,
            "http",
            &format!("{} {}", request.method(), describe(&scheme, &authority)),
        );
        Box::new(async move {
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let res = res.map(|b| b.map_err(Into::into).boxed_unsync());
            Ok((res, Box::new(io) as IoFuture))
        })
    }
}
