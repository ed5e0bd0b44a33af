//! Fault injection: queued per operation name (`GetUserOofSettings`, `FindItem`...,
//! `token` for the token endpoint, `*` for any EWS operation), each consumed by
//! one request.

use std::collections::{HashMap, VecDeque};

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
    /// HTTP 200 with a truncated body.
    MalformedXml,
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

    #[test]
    fn malformed_bodies_do_not_parse() {
        assert!(crate::dom::parse(MALFORMED_XML.as_bytes()).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(MALFORMED_JSON).is_err());
        let xml = String::from_utf8(server_busy(1500).to_xml()).unwrap();
        assert!(xml.contains(r#"<t:Value Name="BackOffMilliseconds">1500</t:Value>"#));
    }
}
