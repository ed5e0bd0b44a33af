//! Responses read into a small tree keyed by local names, because Exchange
//! varies its prefixes (s:, m:, t:, or default namespaces) between versions
//! and operations. Safe by construction: a DOCTYPE is refused, so no entity
//! is ever declared, and a reference other than the five predefined ones or
//! a character reference is an error, never expanded.

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deep enough for any EWS answer, shallow enough that a hostile nesting
/// cannot exhaust the stack when the tree is dropped.
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name, without prefix.
    pub name: String,
    /// (local name, value); namespace declarations are left out.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's own character data, references resolved.
    pub text: String,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed text of the first child of that name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// The trimmed texts of the children of the first child of that name
    /// (`<t:Categories><t:String>a</t:String>...`); empty without one.
    pub fn child_strings(&self, name: &str) -> Vec<String> {
        self.child(name)
            .map(|c| {
                c.children
                    .iter()
                    .map(|s| s.text.trim().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first element of that name at any depth below, depth-first.
    #[cfg_attr(not(test), allow(dead_code))] // for operations of later issues
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|c| {
            if c.name == name {
                Some(c)
            } else {
                c.find(name)
            }
        })
    }

    /// Follows a path of child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |e, n| e.child(n))
    }
}

/// Parses a whole document and returns its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, String> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    loop {
        // Borrowed from `bytes`, not copied into a buffer: a GetAttachment
        // answer is one text of tens of megabytes, and a buffered copy of
        // it would be a third one beside the answer and the element's text.
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                let el = element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("an end tag without a start")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| format!("text is not UTF-8: {e}"))?;
                push_text(&mut stack, &text);
            }
            Event::CData(c) => {
                let text = c.decode().map_err(|e| format!("CDATA is not UTF-8: {e}"))?;
                push_text(&mut stack, &text);
            }
            Event::GeneralRef(r) => {
                let name = r
                    .decode()
                    .map_err(|e| format!("reference is not UTF-8: {e}"))?;
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => resolve_xml_entity(&name)
                        .ok_or_else(|| {
                            format!("undeclared entity &{name}; (entities are never expanded)")
                        })?
                        .to_string(),
                    // NUL or a surrogate: no character, but no reason to
                    // refuse a whole answer (an attachment name may hold one).
                    Err(_) if is_numeric_ref(&name) => '\u{FFFD}'.to_string(),
                    Err(e) => return Err(format!("bad character reference &{name};: {e}")),
                };
                push_text(&mut stack, &resolved);
            }
            Event::DocType(_) => return Err("a DOCTYPE is not allowed in an EWS answer".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return Err("the XML ended before its root element closed".into()),
        }
    }
}

