//! A small namespace-aware element tree, read with quick-xml, for the operations to
//! query requests with. Entities are never expanded: only the five predefined ones
//! and character references are resolved; a DOCTYPE is refused, as Exchange refuses
//! DTDs.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Deeper documents are refused (EWS requests are shallow; this bounds recursion).
const MAX_DEPTH: usize = 128;

/// One element: namespace URI, local name, attributes (by local name; namespaced
/// attributes keep their prefix-free name), child elements and concatenated text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// The first child element with this namespace and local name.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.ns == ns && c.name == name)
    }

    /// All child elements with this namespace and local name.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.ns == ns && c.name == name)
    }

    /// Follows a path of (namespace, local name) steps, taking the first match each time.
    pub fn path(&self, steps: &[(&str, &str)]) -> Option<&Element> {
        steps
            .iter()
            .try_fold(self, |el, (ns, name)| el.child(ns, name))
    }

    /// The value of an attribute, by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text, trimmed.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }
}

/// Parses a document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, String> {
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let position = reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("malformed XML at byte {position}: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(p) => {
                return Err(format!(
                    "undeclared namespace prefix '{}'",
                    String::from_utf8_lossy(&p)
                ))
            }
        };
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err("the document is nested too deeply".into());
                }
                stack.push(element(&reader, ns, &e)?);
            }
            Event::Empty(e) => {
                let el = element(&reader, ns, &e)?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("unexpected end tag")?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::Text(t) => {
                let text = t.xml10_content().map_err(|e| e.to_string())?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(t) => {
                let text = t.xml10_content().map_err(|e| e.to_string())?;
                push_text(&mut stack, &text)?;
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("reference to undeclared entity '{name}'"))?
                        .to_string(),
                };
                push_text(&mut stack, &resolved)?;
            }
            Event::DocType(_) => return Err("DTD is prohibited in this XML document.".into()),
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("unexpected end of file: an element is not closed".into());
    }
    root.ok_or_else(|| "root element is missing".into())
}

fn element(reader: &NsReader<&[u8]>, ns: String, e: &BytesStart) -> Result<Element, String> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|e| format!("malformed attribute: {e}"))?;
        let key = attr.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let (_, local) = reader.resolve_attribute(key);
        let value = attr
            .unescape_value()
            .map_err(|e| format!("bad attribute value: {e}"))?;
        attrs.push((
            String::from_utf8_lossy(local.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        ns,
        name,
        attrs,
        ..Element::default()
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_none() => *root = Some(el),
        None => return Err("more than one root element".into()),
    }
    Ok(())
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), String> {
    match stack.last_mut() {
        Some(el) => el.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err("text outside the root element".into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_namespaces_text_and_references() {
        let doc = br#"<?xml version="1.0"?><a xmlns="urn:a" xmlns:b="urn:b"><b:c x="1 &amp; 2">x &lt; y &#233;</b:c><d/></a>"#;
        let root = parse(doc).unwrap();
        assert_eq!((root.ns.as_str(), root.name.as_str()), ("urn:a", "a"));
        let c = root.child("urn:b", "c").unwrap();
        assert_eq!(c.text, "x < y é");
        assert_eq!(c.attr("x"), Some("1 & 2"));
        assert!(root.path(&[("urn:a", "d")]).is_some());
    }

    #[test]
    fn refuses_dtds_unknown_entities_and_bad_nesting() {
        assert!(parse(b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>").is_err());
        assert!(parse(b"<a>&e;</a>").is_err());
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"<a>").is_err());
        assert!(parse(b"<p:a/>").is_err());
        assert!(parse(b"").is_err());
        let deep = "<a>".repeat(1000) + &"</a>".repeat(1000);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
