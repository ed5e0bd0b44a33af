//! The one way requests reach Exchange: envelope, headers, auth, and the
//! status handling every operation shares. On a 401 it refreshes the
//! credentials once and retries once, never more, so a bad secret cannot
//! turn into a loop against the token endpoint.

use super::envelope::{self, Header, Xml};
use super::error::{foreign_answer, Error};
use super::response;
use super::xml::Element;
use crate::auth::Auth;
use crate::config::Config;
use crate::platform::{
    retry_after_ms, send_logged, trace_headers, Host, HttpRequest, HttpResponse, Level, Method,
    RetryBudget,
};

const LOG: &str = "ews.client";

/// The connection to one EWS endpoint with one identity (exchangelib's
/// Protocol): shared by every call; which mailbox a call acts on is its
/// `Target` (exchangelib's Account), so that one action can read one mailbox
/// and copy into another.
pub struct Client<'h> {
    host: &'h dyn Host,
    url: String,
    server_version: String,
    /// The Basic user, whose own mailbox needs no impersonation.
    basic_user: Option<String>,
    timeout_secs: u64,
    auth: Auth,
    retry: RetryBudget,
    /// The credentials were refused: every later request of this call (a
    /// daemon step's mark-reads and fetches) fails the same way without
    /// asking the token endpoint again, so a revoked secret is one refusal
    /// per step, not one per email.
    refused: Option<Error>,
}

/// Operations that change nothing, and UpdateItem, which this client only
/// ever sends to set IsRead (AlwaysOverwrite): setting it twice leaves the
/// email as setting it once. These may be sent again when their answer was
/// lost. The others may not: a CreateItem or SendItem sent twice sends the
/// mail twice, a CopyItem copies twice, a DeleteItem, MarkAsJunk (a move) or
/// DeleteAttachment carried out the first time would answer "not found" the
/// second and report a success as a failure.
fn retry_safe(operation: &str) -> bool {
    matches!(
        operation,
        "FindItem"
            | "GetItem"
            | "GetAttachment"
            | "FindFolder"
            | "GetFolder"
            | "GetUserOofSettings"
            | "GetSearchableMailboxes"
            | "ResolveNames"
            | "UpdateItem"
    )
}

/// The mailbox one request acts on: ExchangeImpersonation and X-AnchorMailbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    pub impersonate: Option<String>,
    pub anchor: Option<String>,
}

impl<'h> Client<'h> {
    pub fn new(host: &'h dyn Host, config: &Config) -> Client<'h> {
        Client {
            host,
            url: config.ews_url.clone(),
            server_version: config.server_version.clone(),
            basic_user: match &config.auth {
                crate::config::AuthConfig::Basic { username, .. } => Some(username.clone()),
                crate::config::AuthConfig::OAuth2 { .. } => None,
            },
            timeout_secs: config.request_timeout_secs,
            auth: Auth::new(config, crate::auth::oauth2::SCOPE),
            retry: RetryBudget::default(),
            refused: None,
        }
    }

    /// RequestServerVersion: some requests differ by it.
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    /// The target for `mailbox`: app-only tokens always impersonate; a Basic
    /// user impersonates every mailbox but its own.
    pub fn target(&self, mailbox: &str) -> Target {
        let own = self
            .basic_user
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(mailbox));
        Target {
            impersonate: (!own).then(|| mailbox.to_string()),
            anchor: Some(mailbox.to_string()),
        }
    }

    /// Sends one operation acting on `target`. An operation safe to repeat
    /// (`retry_safe`) is sent once more, at once, when its answer was lost
    /// (a timeout, a connection that broke off, a body cut short) or came
    /// back as SOAP that does not parse: never more than once, and never for
    /// a refusal, which the host waits on (throttled, unavailable).
    pub fn call_as(
        &mut self,
        target: &Target,
        operation: &str,
        body: impl FnOnce(&mut Xml),
    ) -> Result<Element, Error> {
        if let Some(e) = &self.refused {
            return Err(e.clone());
        }
        let result = self.call_once(target, operation, body);
        if let Err(e @ Error::Unauthorized(_)) = &result {
            self.refused = Some(e.clone());
        }
        result
    }

    fn call_once(
        &mut self,
        target: &Target,
        operation: &str,
        body: impl FnOnce(&mut Xml),
    ) -> Result<Element, Error> {
        let header = Header {
            server_version: self.server_version.clone(),
            impersonate: target.impersonate.clone(),
        };
        let mut envelope = envelope::write(&header, body);
        let mut refreshed = false;
        let mut retried = !retry_safe(operation);
        let mut unreadable: Option<String> = None;
        loop {
            let (resp, back) = self.send(operation, envelope, target.anchor.as_deref());
            envelope = back;
            let resp = match (resp, unreadable.take()) {
                (Err(Error::Transport(t)), None) if !retried && self.retry.allows(&t) => {
                    retried = true;
                    self.retrying(operation, &t.to_string());
                    continue;
                }
                // Sent again for an answer that did not parse, and lost this
                // time: the first answer says more.
                (Err(Error::Transport(t)), Some(m)) => {
                    return Err(Error::Malformed(format!("{m} (sent again: {t})")))
                }
                (r, _) => r?,
            };
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
            match self.answer(resp) {
                // Only a 200 whose SOAP does not parse: a body cut short.
                Err(Error::Malformed(m)) if !retried => {
                    retried = true;
                    self.retrying(operation, &format!("the answer does not parse ({m})"));
                    unreadable = Some(m);
                }
                r => return r,
            }
        }
    }

    fn retrying(&self, operation: &str, why: &str) {
        self.host.log(
            Level::Info,
            LOG,
            &format!("{operation}: {why}; sending it once more"),
        );
    }

    /// Sends `envelope` and hands it back for a retry: it moves into the
    /// request rather than being copied, since with attachments it can be
    /// tens of megabytes.
    fn send(
        &mut self,
        operation: &str,
        envelope: Vec<u8>,
        anchor: Option<&str>,
    ) -> (Result<HttpResponse, Error>, Vec<u8>) {
        let authorization = match self.auth.header(self.host) {
            Ok(a) => a,
            Err(e) => return (Err(e), envelope),
        };
        let (request_id, trace) = trace_headers(self.host);
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "text/xml; charset=utf-8".to_string(),
            ),
            ("Accept".to_string(), "text/xml".to_string()),
            ("Authorization".to_string(), authorization),
        ];
        headers.extend(trace);
        if let Some(anchor) = anchor {
            headers.push(("X-AnchorMailbox".to_string(), anchor.to_string()));
        }
        let request = HttpRequest {
            method: Method::Post,
            url: self.url.clone(),
            headers,
            body: envelope,
            timeout_secs: self.timeout_secs,
        };
        let result = send_logged(self.host, LOG, operation, &request_id, &request);
        (result.map_err(Error::Transport), request.body)
    }

    fn answer(&self, mut resp: HttpResponse) -> Result<Element, Error> {
        if let Some(e) = foreign_answer(&resp, "Exchange", "SOAP", "ews_url") {
            return Err(e);
        }
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
