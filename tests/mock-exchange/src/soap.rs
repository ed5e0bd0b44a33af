//! SOAP 1.1 as Exchange speaks it: reading a request envelope (operation,
//! RequestServerVersion, ExchangeImpersonation) and writing responses and faults.
//! Every value goes through quick-xml's escaping.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::dom::Element;

pub const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const MESSAGES_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";
pub const TYPES_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/types";
pub const ERRORS_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/errors";

/// What the mock needs from a request envelope.
#[derive(Debug)]
pub struct Envelope {
    /// Children of `soap:Header`.
    pub header: Vec<Element>,
    /// The single child of `soap:Body`: the operation's request element.
    pub operation: Element,
    /// `t:RequestServerVersion/@Version`.
    pub server_version: Option<String>,
    /// The address (or UPN, or SID) named by `t:ExchangeImpersonation/t:ConnectingSID`.
    pub impersonation: Option<String>,
}

impl Envelope {
    /// The EWS operation name: the body element's name without a `Request` suffix
    /// (`GetUserOofSettingsRequest` is the GetUserOofSettings operation).
    pub fn operation_name(&self) -> &str {
        operation_name(&self.operation.name)
    }
}

pub fn operation_name(element: &str) -> &str {
    element
        .strip_suffix("Request")
        .filter(|s| !s.is_empty())
        .unwrap_or(element)
}

/// Reads the structure of a SOAP envelope (not its validity: see `schema`).
pub fn read_envelope(root: Element) -> Result<Envelope, String> {
    if root.ns != SOAP_NS || root.name != "Envelope" {
        return Err(format!(
            "the root element is {{{}}}{}, not a SOAP 1.1 Envelope",
            root.ns, root.name
        ));
    }
    let mut header = Vec::new();
    let mut body = None;
    for child in root.children {
        match (child.ns.as_str(), child.name.as_str()) {
            (SOAP_NS, "Header") => header = child.children,
            (SOAP_NS, "Body") => body = Some(child),
            _ => {}
        }
    }
    let body = body.ok_or("the envelope has no soap:Body")?;
    let mut elements = body.children.into_iter();
    let operation = elements.next().ok_or("soap:Body is empty")?;
    if elements.next().is_some() {
        return Err("soap:Body holds more than one element".into());
    }
    let server_version = header
        .iter()
        .find(|h| h.ns == TYPES_NS && h.name == "RequestServerVersion")
        .and_then(|h| h.attr("Version"))
        .map(str::to_string);
    let impersonation = header
        .iter()
        .find(|h| h.ns == TYPES_NS && h.name == "ExchangeImpersonation")
        .and_then(|h| h.child(TYPES_NS, "ConnectingSID"))
        .and_then(|sid| sid.children.first())
        .map(|id| id.trimmed().to_string());
    Ok(Envelope {
        header,
        operation,
        server_version,
        impersonation,
    })
}

/// A quick-xml writer into memory. Writing to a `Vec` cannot fail, so the methods
/// return nothing.
pub struct XmlOut {
    w: Writer<Vec<u8>>,
}

impl XmlOut {
    pub fn new() -> Self {
        let mut w = Writer::new(Vec::new());
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
        XmlOut { w }
    }

    /// `<name a="v"...>` (attribute values are escaped).
    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let el = BytesStart::new(name).with_attributes(attrs.iter().copied());
        let _ = self.w.write_event(Event::Start(el));
    }

    pub fn end(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name a="v"/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let el = BytesStart::new(name).with_attributes(attrs.iter().copied());
        let _ = self.w.write_event(Event::Empty(el));
    }

    /// Character data, with `&`, `<` and `>` escaped (as .NET's XmlWriter does).
    pub fn text(&mut self, text: &str) {
        let escaped = quick_xml::escape::partial_escape(text);
        let _ = self
            .w
            .write_event(Event::Text(BytesText::from_escaped(escaped)));
    }

    /// `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    pub fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start(name, attrs);
        self.text(text);
        self.end(name);
    }

    pub fn finish(self) -> Vec<u8> {
        self.w.into_inner()
    }
}

impl Default for XmlOut {
    fn default() -> Self {
        Self::new()
    }
}

