//! The one way requests reach Exchange: envelope, headers, auth, and the
//! status handling every operation shares. On a 401 it refreshes the
//! credentials once and retries once, never more, so a bad secret cannot
//! turn into a loop against the token endpoint.

use super::envelope::{self, Header, Xml};
use super::error::Error;
use super::response;
use super::xml::Element;
use crate::auth::Auth;
use crate::config::Config;
use crate::platform::{retry_after_ms, uuid_v4, Host, HttpRequest, HttpResponse, Level};

const LOG: &str = "ews.client";

pub struct Client<'h> {
    host: &'h dyn Host,
    url: String,
    header: Header,
    anchor: Option<String>,
    timeout_secs: u64,
    auth: Auth,
}

impl<'h> Client<'h> {
    pub fn new(host: &'h dyn Host, config: &Config) -> Client<'h> {
        Client {
            host,
            url: config.ews_url.clone(),
            header: Header {
                server_version: config.server_version.clone(),
                impersonate: config.impersonate().map(str::to_string),
            },
            anchor: config.primary_smtp_address.clone(),
            timeout_secs: config.request_timeout_secs,
            auth: Auth::new(config),
        }
    }

    /// Sends one operation; returns the element inside soap:Body
    /// (`GetUserOofSettingsResponse`...), or the fault as an error.
    pub fn call(&mut self, operation: &str, body: impl FnOnce(&mut Xml)) -> Result<Element, Error> {
        let envelope = envelope::write(&self.header, body);
        let mut refreshed = false;
        loop {
            let resp = self.send(operation, &envelope)?;
            if resp.status == 401 {
                if !refreshed && self.auth.refresh(self.host) {
                    refreshed = true;
                    self.host.log(
                        Level::Info,
                        LOG,
                        "HTTP 401: refreshing the credentials and retrying once",
                    );
                    continue;
                }
                return Err(Error::Unauthorized(format!(
                    "{}{}",
                    self.auth.refused_message(),
                    diagnostics(&resp)
                )));
            }
            return self.answer(resp);
        }
    }

    fn send(&mut self, operation: &str, envelope: &[u8]) -> Result<HttpResponse, Error> {
        let authorization = self.auth.header(self.host)?;
        let request_id = uuid_v4(self.host);
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "text/xml; charset=utf-8".to_string(),
            ),
            ("Accept".to_string(), "text/xml".to_string()),
            ("Authorization".to_string(), authorization),
            ("client-request-id".to_string(), request_id.clone()),
            ("return-client-request-id".to_string(), "true".to_string()),
            (
                "User-Agent".to_string(),
                concat!("ews-guest/", env!("CARGO_PKG_VERSION")).to_string(),
            ),
        ];
        if let Some(anchor) = &self.anchor {
            headers.push(("X-AnchorMailbox".to_string(), anchor.clone()));
        }
        let request = HttpRequest {
            url: self.url.clone(),
            headers,
            body: envelope.to_vec(),
            timeout_secs: self.timeout_secs,
        };
        let result = self.host.send(&request);
        let outcome = match &result {
            Ok(r) => format!("HTTP {}", r.status),
            Err(e) => format!("{e:?}"),
        };
        self.host.log(
            Level::Debug,
            LOG,
            &format!("{operation} client-request-id={request_id}: {outcome}"),
        );
        result.map_err(Error::Transport)
    }

    fn answer(&self, mut resp: HttpResponse) -> Result<Element, Error> {
        // The bytes go as soon as the tree is built: with megabytes of MIME
        // inside, both at once could pass the call's memory limit.
        let bytes = std::mem::take(&mut resp.body);
        let parsed = response::body(&bytes);
        drop(bytes);
        // Exchange sends faults with HTTP 500: read the body whenever it is SOAP.
        match parsed {
            Ok(el) if resp.status == 200 => Ok(el),
            Err(e @ Error::Fault { .. }) => Err(e),
            Err(e) if resp.status == 200 => Err(e),
            _ => Err(Error::Http {
                status: resp.status,
                retry_after_ms: retry_after_ms(&resp, self.host.now_unix_secs()),
                detail: diagnostics(&resp).trim_start_matches(": ").to_string(),
            }),
        }
    }
}

/// Exchange Online explains refusals in `x-ms-diagnostics`, Bearer errors in
/// `WWW-Authenticate` (only worth showing when it names an `error`). Neither
/// holds credentials.
fn diagnostics(resp: &HttpResponse) -> String {
    let bearer_error = resp
        .header("WWW-Authenticate")
        .filter(|v| v.contains("error="));
    let detail = resp.header("x-ms-diagnostics").or(bearer_error);
    match detail {
        Some(d) if !d.trim().is_empty() => format!(": {}", d.chars().take(300).collect::<String>()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
