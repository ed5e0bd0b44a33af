//! One JSON line per item on stdout, flushed each time (stdout is the
//! engine's pipe): `{"id","record","files":[{"name","media_type","size",
//! "sha256"[,"data_base64"]}]}`. A line written and flushed is stored.
//! A write error (a closed pipe, a full disk behind a redirect) is the
//! reader's or the disk's trouble, not the item's: transient.

use super::{encode, Envelope, Sink, SinkError};
use crate::bindings::exports::soar::integration::daemon::Item;
use std::io::Write;

pub struct StdoutSink<W: Write> {
    out: W,
    inline: bool,
}

impl StdoutSink<std::io::Stdout> {
    pub fn stdout(inline: bool) -> Self {
        StdoutSink {
            out: std::io::stdout(),
            inline,
        }
    }
}

impl<W: Write> StdoutSink<W> {
    #[cfg(test)]
    pub fn new(out: W, inline: bool) -> Self {
        StdoutSink { out, inline }
    }
}

pub fn line(item: &Item, inline: bool) -> Result<String, SinkError> {
    let env = Envelope::new(item, inline)?;
    // serde_json writes UTF-8 only.
    Ok(String::from_utf8_lossy(&encode(&env)?).into_owned())
}

impl<W: Write> Sink for StdoutSink<W> {
    fn store(&mut self, item: &Item) -> Result<(), SinkError> {
        let mut text = line(item, self.inline)?;
        text.push('\n');
        // One write of the whole line, so that a reader never sees half of
        // one followed by something else.
        self.out
            .write_all(text.as_bytes())
            .and_then(|_| self.out.flush())
            .map_err(|e| SinkError::internal(format!("stdout: {e}")))
    }

    fn name(&self) -> &'static str {
        "stdout"
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_items::item;
    use super::*;

    #[test]
    fn line_format() {
        let it = item("ews-1", &[("message.eml", b"abc")]);
        let mut sink = StdoutSink::new(Vec::new(), false);
        sink.store(&it).unwrap();
        sink.store(&item("ews-2", &[])).unwrap();
        let text = String::from_utf8(sink.out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"id":"ews-1","record":{"id":"ews-1","subject":"hi"},"files":[{"name":"message.eml","media_type":"application/octet-stream","size":3,"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]}"#
        );
        assert_eq!(
            lines[1],
            r#"{"id":"ews-2","record":{"id":"ews-2","subject":"hi"},"files":[]}"#
        );
        assert!(text.ends_with('\n'));

        let mut sink = StdoutSink::new(Vec::new(), true);
        sink.store(&it).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&sink.out).unwrap();
        assert_eq!(v["files"][0]["data_base64"], "YWJj");
    }

    #[test]
    fn a_record_that_is_not_json_fails_the_item() {
        let mut it = item("ews-1", &[]);
        it.json = "{not json".into();
        let mut sink = StdoutSink::new(Vec::new(), false);
        let e = sink.store(&it).unwrap_err();
        assert!(e.message.contains("not JSON"), "{}", e.message);
        assert!(e.is_permanent(), "the same bytes never parse");
        assert!(sink.out.is_empty());
    }

    /// A writer that always fails, as a closed pipe does.
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_is_transient() {
        let e = StdoutSink::new(Broken, false)
            .store(&item("ews-1", &[]))
            .unwrap_err();
        assert!(!e.is_permanent());
        assert!(e.message.starts_with("stdout: "), "{}", e.message);
    }
}
