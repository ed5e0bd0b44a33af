//! Fault injection: queued per operation name (`GetUserOofSettings`, `FindItem`...,
//! `token` for the token endpoint, `*` for any EWS operation), each consumed by
//! one request.

use std::collections::{HashMap, VecDeque};

use crate::server::{respond, set_header, HttpResponse, MockBody};
use crate::soap::SoapFault;

/// What to do to one request instead of (or before) answering it normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 SOAP fault `ErrorServerBusy` with `BackOffMilliseconds` in MessageXml,
    /// as Exchange Online throttles. At the token endpoint: HTTP 429 + Retry-After.
    ServerBusy { backoff_ms: u64 },
    /// This HTTP status (429, 503...) with an optional `Retry-After` in seconds.
    Status { code: u16, retry_after: Option<u64> },
    /// Close the connection without answering.
    DropConnection,
    /// Wait, then answer normally.
    Delay { ms: u64 },
    /// HTTP 200 with a truncated body (SOAP for EWS, JSON for Graph and the
    /// token endpoint), whole by its Content-Length.
    MalformedXml,
    /// The normal answer cut in half: its Content-Length says the whole
    /// length, then the connection closes (a proxy or a server that died
    /// mid-answer). Inside a `$batch`: the batch's own answer is cut.
    Truncate,
    /// HTTP 302 to `to` (a proxy sending the client to its sign-in or
    /// error page), with a small HTML body, as proxies answer.
    Redirect { to: String },
    /// An HTML page with this status (a proxy's or load balancer's error
    /// page: 502, 403, 200...) instead of SOAP or JSON.
    HtmlPage { status: u16 },
}

/// Operation name that matches any operation (not the token endpoint).
pub const ANY: &str = "*";
/// Operation name that matches any Microsoft Graph operation.
pub const ANY_GRAPH: &str = "graph.*";
/// Operation name of the token endpoint.
pub const TOKEN: &str = "token";

#[derive(Default)]
pub struct Faults {
    queues: HashMap<String, VecDeque<Fault>>,
}

impl Faults {
    pub fn inject(&mut self, operation: &str, fault: Fault, times: usize) {
        let queue = self.queues.entry(operation.to_string()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// The next fault for this operation: its own queue first, then
    /// `graph.*` for a Graph operation, then `*` (not for the token endpoint).
    pub fn take(&mut self, operation: &str) -> Option<Fault> {
        if let Some(f) = self.queues.get_mut(operation).and_then(VecDeque::pop_front) {
            return Some(f);
        }
        if operation == TOKEN {
            return None;
        }
        if operation.starts_with("graph") {
            if let Some(f) = self.queues.get_mut(ANY_GRAPH).and_then(VecDeque::pop_front) {
                return Some(f);
            }
        }
        self.queues.get_mut(ANY).and_then(VecDeque::pop_front)
    }
}

/// Exchange Online's throttling fault.
pub fn server_busy(backoff_ms: u64) -> SoapFault {
    let mut fault = SoapFault::ews(
        "ErrorServerBusy",
        "The server cannot service this request right now. Try again later.",
    );
    fault.message_xml.push((
        "Value".into(),
        Some("BackOffMilliseconds".into()),
        backoff_ms.to_string(),
    ));
    fault
}

/// A proxy's redirect: `Location: to`, an HTML body.
pub fn redirect(to: &str) -> HttpResponse {
    let mut response = respond(
        302,
        "text/html; charset=utf-8",
        format!(
            "<html><head><title>Object moved</title></head><body><h2>Object moved to <a href=\"{to}\">here</a>.</h2></body></html>"
        ),
    );
    set_header(&mut response, "location", to);
    response
}

/// A proxy's error page with this status.
pub fn html_page(status: u16) -> HttpResponse {
    respond(status, "text/html; charset=utf-8", html_page_body(status))
}

/// What a proxy's error page says.
pub fn html_page_body(status: u16) -> String {
    format!(
        "<!DOCTYPE html>\r\n<html><head><title>{status} - Web Proxy Error</title></head>\
         <body><h1>The web proxy could not serve this request</h1>\
         <p>Contact your network administrator.</p></body></html>"
    )
}

/// `response` with only the first half of its body, under a Content-Length
/// that announces all of it: the client reads half, then the connection closes.
pub async fn truncate(response: HttpResponse) -> HttpResponse {
    use http_body_util::BodyExt as _;
    let (mut parts, body) = response.into_parts();
    let whole = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let len = whole.len().max(2);
    parts.headers.insert(
        hyper::header::CONTENT_LENGTH,
        hyper::header::HeaderValue::from(len),
    );
    HttpResponse::from_parts(parts, MockBody::cut(whole.slice(..whole.len() / 2)))
}

/// A response cut off in the middle of an attribute.
pub const MALFORMED_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:ResponseMessages xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><m:ResponseMessage ResponseClass="Succ"#;

/// A token response cut off in the middle.
pub const MALFORMED_JSON: &str = r#"{"token_type":"Bearer","expires_in":35"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_consumed_in_order_per_operation() {
        let mut faults = Faults::default();
        faults.inject("FindItem", Fault::DropConnection, 2);
        faults.inject("*", Fault::Delay { ms: 5 }, 1);
        faults.inject("token", Fault::MalformedXml, 1);
        assert_eq!(faults.take("FindItem"), Some(Fault::DropConnection));
        assert_eq!(faults.take("FindItem"), Some(Fault::DropConnection));
        assert_eq!(faults.take("token"), Some(Fault::MalformedXml));
        assert_eq!(faults.take("token"), None);
        assert_eq!(faults.take("FindItem"), Some(Fault::Delay { ms: 5 }));
        assert_eq!(faults.take("GetItem"), None);
    }

    #[tokio::test]
    async fn a_truncated_answer_announces_more_than_it_holds() {
        let r = truncate(respond(200, "text/xml", "0123456789")).await;
        assert_eq!(r.headers()["content-length"], "10");
        use http_body_util::BodyExt as _;
        let body = r.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"01234");
        let r = redirect("https://login.contoso.example/adfs/ls/");
        assert_eq!(
            (r.status().as_u16(), &r.headers()["location"]),
            (
                302,
                &"https://login.contoso.example/adfs/ls/"
                    .parse::<hyper::header::HeaderValue>()
                    .unwrap()
            )
        );
        assert_eq!(html_page(502).status(), 502);
    }

    #[test]
    fn malformed_bodies_do_not_parse() {
        assert!(crate::dom::parse(MALFORMED_XML.as_bytes()).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(MALFORMED_JSON).is_err());
        let xml = String::from_utf8(server_busy(1500).to_xml()).unwrap();
        assert!(xml.contains(r#"<t:Value Name="BackOffMilliseconds">1500</t:Value>"#));
    }
}
