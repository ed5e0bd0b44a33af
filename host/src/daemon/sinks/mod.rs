//! Where the daemon puts items. `store` is called once per item, in order,
//! then `flush` once for the batch; after both say `Ok`, the items are
//! durably stored (only then are they acked). A sink may make each item
//! durable in `store` (http: the engine's answer) or the whole batch at
//! `flush` (dir: one sync for all). Every sink is idempotent by the item's
//! id: the same item may come again after a crash.

pub mod dir;
pub mod http;
pub mod stdout;

use crate::bindings::exports::soar::integration::daemon::Item;
use crate::error::{Failure, Kind};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Whether trying the same item again can succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The sink, its disk or its engine is not ready (down, full, refusing
    /// our credentials): the step ends and the item comes again.
    Transient,
    /// The sink refuses this very item, and would refuse it every time: the
    /// daemon dead-letters it so that the rest of the queue flows.
    Permanent,
}

#[derive(Debug, Clone)]
pub struct SinkError {
    pub kind: Kind,
    pub message: String,
    pub fate: Fate,
}

impl SinkError {
    /// A transient failure: the default, because a failure wrongly taken for
    /// transient only delays the queue, while one wrongly taken for
    /// permanent takes an email out of it.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        SinkError {
            kind,
            message: message.into(),
            fate: Fate::Transient,
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Kind::Internal, message)
    }
    /// This item is refused for good.
    pub fn permanent(kind: Kind, message: impl Into<String>) -> Self {
        SinkError {
            fate: Fate::Permanent,
            ..Self::new(kind, message)
        }
    }
    pub fn is_permanent(&self) -> bool {
        self.fate == Fate::Permanent
    }
    pub fn into_failure(self, id: &str) -> Failure {
        Failure::new(self.kind, format!("sink: item {id:?}: {}", self.message))
    }
}

pub trait Sink {
    fn store(&mut self, item: &Item) -> Result<(), SinkError>;
    /// Makes every item stored since the last flush durable.
    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
    /// `stdout`, `dir` or `http`: recorded with each dead letter.
    fn name(&self) -> &'static str;
}

/// A file as the stdout and http sinks describe it (keys in this order).
#[derive(Serialize)]
pub struct FileOut<'a> {
    pub name: &'a str,
    pub media_type: &'a str,
    pub size: usize,
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_base64: Option<String>,
}

/// `{"id", "record", "files": [...]}`: one stdout line, or the http body.
#[derive(Serialize)]
pub struct Envelope<'a> {
    pub id: &'a str,
    pub record: serde_json::Value,
    pub files: Vec<FileOut<'a>>,
}

impl<'a> Envelope<'a> {
    pub fn new(item: &'a Item, inline: bool) -> Result<Self, SinkError> {
        use base64::Engine as _;
        let record = parse_record(item)?;
        let files = item
            .files
            .iter()
            .map(|f| FileOut {
                name: &f.name,
                media_type: &f.media_type,
                size: f.data.len(),
                sha256: sha256_hex(&f.data),
                data_base64: inline
                    .then(|| base64::engine::general_purpose::STANDARD.encode(&f.data)),
            })
            .collect();
        Ok(Envelope {
            id: &item.id,
            record,
            files,
        })
    }
}

/// A record that is not JSON never will be: permanent, for every sink.
pub fn parse_record(item: &Item) -> Result<serde_json::Value, SinkError> {
    serde_json::from_str(&item.json).map_err(|e| {
        SinkError::permanent(
            Kind::Internal,
            format!("the component's record is not JSON: {e}"),
        )
    })
}

/// Encoding a parsed record cannot fail in practice; if it did, it would
/// fail the same way for this item every time.
pub fn encode(value: &impl Serialize) -> Result<Vec<u8>, SinkError> {
    serde_json::to_vec(value)
        .map_err(|e| SinkError::permanent(Kind::Internal, format!("cannot encode: {e}")))
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
pub mod test_items {
    use crate::bindings::exports::soar::integration::daemon::Item;
    use crate::bindings::soar::integration::types::File;

    /// A path of its own under the temp dir for one test, emptied.
    pub fn scratch(test: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("ews-host-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    pub fn item(id: &str, files: &[(&str, &[u8])]) -> Item {
        Item {
            id: id.to_string(),
            json: format!(
                "{{\"id\": {},\n \"subject\": \"hi\"}}",
                serde_json::to_string(id).unwrap()
            ),
            files: files
                .iter()
                .map(|(n, d)| File {
                    name: n.to_string(),
                    media_type: "application/octet-stream".into(),
                    data: d.to_vec(),
                })
                .collect(),
        }
    }
}