/// A success envelope as Exchange Online writes it: `ServerVersionInfo` in the
/// header, the operation's response element (written by `body`) in the body.
pub fn response(body: impl FnOnce(&mut XmlOut)) -> Vec<u8> {
    let mut x = XmlOut::new();
    x.start("s:Envelope", &[("xmlns:s", SOAP_NS)]);
    x.start("s:Header", &[]);
    x.empty(
        "h:ServerVersionInfo",
        &[
            ("MajorVersion", "15"),
            ("MinorVersion", "20"),
            ("MajorBuildNumber", "1"),
            ("MinorBuildNumber", "0"),
            ("xmlns:h", TYPES_NS),
        ],
    );
    x.end("s:Header");
    x.start(
        "s:Body",
        &[
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xmlns:xsd", "http://www.w3.org/2001/XMLSchema"),
        ],
    );
    body(&mut x);
    x.end("s:Body");
    x.end("s:Envelope");
    x.finish()
}

/// A SOAP fault (HTTP 500) as Exchange writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoapFault {
    /// The EWS response code (`ErrorSchemaValidation`); `None` for a plain
    /// `soap:Client` fault that carries no EWS detail.
    pub response_code: Option<String>,
    pub fault_string: String,
    /// `e:Message` in the detail.
    pub message: String,
    /// Children of `t:MessageXml`: (element, optional `Name` attribute, text).
    pub message_xml: Vec<(String, Option<String>, String)>,
}

impl SoapFault {
    /// A fault with an EWS response code whose faultstring and message are `text`.
    pub fn ews(code: &str, text: &str) -> Self {
        SoapFault {
            response_code: Some(code.to_string()),
            fault_string: text.to_string(),
            message: text.to_string(),
            message_xml: Vec::new(),
        }
    }

    /// `soap:Client`, as in Microsoft's GetUserOofSettings fault sample.
    pub fn client(text: &str) -> Self {
        SoapFault {
            response_code: None,
            fault_string: text.to_string(),
            message: String::new(),
            message_xml: Vec::new(),
        }
    }

    pub fn to_xml(&self) -> Vec<u8> {
        let mut x = XmlOut::new();
        x.start("s:Envelope", &[("xmlns:s", SOAP_NS)]);
        x.start("s:Body", &[]);
        x.start("s:Fault", &[]);
        match &self.response_code {
            Some(code) => x.leaf_with("faultcode", &[("xmlns:a", TYPES_NS)], &format!("a:{code}")),
            None => x.leaf("faultcode", "s:Client"),
        }
        x.leaf_with("faultstring", &[("xml:lang", "en-US")], &self.fault_string);
        x.start("detail", &[]);
        if let Some(code) = &self.response_code {
            x.leaf_with("e:ResponseCode", &[("xmlns:e", ERRORS_NS)], code);
            x.leaf_with("e:Message", &[("xmlns:e", ERRORS_NS)], &self.message);
        }
        if !self.message_xml.is_empty() {
            x.start("t:MessageXml", &[("xmlns:t", TYPES_NS)]);
            for (name, attr, text) in &self.message_xml {
                let tag = format!("t:{name}");
                match attr {
                    Some(a) => x.leaf_with(&tag, &[("Name", a)], text),
                    None => x.leaf(&tag, text),
                }
            }
            x.end("t:MessageXml");
        }
        x.end("detail");
        x.end("s:Fault");
        x.end("s:Body");
        x.end("s:Envelope");
        x.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom;

    fn read(path: &str) -> Envelope {
        let bytes =
            std::fs::read(format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        read_envelope(dom::parse(&bytes).unwrap()).unwrap()
    }

    #[test]
    fn reads_operation_version_and_impersonation() {
        let env = read("GetUserOofSettings-impersonated-request.xml");
        assert_eq!(env.operation.name, "GetUserOofSettingsRequest");
        assert_eq!(env.operation_name(), "GetUserOofSettings");
        assert_eq!(env.server_version.as_deref(), Some("Exchange2016"));
        assert_eq!(env.impersonation.as_deref(), Some("User1@example.com"));
        let plain = read("FindItem-request.xml");
        assert_eq!(
            (plain.operation_name(), plain.impersonation.as_deref()),
            ("FindItem", None)
        );
    }

    #[test]
    fn fault_values_are_escaped_and_shaped_like_exchange() {
        let mut fault = SoapFault::ews("ErrorServerBusy", "a < b & c");
        fault.message_xml.push((
            "Value".into(),
            Some("BackOffMilliseconds".into()),
            "250".into(),
        ));
        let xml = String::from_utf8(fault.to_xml()).unwrap();
        assert!(xml.contains(r#"<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>"#), "{xml}");
        assert!(
            xml.contains("<faultstring xml:lang=\"en-US\">a &lt; b &amp; c</faultstring>"),
            "{xml}"
        );
        assert!(xml.contains(r#"<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">250</t:Value></t:MessageXml>"#), "{xml}");
        dom::parse(xml.as_bytes()).unwrap();
    }
}
