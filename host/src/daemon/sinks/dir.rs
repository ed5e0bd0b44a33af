//! `<sink_dir>/<id>/record.json` + each file under its own name.
//!
//! Atomic per item: everything is written into `<sink_dir>/.tmp-<id>-<pid>-<n>`,
//! each file fsynced, the temp directory fsynced, then renamed to `<id>` (an
//! existing `<id>` is first renamed aside to `.old-<id>-<pid>-<n>` and removed
//! after), then `sink_dir` fsynced. A crash at any point leaves either the old
//! complete `<id>`, the new complete `<id>`, or no `<id>` (only between the two
//! renames, and the item was not acked then, so it comes again), plus
//! `.tmp-*`/`.old-*` litter that `DirSink::open` removes.
//!
//! Transient or permanent: an error of the disk (ENOSPC, EACCES, EIO, a
//! read-only or vanished mount...) says nothing about the item, and the
//! next item would meet it too: transient, the step ends. Permanent are the
//! refusals that come from the item's own names, because the same item
//! would be refused at every step and block the queue for good: an unsafe
//! id or file name, `record.json` among the files, the same name twice, an
//! id too long for the scratch names, a record that is not JSON, and two
//! names this file system takes for one (`A.pdf`/`a.pdf` where case is
//! folded, Unicode forms where names are normalised), which is the only way
//! a file can already exist in a fresh scratch folder.

use super::{check_component, parse_record, Sink, SinkError};
use crate::bindings::exports::soar::integration::daemon::Item;
use crate::error::Kind;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const RECORD: &str = "record.json";
/// Longest item id: `.tmp-<id>-<pid>-<n>` must stay within the 255 bytes
/// of a file name.
const MAX_ID: usize = 200;

pub struct DirSink {
    dir: PathBuf,
    n: u64,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> SinkError {
    SinkError::internal(format!("sink_dir: {what} {}: {e}", path.display()))
}

impl DirSink {
    /// Creates the directory if needed, and leaves what is in it alone
    /// (another process may be writing there).
    pub fn new(dir: &Path) -> Result<DirSink, SinkError> {
        fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        Ok(DirSink {
            dir: dir.to_path_buf(),
            n: 0,
        })
    }

    /// Creates the directory if needed and clears what a crash left behind.
    /// Returns the sink and how many leftovers were removed.
    pub fn open(dir: &Path) -> Result<(DirSink, usize), SinkError> {
        let sink = DirSink::new(dir)?;
        let mut cleaned = 0;
        for entry in fs::read_dir(dir).map_err(|e| io("cannot read", dir, e))? {
            let entry = entry.map_err(|e| io("cannot read", dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp-") || name.starts_with(".old-") {
                let path = entry.path();
                let r = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                r.map_err(|e| io("cannot remove", &path, e))?;
                cleaned += 1;
            }
        }
        if cleaned > 0 {
            fsync_dir(dir)?;
        }
        Ok((sink, cleaned))
    }

    fn scratch(&mut self, kind: &str, id: &str) -> PathBuf {
        self.n += 1;
        self.dir
            .join(format!(".{kind}-{id}-{}-{}", std::process::id(), self.n))
    }

    fn write_tmp(&self, tmp: &Path, item: &Item) -> Result<(), SinkError> {
        fs::create_dir(tmp).map_err(|e| io("cannot create", tmp, e))?;
        write_synced(&tmp.join(RECORD), item.json.as_bytes())?;
        for f in &item.files {
            write_synced(&tmp.join(&f.name), &f.data)?;
        }
        fsync_dir(tmp)
    }
}

/// Into a fresh scratch folder, whose names were checked unique.
fn write_synced(path: &Path, data: &[u8]) -> Result<(), SinkError> {
    let mut f = File::create_new(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            SinkError::permanent(
                Kind::Internal,
                format!(
                    "sink_dir: {}: two file names of the item are one name on this file system",
                    path.display()
                ),
            )
        } else {
            io("cannot create", path, e)
        }
    })?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| io("cannot write", path, e))
}

fn fsync_dir(dir: &Path) -> Result<(), SinkError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("cannot fsync", dir, e))
}

/// The id and every file name are single safe path components, the files
/// are unique, and none is `record.json`.
fn check(item: &Item) -> Result<(), SinkError> {
    check_component("item id", &item.id)?;
    if item.id.len() > MAX_ID {
        return Err(SinkError::permanent(
            Kind::Internal,
            format!("item id longer than {MAX_ID} bytes: {:?}", item.id),
        ));
    }
    let mut seen = HashSet::new();
    for f in &item.files {
        check_component("file name", &f.name)?;
        if f.name == RECORD {
            return Err(SinkError::permanent(
                Kind::Internal,
                format!("file name {RECORD:?} is reserved for the record"),
            ));
        }
        if !seen.insert(f.name.as_str()) {
            return Err(SinkError::permanent(
                Kind::Internal,
                format!("file name {:?} appears twice", f.name),
            ));
        }
    }
    Ok(())
}

