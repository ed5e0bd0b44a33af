//! EWS helpers for the integration tests: a mock with one Basic user, requests
//! whose answers are checked against the schema, and element accessors.
#![allow(dead_code)]

use super::{basic, post};
use mock_exchange::dom::{self, Element};
use mock_exchange::soap::{MESSAGES_NS as M, TYPES_NS as T};
use mock_exchange::{MockExchange, MockOptions};

pub const USER: &str = "user1@example.com";

pub fn mock() -> MockExchange {
    let mock = MockExchange::start(MockOptions::default().basic_user(USER, "pw")).unwrap();
    mock.add_mailbox(USER, "User One");
    mock
}

pub fn eml(from: &str, subject: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: {USER}\r\nSubject: {subject}\r\nDate: Fri, 20 Nov 2026 07:00:00 +0000\r\nMessage-ID: <{}@example.com>\r\n\r\nbody of {subject}\r\n", subject.len())
        .into_bytes()
}

/// POSTs an EWS request as USER; checks the answer validates; returns (status, root).
pub fn ews(mock: &MockExchange, body: &str) -> (u16, String, Element) {
    let auth = basic(USER, "pw");
    let headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("Authorization", auth.as_str()),
    ];
    let a = post(mock.addr(), "/EWS/Exchange.asmx", &headers, body.as_bytes()).unwrap();
    let schema = mock_exchange::schema::shared().unwrap();
    assert_eq!(schema.validate(a.body.as_bytes()), Ok(()), "{}", a.body);
    assert_eq!(mock.schema_failures(), 0, "{:#?}", mock.requests());
    let root = dom::parse(a.body.as_bytes()).unwrap();
    (a.status, a.body, root)
}

/// The `m:*ResponseMessage` elements.
pub fn messages(root: &Element) -> Vec<&Element> {
    let body = root.children.iter().find(|c| c.name == "Body").unwrap();
    body.children[0]
        .child(M, "ResponseMessages")
        .unwrap()
        .children
        .iter()
        .collect()
}

pub fn code(m: &Element) -> &str {
    m.child(M, "ResponseCode").unwrap().trimmed()
}

pub fn items(m: &Element) -> Vec<&Element> {
    let parent = m
        .child(M, "RootFolder")
        .and_then(|r| r.child(T, "Items"))
        .or_else(|| m.child(M, "Items"));
    parent
        .map(|p| p.children.iter().collect())
        .unwrap_or_default()
}

pub fn text<'a>(el: &'a Element, name: &str) -> &'a str {
    el.child(T, name).map(|e| e.trimmed()).unwrap_or("")
}
