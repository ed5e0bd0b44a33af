//! The SOAP 1.1 envelope around every request. XML is written with
//! quick-xml's writer so that every value is escaped; element order follows
//! types.xsd/messages.xsd exactly, because Exchange validates it.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

pub const NS_SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const NS_TYPES: &str = "http://schemas.microsoft.com/exchange/services/2006/types";
pub const NS_MESSAGES: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";

/// What goes into soap:Header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// An ExchangeVersionType value, checked by config.
    pub server_version: String,
    /// Act on this mailbox through ExchangeImpersonation.
    pub impersonate: Option<String>,
}

/// A writer for one request body; names carry their `m:`/`t:` prefix,
/// declared once on the envelope.
pub struct Xml {
    w: Writer<Vec<u8>>,
}

// Writing into a Vec cannot fail, so the writer's io::Result is dropped
// rather than threaded through every builder.
impl Xml {
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute(attribute(k, v));
        }
        let _ = self.w.write_event(Event::Start(start));
    }

    pub fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, the text escaped.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.text(text);
        self.close(name);
    }

    /// Text content, escaped, inside an element the caller opened. A CR is
    /// written `&#13;`: a parser turns a literal CR LF into LF (XML 1.0
    /// section 2.11), and a body's line endings must arrive as given.
    pub fn text(&mut self, text: &str) {
        let clean = clean(text);
        let event = if clean.contains('\r') {
            let escaped = quick_xml::escape::escape(clean.as_str()).replace('\r', "&#13;");
            Event::Text(BytesText::from_escaped(escaped))
        } else {
            Event::Text(BytesText::new(&clean))
        };
        let _ = self.w.write_event(event);
    }

    /// `<name>base64 of data</name>`, encoded straight into the document:
    /// an attachment's base64 exists once, in the request, not also as a
    /// String on the way (base64 needs no escaping).
    pub fn leaf_base64(&mut self, name: &str, data: &[u8]) {
        use std::io::Write;
        self.open(name, &[]);
        {
            let out = self.w.get_mut();
            // Reserved exactly, up front, with room for what follows (recipients,
            // closing tags): growing later would hold old and new buffers at once.
            out.reserve_exact(data.len().div_ceil(3) * 4 + 64 * 1024);
            let mut enc =
                base64::write::EncoderWriter::new(out, &base64::engine::general_purpose::STANDARD);
            let _ = enc.write_all(data);
            let _ = enc.finish();
        }
        self.close(name);
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, clean(v).as_str()));
        }
        let _ = self.w.write_event(Event::Empty(start));
    }
}