impl Sink for DirSink {
    fn store(&mut self, item: &Item) -> Result<(), SinkError> {
        check(item)?;
        parse_record(item)?;
        let dest = self.dir.join(&item.id);
        let tmp = self.scratch("tmp", &item.id);
        if let Err(e) = self.write_tmp(&tmp, item) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        let old = match fs::symlink_metadata(&dest) {
            Ok(_) => {
                let old = self.scratch("old", &item.id);
                fs::rename(&dest, &old).map_err(|e| io("cannot move aside", &dest, e))?;
                Some(old)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io("cannot inspect", &dest, e)),
        };
        fs::rename(&tmp, &dest).map_err(|e| io("cannot rename into", &dest, e))?;
        fsync_dir(&self.dir)?;
        if let Some(old) = old {
            let r = if old.is_dir() {
                fs::remove_dir_all(&old)
            } else {
                fs::remove_file(&old)
            };
            // Stored already; litter is removed at the next start.
            let _ = r;
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "dir"
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_items::{item, scratch};
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        scratch(&format!("dirsink-{name}"))
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_overwrites() {
        let d = tempdir("write");
        let (mut sink, cleaned) = DirSink::open(&d).unwrap();
        assert_eq!(cleaned, 0);
        sink.store(&item("ews-1", &[("message.eml", b"v1"), ("a.pdf", b"pdf")]))
            .unwrap();
        assert_eq!(names(&d), ["ews-1"]);
        assert_eq!(
            names(&d.join("ews-1")),
            ["a.pdf", "message.eml", "record.json"]
        );
        assert_eq!(fs::read(d.join("ews-1/message.eml")).unwrap(), b"v1");
        let record: serde_json::Value =
            serde_json::from_slice(&fs::read(d.join("ews-1/record.json")).unwrap()).unwrap();
        assert_eq!(record["id"], "ews-1");

        // The same id again replaces it whole: no file of the old version stays.
        sink.store(&item("ews-1", &[("message.eml", b"v2")]))
            .unwrap();
        assert_eq!(names(&d), ["ews-1"]);
        assert_eq!(names(&d.join("ews-1")), ["message.eml", "record.json"]);
        assert_eq!(fs::read(d.join("ews-1/message.eml")).unwrap(), b"v2");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn litter_is_cleaned_at_open() {
        let d = tempdir("litter");
        fs::create_dir_all(d.join(".tmp-ews-1-99-1")).unwrap();
        fs::write(d.join(".tmp-ews-1-99-1/record.json"), b"{").unwrap();
        fs::create_dir_all(d.join(".old-ews-2-99-2")).unwrap();
        fs::create_dir_all(d.join("ews-3")).unwrap();
        fs::write(d.join("notes.txt"), b"keep").unwrap();
        let (_sink, cleaned) = DirSink::open(&d).unwrap();
        assert_eq!(cleaned, 2);
        assert_eq!(names(&d), ["ews-3", "notes.txt"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn unsafe_names_are_refused() {
        let d = tempdir("unsafe");
        let (mut sink, _) = DirSink::open(&d).unwrap();
        for it in [
            item("../evil", &[]),
            item("a/b", &[]),
            item("..", &[]),
            item("ok\0", &[]),
            item("ews-1", &[("../../x", b"")]),
            item("ews-1", &[("a/b", b"")]),
            item("ews-1", &[("..", b"")]),
            item("ews-1", &[("record.json", b"")]),
            item("ews-1", &[("a", b""), ("a", b"")]),
        ] {
            let e = sink.store(&it).unwrap_err();
            assert!(e.is_permanent(), "{:?}: {}", it.id, e.message);
        }
        let e = sink.store(&item(&"x".repeat(201), &[])).unwrap_err();
        assert!(e.is_permanent(), "{}", e.message);
        let mut bad = item("ews-1", &[]);
        bad.json = "not json".into();
        assert!(sink.store(&bad).is_err());
        assert!(names(&d).is_empty(), "{:?}", names(&d));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn an_error_of_the_disk_is_transient() {
        let d = tempdir("disk");
        let (mut sink, _) = DirSink::open(&d).unwrap();
        // The folder vanishing (an unmounted disk) fails every item alike.
        fs::remove_dir_all(&d).unwrap();
        let e = sink.store(&item("ews-1", &[])).unwrap_err();
        assert!(!e.is_permanent(), "{}", e.message);
        assert!(
            e.message.starts_with("sink_dir: cannot create"),
            "{}",
            e.message
        );
    }
}
