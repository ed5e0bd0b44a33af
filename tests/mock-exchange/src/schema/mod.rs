//! Validation of request bodies against Microsoft's EWS schema, in-process with libxml2.
//!
//! The schema (`schema/ews-envelope-validate.xsd`: the SOAP 1.1 envelope plus
//! `messages.xsd`/`types.xsd`) is compiled once per process and shared; each
//! validation parses the body and validates it with a fresh validation context,
//! well under a millisecond for a typical request. Shelling out to xmllint would cost
//! ~400 ms a request.
//!
//! Safety of the parse: entities are never substituted (no `XML_PARSE_NOENT`), no DTD
//! is loaded (no `XML_PARSE_DTDLOAD`) and the network is forbidden (`XML_PARSE_NONET`).

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_void, CString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

mod libxml2;
use libxml2::*;

/// One message from libxml2: where it is and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The compiled EWS schema, plus the names of the global elements of the messages
/// and types namespaces (the envelope schema is lax about undeclared elements).
pub struct Schema {
    xsd: *mut c_void,
    /// libxml2 documents a compiled schema as shareable; the lock makes that moot.
    lock: Mutex<()>,
    messages: HashSet<String>,
    types: HashSet<String>,
}

// SAFETY: the compiled schema is only read after parsing, and every use holds `lock`.
unsafe impl Send for Schema {}
unsafe impl Sync for Schema {}

/// Where the crate keeps its copy of the schema.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

/// The process-wide schema from [`default_dir`], compiled on first use.
pub fn shared() -> anyhow::Result<Arc<Schema>> {
    static SHARED: OnceLock<Result<Arc<Schema>, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            Schema::load(&default_dir())
                .map(Arc::new)
                .map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

impl Schema {
    /// Compiles `dir/ews-envelope-validate.xsd`.
    pub fn load(dir: &Path) -> anyhow::Result<Schema> {
        let entry = dir.join("ews-envelope-validate.xsd");
        let messages = global_elements(&dir.join("messages.xsd"))?;
        let types = global_elements(&dir.join("types.xsd"))?;
        let url = CString::new(entry.to_string_lossy().as_bytes())?;
        let mut issues: Vec<Issue> = Vec::new();
        // SAFETY: plain libxml2 calls; `issues` outlives the parser context.
        let xsd = unsafe {
            xmlInitParser();
            let ctxt = xmlSchemaNewParserCtxt(url.as_ptr());
            if ctxt.is_null() {
                anyhow::bail!("libxml2 could not open {}", entry.display());
            }
            let sink = &mut issues as *mut Vec<Issue> as *mut c_void;
            xmlSchemaSetParserStructuredErrors(ctxt, Some(collect), sink);
            xmlSetStructuredErrorFunc(sink, Some(collect));
            let xsd = xmlSchemaParse(ctxt);
            xmlSetStructuredErrorFunc(std::ptr::null_mut(), None);
            xmlSchemaFreeParserCtxt(ctxt);
            xsd
        };
        if xsd.is_null() {
            let first = issues
                .first()
                .map(|i| i.message.as_str())
                .unwrap_or("no message");
            anyhow::bail!("cannot compile the EWS schema {}: {first}", entry.display());
        }
        Ok(Schema {
            xsd,
            lock: Mutex::new(()),
            messages,
            types,
        })
    }

    /// Validates one document; `Err` holds libxml2's messages (parse or schema errors).
    pub fn validate(&self, doc: &[u8]) -> Result<(), Vec<Issue>> {
        let Ok(size) = c_int::try_from(doc.len()) else {
            return Err(vec![Issue {
                line: 0,
                column: 0,
                message: "document too large".into(),
            }]);
        };
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut issues: Vec<Issue> = Vec::new();
        let sink = &mut issues as *mut Vec<Issue> as *mut c_void;
        let options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
        // SAFETY: `doc` and `issues` outlive every call below; each libxml2 object
        // created here is freed here. The structured handler is per-thread state in
        // libxml2 and is reset before returning.
        let valid = unsafe {
            xmlSetStructuredErrorFunc(sink, Some(collect));
            let parsed = xmlReadMemory(
                doc.as_ptr() as *const c_char,
                size,
                std::ptr::null(),
                std::ptr::null(),
                options,
            );
            let valid = if parsed.is_null() {
                false
            } else {
                let vctxt = xmlSchemaNewValidCtxt(self.xsd);
                let rc = if vctxt.is_null() {
                    -1
                } else {
                    xmlSchemaSetValidStructuredErrors(vctxt, Some(collect), sink);
                    let rc = xmlSchemaValidateDoc(vctxt, parsed);
                    xmlSchemaFreeValidCtxt(vctxt);
                    rc
                };
                xmlFreeDoc(parsed);
                rc == 0
            };
            xmlSetStructuredErrorFunc(std::ptr::null_mut(), None);
            valid
        };
        if valid {
            return Ok(());
        }
        if issues.is_empty() {
            issues.push(Issue {
                line: 0,
                column: 0,
                message: "the document is not valid".into(),
            });
        }
        for issue in issues.iter_mut().filter(|i| i.column == 0 && i.line > 0) {
            issue.column = locate(doc, issue);
        }
        Err(issues)
    }

    /// Whether `name` is a global element of the EWS messages namespace.
    pub fn is_message_element(&self, name: &str) -> bool {
        self.messages.contains(name)
    }

    /// Whether `name` is a global element of the EWS types namespace.
    pub fn is_type_element(&self, name: &str) -> bool {
        self.types.contains(name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // SAFETY: `xsd` came from xmlSchemaParse and is freed once.
        unsafe { xmlSchemaFree(self.xsd) }
    }
}

/// libxml2 gives no column for schema errors; like .NET, point at the name of the
/// element the message is about (`Element '{ns}Name': ...`) on the reported line.
/// 0 when it cannot be found.
fn locate(doc: &[u8], issue: &Issue) -> u32 {
    let Some(rest) = issue.message.strip_prefix("Element '") else {
        return 0;
    };
    let name = rest.split('\'').next().unwrap_or_default();
    let local = name.rsplit('}').next().unwrap_or(name);
    let Some(line) = doc.split(|b| *b == b'\n').nth(issue.line as usize - 1) else {
        return 0;
    };
    let line = String::from_utf8_lossy(line);
    for (i, _) in line.match_indices('<') {
        let tag = &line[i + 1..];
        let end = tag
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(tag.len());
        let qname = &tag[..end];
        if qname.rsplit(':').next() == Some(local) {
            return line[..=i].chars().count() as u32 + 1;
        }
    }
    0
}

/// Names of the top-level `xs:element`s of one schema file.
fn global_elements(path: &Path) -> anyhow::Result<HashSet<String>> {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut names = HashSet::new();
    let mut depth = 0usize;
    loop {
        let event = reader.read_event()?;
        let (start, tag_depth) = match &event {
            Event::Start(e) => (Some(e.clone()), {
                depth += 1;
                depth
            }),
            Event::Empty(e) => (Some(e.clone()), depth + 1),
            Event::End(_) => {
                depth -= 1;
                (None, 0)
            }
            Event::Eof => break,
            _ => (None, 0),
        };
        if let Some(e) = start {
            if tag_depth == 2 && e.local_name().as_ref() == b"element" {
                if let Some(a) = e.try_get_attribute("name")? {
                    names.insert(String::from_utf8_lossy(&a.value).into_owned());
                }
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests;