/// An attribute value's references resolved as text's are: the five XML
/// entities, character references (one XML forbids as U+FFFD), and nothing
/// else: an undeclared entity is refused, never expanded.
fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(';').ok_or("an unterminated reference")?;
        let name = &after[..end];
        if let Some(c) = resolve_xml_entity(name) {
            out.push_str(c);
        } else if is_numeric_ref(name) {
            let n = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => name[1..].parse().ok(),
            };
            out.push(
                n.and_then(char::from_u32)
                    .filter(|&c| c != '\0')
                    .unwrap_or('\u{FFFD}'),
            );
        } else {
            return Err(format!(
                "undeclared entity &{name}; (entities are never expanded)"
            ));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `#65` or `#x41`, well-formed, whatever character it names.
fn is_numeric_ref(name: &str) -> bool {
    match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        Some(hex) => {
            !hex.is_empty() && hex.len() <= 8 && hex.chars().all(|c| c.is_ascii_hexdigit())
        }
        None => name.strip_prefix('#').is_some_and(|d| {
            !d.is_empty() && d.len() <= 10 && d.chars().all(|c| c.is_ascii_digit())
        }),
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    // Text outside the root is only whitespace in a well-formed answer.
    if let Some(top) = stack.last_mut() {
        top.text.push_str(text);
    }
}

fn element(start: &BytesStart) -> Result<Element, String> {
    let name = utf8(start.local_name().as_ref())?;
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute in <{name}>: {e}"))?;
        let key = attr.key;
        if key.as_ref() == b"xmlns" || key.prefix().is_some_and(|p| p.as_ref() == b"xmlns") {
            continue;
        }
        let raw = utf8(&attr.value)?;
        let value =
            unescape(&raw).map_err(|e| format!("bad value of attribute in <{name}>: {e}"))?;
        attrs.push((utf8(key.local_name().as_ref())?, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

fn utf8(b: &[u8]) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| "a name is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of answers, hostile ones among them: entity references
    /// declared and not, character references to what XML forbids, CDATA,
    /// comments, attributes with `&`, control characters, deep nesting.
    fn fragment() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            any::<String>().prop_map(|s| s.replace(['<', '&'], "")),
            Just("&amp;&lt;&gt;&quot;&apos;".to_string()),
            Just("&boom;".to_string()),
            Just("&#x1;&#0;&#xD800;&#65;".to_string()),
            Just("<![CDATA[<&>]]>".to_string()),
            Just("<!-- c -->".to_string()),
            Just("<t:V a=\"1&amp;2\" b='&x;'/>".to_string()),
            Just("\u{1}\u{b}\u{FFFE}".to_string()),
            Just("<x:Y xmlns:x=\"urn:wrong\">".to_string()),
            Just("</mismatched>".to_string()),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            (
                prop_oneof![Just("m:R"), Just("t:Item"), Just("Body")],
                proptest::collection::vec(inner, 0..8),
            )
                .prop_map(|(name, kids)| format!("<{name}>{}</{name}>", kids.concat()))
        })
    }

    proptest! {
        #![proptest_config(crate::properties::config(500))]

        #[test]
        fn prop_the_reader_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse(&bytes);
        }

        /// A generated answer is read or refused with a reason; a DOCTYPE or
        /// an undeclared entity is always refused, and nothing is expanded.
        #[test]
        fn prop_generated_answers_are_read_or_refused_and_nothing_is_expanded(
            doctype in any::<bool>(),
            body in proptest::collection::vec(fragment(), 0..12),
        ) {
            let head = if doctype {
                "<!DOCTYPE r [<!ENTITY boom \"EXPANDED\">]>"
            } else {
                ""
            };
            let doc = format!("<?xml version=\"1.0\"?>{head}<s:Envelope xmlns:s=\"x\">{}</s:Envelope>", body.concat());
            match parse(doc.as_bytes()) {
                Ok(root) => {
                    prop_assert!(!doctype, "a DOCTYPE was accepted");
                    prop_assert!(!doc.contains("&boom;") && !doc.contains("&x;"), "an undeclared entity was accepted");
                    fn texts(e: &Element, out: &mut String) {
                        out.push_str(&e.text);
                        e.attrs.iter().for_each(|(_, v)| out.push_str(v));
                        e.children.iter().for_each(|c| texts(c, out));
                    }
                    let mut all = String::new();
                    texts(&root, &mut all);
                    prop_assert!(!all.contains("EXPANDED"));
                }
                Err(reason) => prop_assert!(!reason.is_empty()),
            }
        }
    }

    #[test]
    fn reads_local_names_whatever_the_prefix() {
        let doc = br#"<?xml version="1.0"?><s:Envelope xmlns:s="x"><s:Body><m:R xmlns:m="y" C="a&amp;b"><t:V>1 &lt; 2 &#x41;</t:V><W/></m:R></s:Body></s:Envelope>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Envelope");
        let r = root.path(&["Body", "R"]).unwrap();
        assert_eq!(r.attr("C"), Some("a&b"));
        assert_eq!(r.child_text("V"), Some("1 < 2 A"));
        assert!(r.child("W").is_some());
        assert_eq!(root.find("V").map(|v| v.text.as_str()), Some("1 < 2 A"));
    }

    #[test]
    fn never_expands_entities() {
        let doctype = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><r>&x;</r>"#;
        assert!(parse(doctype).unwrap_err().contains("DOCTYPE"));
        let undeclared = b"<r>&x;</r>";
        assert!(parse(undeclared).unwrap_err().contains("never expanded"));
        let in_attr = br#"<r a="&x;"/>"#;
        assert!(parse(in_attr).is_err());
    }

    #[test]
    fn survives_hostile_input() {
        assert!(parse(b"<r>\x01\x02 ok</r>").is_ok());
        // Exchange writes control characters of attachment names and
        // subjects as character references XML 1.0 forbids: read, not refused.
        let named = parse(b"<r Name=\"a&#x1;b.pdf\">x&#x1F;y&#8;</r>").unwrap();
        assert_eq!(named.text, "x\u{1f}y\u{8}");
        assert_eq!(named.attr("Name"), Some("a\u{1}b.pdf"));
        let nul = parse(b"<r Name=\"a&#0;b&amp;&lt;c\"/>").unwrap();
        assert_eq!(nul.attr("Name"), Some("a\u{FFFD}b&<c"));
        assert_eq!(
            parse(b"<r>&#0;&#xD800;</r>").unwrap().text,
            "\u{FFFD}\u{FFFD}"
        );
        assert!(parse(b"<r>&#xZZ;</r>").is_err());
        assert!(parse(b"<r>\xff</r>").is_err());
        assert!(parse(b"<r><a></r>").is_err());
        assert!(parse(b"<r>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"not xml").is_err());
        let deep = "<a>".repeat(10_000);
        assert!(parse(deep.as_bytes()).unwrap_err().contains("deeper"));
    }
}