/// Characters XML 1.0 forbids even escaped (most C0 controls, U+FFFE/FFFF)
/// are dropped: Exchange would refuse the whole request for one of them.
/// An attribute, escaped; TAB, LF and CR as character references, since a
/// parser turns them into spaces in an attribute value (XML 1.0 section
/// 3.3.3) and the value must arrive as given.
fn attribute<'a>(key: &'a str, value: &str) -> quick_xml::events::attributes::Attribute<'a> {
    let escaped = quick_xml::escape::escape(clean(value).as_str())
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;");
    quick_xml::events::attributes::Attribute {
        key: quick_xml::name::QName(key.as_bytes()),
        value: escaped.into_bytes().into(),
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// The whole request document: header, then `body` writes soap:Body's child.
pub fn write(header: &Header, body: impl FnOnce(&mut Xml)) -> Vec<u8> {
    let mut x = Xml {
        w: Writer::new(Vec::with_capacity(1024)),
    };
    let _ =
        x.w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    x.open(
        "soap:Envelope",
        &[
            ("xmlns:soap", NS_SOAP),
            ("xmlns:t", NS_TYPES),
            ("xmlns:m", NS_MESSAGES),
        ],
    );
    x.open("soap:Header", &[]);
    x.empty(
        "t:RequestServerVersion",
        &[("Version", &header.server_version)],
    );
    if let Some(mailbox) = &header.impersonate {
        x.open("t:ExchangeImpersonation", &[]);
        x.open("t:ConnectingSID", &[]);
        x.leaf("t:PrimarySmtpAddress", mailbox);
        x.close("t:ConnectingSID");
        x.close("t:ExchangeImpersonation");
    }
    x.close("soap:Header");
    x.open("soap:Body", &[]);
    body(&mut x);
    x.close("soap:Body");
    x.close("soap:Envelope");
    x.w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::properties::config(500))]

        /// Whatever a user or a server put in a value, a parse of what we
        /// wrote gives it back: as it was, less the characters XML 1.0
        /// cannot carry.
        #[test]
        fn prop_any_value_comes_back_verbatim_after_a_parse(text in any::<String>(), attr in any::<String>()) {
            let doc = write(&header(Some(&attr)), |x| {
                x.open("t:Item", &[("Key", &attr)]);
                x.leaf("t:Subject", &text);
                x.close("t:Item");
            });
            let root = crate::ews::xml::parse(&doc).map_err(TestCaseError::fail)?;
            let item = root.find("Item").expect("the element");
            prop_assert_eq!(&item.find("Subject").expect("the leaf").text, &clean(&text));
            let want = clean(&attr);
            prop_assert_eq!(item.attr("Key"), Some(want.as_str()));
            prop_assert_eq!(&root.find("PrimarySmtpAddress").expect("impersonation").text, &clean(&attr));
        }
    }

    fn header(imp: Option<&str>) -> Header {
        Header {
            server_version: "Exchange2016".into(),
            impersonate: imp.map(Into::into),
        }
    }

    #[test]
    fn writes_version_and_impersonation_in_schema_order() {
        let doc = String::from_utf8(write(&header(Some("a@b.c")), |_| {})).unwrap();
        let v = doc
            .find("<t:RequestServerVersion Version=\"Exchange2016\"/>")
            .unwrap();
        let i = doc
            .find("<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>a@b.c</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>")
            .unwrap();
        assert!(v < i && i < doc.find("</soap:Header>").unwrap());
        let plain = String::from_utf8(write(&header(None), |_| {})).unwrap();
        assert!(!plain.contains("ExchangeImpersonation"));
    }

    #[test]
    fn escapes_every_value() {
        let doc = write(&header(Some("x\"&<y>'@z")), |x| {
            x.leaf("t:Subject", "a<b>&c\u{1}d")
        });
        let doc = String::from_utf8(doc).unwrap();
        assert!(
            doc.contains(
                "<t:PrimarySmtpAddress>x&quot;&amp;&lt;y&gt;&apos;@z</t:PrimarySmtpAddress>"
            ),
            "{doc}"
        );
        assert!(
            doc.contains("<t:Subject>a&lt;b&gt;&amp;cd</t:Subject>"),
            "{doc}"
        );
        // What we write, our reader reads back unchanged.
        let root = crate::ews::xml::parse(doc.as_bytes()).unwrap();
        assert_eq!(root.find("Subject").unwrap().text, "a<b>&cd");
        let doc = write(&header(None), |x| x.leaf("t:Body", "a\r\nb<\rc"));
        let doc = String::from_utf8(doc).unwrap();
        assert!(
            doc.contains("<t:Body>a&#13;\nb&lt;&#13;c</t:Body>"),
            "{doc}"
        );
        let root = crate::ews::xml::parse(doc.as_bytes()).unwrap();
        assert_eq!(
            root.find("Body").unwrap().child("Body").unwrap().text,
            "a\r\nb<\rc"
        );
    }
    #[test]
    fn base64_goes_straight_into_the_document() {
        let doc = write(&header(None), |x| {
            x.leaf_base64("t:Content", b"%PDF-\x00\xff")
        });
        let doc = String::from_utf8(doc).unwrap();
        assert!(doc.contains("<t:Content>JVBERi0A/w==</t:Content>"), "{doc}");
    }
}
