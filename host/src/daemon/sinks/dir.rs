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
//! Names never block the queue. The id and the file names come from the
//! component, which promises safe ones; the host does not trust that, but
//! it does not refuse an item for its names either (a refusal would take the
//! email out of the queue as a dead letter). A name that is not a safe,
//! portable single path component (empty, `.`/`..`, a path separator, a
//! control character, a leading dot, a trailing dot or space, a Windows
//! device name such as `CON` or `lpt1.txt`, longer than the limit) is stored
//! under a sanitised name ending in `-` and 12 hex digits of the SHA-256 of
//! the original: unique, and stable, so that the same item lands in the same
//! folder again. File names are also made unique (case-insensitively, with
//! `record.json` reserved), and two names the file system takes for one
//! (Unicode forms where names are normalised) get a `-2`, `-3`... suffix.
//! Whenever a name was changed the record says so: `record.json` gets a
//! top-level `"dir_sink"` object, `{"folder": <the folder's name>, "id": <the
//! original id>, "files": [{"name": <original>, "stored_as": <on disk>}]}`
//! (only the renamed files), so nothing of the original is lost.
//!
//! Transient or permanent: an error of the disk (ENOSPC, EACCES, EIO, a
//! read-only or vanished mount...) says nothing about the item, and the
//! next item would meet it too: transient, the step ends. The only
//! permanent refusal left is a record that is not JSON.

use super::{parse_record, sha256_hex, Sink, SinkError};
use crate::bindings::exports::soar::integration::daemon::Item;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const RECORD: &str = "record.json";
/// Longest folder name: `.tmp-<folder>-<pid>-<n>` must stay within the 255
/// bytes of a file name.
const MAX_ID: usize = 200;
/// Longest file name (the usual file-system limit).
const MAX_NAME: usize = 255;

/// What `DirSink::write` put where.
#[derive(Debug)]
pub struct Stored {
    /// `<sink_dir>/<folder>`.
    pub folder: PathBuf,
    /// Each file's name on disk, in the item's order.
    pub files: Vec<String>,
    /// The bytes of `record.json`.
    pub record: Vec<u8>,
}

/// Windows' device names, which no file can have there (with any extension),
/// and which a share or a tool copying the folder elsewhere would trip on.
fn reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || ((upper.starts_with("COM") || upper.starts_with("LPT"))
        && upper.len() == 4
        && upper.as_bytes()[3].is_ascii_digit())
}

/// A single, portable path component of at most `max` bytes, safe as it is.
fn is_safe(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && !name.starts_with('.')
        && !name.ends_with(['.', ' '])
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
        && !reserved(name)
}

/// `name` itself when safe, else a sanitised form ending in `-<12 hex of
/// sha256(name)>` (before the extension, when it has a short, plain one).
pub fn safe_name(name: &str, max: usize, fallback: &str) -> String {
    if is_safe(name, max) {
        return name.to_string();
    }
    let tag = &sha256_hex(name.as_bytes())[..12];
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_control() || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_start_matches(['.', ' ', '_']);
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=10).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (stem, format!(".{ext}"))
        }
        _ => (clean, String::new()),
    };
    let stem = stem.trim_end_matches(['.', ' ']);
    let stem = if stem.is_empty() { fallback } else { stem };
    let room = max.saturating_sub(tag.len() + 1 + ext.len());
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{tag}{ext}", &stem[..cut])
}

/// `a.pdf` -> `a-2.pdf`.
fn numbered(name: &str, k: u32) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{k}.{ext}"),
        _ => format!("{name}-{k}"),
    }
}

/// Every file's name on disk: safe, and unique ignoring case, `record.json`
/// reserved.
fn file_names(item: &Item) -> Vec<String> {
    let mut used: HashSet<String> = [RECORD.to_string()].into();
    item.files
        .iter()
        .map(|f| {
            // Room for a `-NNN` suffix.
            let base = safe_name(&f.name, MAX_NAME - 8, "file");
            let mut name = base.clone();
            let mut k = 1;
            while !used.insert(name.to_lowercase()) {
                k += 1;
                name = numbered(&base, k);
            }
            name
        })
        .collect()
}

pub struct DirSink {
    dir: PathBuf,
    n: u64,
    /// Written by `store` but not yet synced and renamed into place:
    /// (scratch folder, final folder name), for `flush`.
    staged: Vec<(PathBuf, String)>,
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
            staged: Vec::new(),
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

    /// Writes every file, then the record (with `dir_sink` when a name was
    /// changed), into a fresh scratch folder; each fsynced when `sync`.
    fn write_tmp(
        &self,
        tmp: &Path,
        item: &Item,
        folder: &str,
        sync: bool,
    ) -> Result<Stored, SinkError> {
        fs::create_dir(tmp).map_err(|e| io("cannot create", tmp, e))?;
        let mut files = Vec::with_capacity(item.files.len());
        for (f, planned) in item.files.iter().zip(file_names(item)) {
            files.push(write_new(tmp, &planned, &f.data, sync)?);
        }
        let renamed: Vec<serde_json::Value> = item
            .files
            .iter()
            .zip(&files)
            .filter(|(f, stored)| f.name != **stored)
            .map(|(f, stored)| serde_json::json!({"name": f.name, "stored_as": stored}))
            .collect();
        let record = if folder == item.id && renamed.is_empty() {
            item.json.as_bytes().to_vec()
        } else {
            let mut value = parse_record(item)?;
            if let Some(map) = value.as_object_mut() {
                map.insert(
                    "dir_sink".into(),
                    serde_json::json!({"folder": folder, "id": item.id, "files": renamed}),
                );
            }
            super::encode(&value)?
        };
        write_file(&tmp.join(RECORD), &record, sync)?;
        if sync {
            fsync_dir(tmp)?;
        }
        Ok(Stored {
            folder: self.dir.join(folder),
            files,
            record,
        })
    }

    /// Stores the item durably at once; what was written where.
    pub fn write(&mut self, item: &Item) -> Result<Stored, SinkError> {
        let (tmp, folder, stored) = self.prepare(item, true)?;
        let old = self.place(&tmp, &folder)?;
        fsync_dir(&self.dir)?;
        remove_old(old);
        Ok(stored)
    }

    /// Writes the item into a scratch folder, unsynced; `commit` makes it
    /// durable and puts it in place.
    fn stage(&mut self, item: &Item) -> Result<(), SinkError> {
        let (tmp, folder, _) = self.prepare(item, false)?;
        self.staged.push((tmp, folder));
        Ok(())
    }

    /// The item written whole into a fresh scratch folder (removed again if
    /// that fails): the folder, the name it is to have, what is in it.
    fn prepare(&mut self, item: &Item, sync: bool) -> Result<(PathBuf, String, Stored), SinkError> {
        parse_record(item)?;
        let folder = safe_name(&item.id, MAX_ID, "item");
        let tmp = self.scratch("tmp", &folder);
        match self.write_tmp(&tmp, item, &folder, sync) {
            Ok(stored) => Ok((tmp, folder, stored)),
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                Err(e)
            }
        }
    }

    /// Every staged item made durable (one sync of the file system, not
    /// one fsync per file), then renamed into place, then `sink_dir`
    /// fsynced once: the same all-or-nothing per item as `write`, at two
    /// syncs per batch instead of several per item.
    fn commit(&mut self) -> Result<(), SinkError> {
        let staged = std::mem::take(&mut self.staged);
        if staged.is_empty() {
            return Ok(());
        }
        sync_all_of(&self.dir, &staged)?;
        let mut olds = Vec::new();
        for (tmp, folder) in &staged {
            olds.push(self.place(tmp, folder)?);
        }
        fsync_dir(&self.dir)?;
        olds.into_iter().for_each(remove_old);
        Ok(())
    }

    /// Renames the scratch folder to `<folder>`, an existing one moved
    /// aside first (returned, to be removed once the rename is durable).
    fn place(&mut self, tmp: &Path, folder: &str) -> Result<Option<PathBuf>, SinkError> {
        let dest = self.dir.join(folder);
        let old = match fs::symlink_metadata(&dest) {
            Ok(_) => {
                let old = self.scratch("old", folder);
                fs::rename(&dest, &old).map_err(|e| io("cannot move aside", &dest, e))?;
                Some(old)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io("cannot inspect", &dest, e)),
        };
        fs::rename(tmp, &dest).map_err(|e| io("cannot rename into", &dest, e))?;
        Ok(old)
    }
}

/// Stored already; litter is removed at the next start if this fails.
fn remove_old(old: Option<PathBuf>) {
    if let Some(old) = old {
        let _ = if old.is_dir() {
            fs::remove_dir_all(&old)
        } else {
            fs::remove_file(&old)
        };
    }
}

/// Makes the staged folders' contents durable: syncfs(2) on Linux (one
/// call for the whole batch, and since Linux 5.8 it reports write-back
/// errors), else an fsync of every file and folder.
fn sync_all_of(dir: &Path, staged: &[(PathBuf, String)]) -> Result<(), SinkError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = File::open(dir).map_err(|e| io("cannot open", dir, e))?;
        // SAFETY: a valid, open file descriptor for the call's duration.
        if unsafe { libc::syncfs(d.as_raw_fd()) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ENOSYS) {
            return Err(io("cannot sync the file system of", dir, e));
        }
    }
    for (tmp, _) in staged {
        for entry in fs::read_dir(tmp).map_err(|e| io("cannot read", tmp, e))? {
            let path = entry.map_err(|e| io("cannot read", tmp, e))?.path();
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| io("cannot fsync", &path, e))?;
        }
        fsync_dir(tmp)?;
    }
    Ok(())
}

/// Creates `name` in the fresh folder `dir`, or, when the file system takes
/// it for a name already there (Unicode forms where names are normalised),
/// `name-2`, `name-3`...; returns the name used.
fn write_new(dir: &Path, name: &str, data: &[u8], sync: bool) -> Result<String, SinkError> {
    let mut candidate = name.to_string();
    for k in 2..=1000 {
        let path = dir.join(&candidate);
        match File::create_new(&path) {
            Ok(mut f) => {
                f.write_all(data)
                    .and_then(|_| if sync { f.sync_all() } else { Ok(()) })
                    .map_err(|e| io("cannot write", &path, e))?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                candidate = numbered(name, k);
            }
            Err(e) => return Err(io("cannot create", &path, e)),
        }
    }
    Err(SinkError::internal(format!(
        "sink_dir: {}: no free name for {name:?}",
        dir.display()
    )))
}

fn write_file(path: &Path, data: &[u8], sync: bool) -> Result<(), SinkError> {
    let mut f = File::create_new(path).map_err(|e| io("cannot create", path, e))?;
    f.write_all(data)
        .and_then(|_| if sync { f.sync_all() } else { Ok(()) })
        .map_err(|e| io("cannot write", path, e))
}

fn fsync_dir(dir: &Path) -> Result<(), SinkError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("cannot fsync", dir, e))
}

impl Sink for DirSink {
    fn store(&mut self, item: &Item) -> Result<(), SinkError> {
        self.stage(item)
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.commit()
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
    fn a_batch_is_in_place_only_after_flush_and_replaces_what_was_there() {
        let d = tempdir("staged");
        let (mut sink, _) = DirSink::open(&d).unwrap();
        sink.write(&item("ews-1", &[("old.eml", b"old")])).unwrap();
        Sink::store(&mut sink, &item("ews-1", &[("message.eml", b"new")])).unwrap();
        Sink::store(&mut sink, &item("ews-2", &[("a.txt", b"a")])).unwrap();
        // Staged only: what was in place still is, nothing new shows.
        assert!(d.join("ews-1").join("old.eml").exists());
        assert!(!d.join("ews-2").exists());
        Sink::flush(&mut sink).unwrap();
        assert_eq!(
            fs::read(d.join("ews-1").join("message.eml")).unwrap(),
            b"new"
        );
        assert!(!d.join("ews-1").join("old.eml").exists());
        assert_eq!(fs::read(d.join("ews-2").join("a.txt")).unwrap(), b"a");
        assert_eq!(names(&d), ["ews-1", "ews-2"], "no scratch folder is left");
        // A flush with nothing staged does nothing.
        Sink::flush(&mut sink).unwrap();
    }

    #[test]
    fn writes_and_overwrites() {
        let d = tempdir("write");
        let (mut sink, cleaned) = DirSink::open(&d).unwrap();
        assert_eq!(cleaned, 0);
        sink.store(&item("ews-1", &[("message.eml", b"v1"), ("a.pdf", b"pdf")]))
            .unwrap();
        sink.flush().unwrap();
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
        sink.flush().unwrap();
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

    fn record(d: &Path, folder: &str) -> serde_json::Value {
        serde_json::from_slice(&fs::read(d.join(folder).join(RECORD)).unwrap()).unwrap()
    }

    #[test]
    fn hostile_ids_are_stored_under_safe_stable_names() {
        let d = tempdir("hostile-ids");
        let (mut sink, _) = DirSink::open(&d).unwrap();
        let long = "x".repeat(300);
        let ids = [
            "../evil",
            "a/b",
            "..",
            ".",
            "",
            "ok\0",
            "a\nb",
            "a\\b",
            ".hidden",
            "CON",
            "con.txt",
            "LPT1",
            "trailing.",
            "trailing ",
            "/",
            &long,
        ];
        let mut folders = HashSet::new();
        for id in ids {
            let stored = sink.write(&item(id, &[("message.eml", b"m")])).unwrap();
            let folder = stored
                .folder
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert_eq!(
                stored.folder.parent(),
                Some(d.as_path()),
                "{id:?} stays in sink_dir"
            );
            assert!(is_safe(&folder, MAX_ID), "{id:?} -> {folder:?}");
            assert!(
                folders.insert(folder.clone()),
                "{id:?} -> {folder:?} is unique"
            );
            let r = record(&d, &folder);
            assert_eq!(r["dir_sink"]["id"], id, "the original id is kept");
            assert_eq!(r["dir_sink"]["folder"], folder.as_str());
            assert_eq!(r["subject"], "hi", "the record is the component's");
            assert_eq!(fs::read(stored.folder.join("message.eml")).unwrap(), b"m");
            // The same id again lands in the same folder.
            let again = sink.write(&item(id, &[])).unwrap();
            assert_eq!(again.folder, stored.folder, "{id:?}");
        }
        assert_eq!(names(&d).len(), ids.len(), "{:?}", names(&d));
        // A safe id keeps its name and its record is written byte for byte.
        let it = item("ews-1", &[("a.pdf", b"")]);
        let stored = sink.write(&it).unwrap();
        assert_eq!(stored.folder, d.join("ews-1"));
        assert_eq!(
            fs::read(d.join("ews-1").join(RECORD)).unwrap(),
            it.json.as_bytes()
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn hostile_file_names_are_stored_under_safe_unique_names() {
        let d = tempdir("hostile-files");
        let (mut sink, _) = DirSink::open(&d).unwrap();
        let long = format!("{}.pdf", "ü".repeat(200));
        let files: Vec<(&str, &[u8])> = vec![
            ("../../x", b"1"),
            ("a/b", b"2"),
            ("..", b"3"),
            ("", b"4"),
            ("record.json", b"5"),
            ("a", b"6"),
            ("a", b"7"),
            ("A", b"8"),
            ("NUL.txt", b"9"),
            ("bell\u{7}.txt", b"10"),
            (&long, b"11"),
            ("invoice.pdf", b"12"),
        ];
        let stored = sink.write(&item("ews-1", &files)).unwrap();
        assert_eq!(stored.folder, d.join("ews-1"));
        assert_eq!(stored.files.len(), files.len());
        let on_disk = names(&stored.folder);
        assert_eq!(on_disk.len(), files.len() + 1, "{on_disk:?}");
        let mut lower = HashSet::new();
        for ((original, data), name) in files.iter().zip(&stored.files) {
            assert!(is_safe(name, MAX_NAME), "{original:?} -> {name:?}");
            assert!(lower.insert(name.to_lowercase()), "{name:?} twice");
            assert_ne!(name, RECORD);
            assert_eq!(
                &fs::read(stored.folder.join(name)).unwrap(),
                data,
                "{original:?}"
            );
        }
        assert_eq!(stored.files[11], "invoice.pdf", "a safe name is kept");
        assert_eq!(stored.files[5], "a");
        assert_eq!(stored.files[6], "a-2");
        assert_eq!(stored.files[7], "A-3");
        assert!(stored.files[10].ends_with(".pdf"), "{}", stored.files[10]);
        let r = record(&d, "ews-1");
        assert_eq!(r["subject"], "hi");
        let renamed = r["dir_sink"]["files"].as_array().unwrap();
        assert_eq!(renamed.len(), 10, "{renamed:?}");
        for entry in renamed {
            let original = entry["name"].as_str().unwrap();
            let at = files.iter().position(|(n, _)| *n == original).unwrap();
            let at = if original == "a" { 6 } else { at };
            assert_eq!(entry["stored_as"], stored.files[at].as_str(), "{entry}");
        }
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_record_that_is_not_json_is_the_one_permanent_refusal() {
        let d = tempdir("notjson");
        let (mut sink, _) = DirSink::open(&d).unwrap();
        let mut bad = item("ews-1", &[]);
        bad.json = "not json".into();
        assert!(sink.store(&bad).unwrap_err().is_permanent());
        assert!(names(&d).is_empty(), "{:?}", names(&d));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn safe_names() {
        for ok in [
            "ews-3f9a",
            "invoice.pdf",
            "a b.txt",
            "ünïcode",
            "CONSOLE",
            "com10",
        ] {
            assert!(is_safe(ok, MAX_NAME), "{ok}");
            assert_eq!(safe_name(ok, MAX_NAME, "f"), ok);
        }
        for bad in [
            "", ".", "..", "../x", "a/b", "a\\b", "a\0b", ".tmp-x", "a\nb", "con", "Aux.txt",
            "com1", "LPT9.log", "x.", "x ",
        ] {
            assert!(!is_safe(bad, MAX_NAME), "{bad:?}");
            let s = safe_name(bad, MAX_NAME, "f");
            assert!(is_safe(&s, MAX_NAME), "{bad:?} -> {s:?}");
        }
        let tag = |s: &str| sha256_hex(s.as_bytes())[..12].to_string();
        assert_eq!(
            safe_name("../evil.pdf", 255, "f"),
            format!("evil-{}.pdf", tag("../evil.pdf"))
        );
        assert_eq!(safe_name("a/b", 255, "f"), format!("a_b-{}", tag("a/b")));
        assert_eq!(safe_name("CON", 255, "f"), format!("CON-{}", tag("CON")));
        assert_eq!(safe_name("", 255, "item"), format!("item-{}", tag("")));
        let long = safe_name(&"é".repeat(200), 100, "f");
        assert!(long.len() <= 100 && is_safe(&long, 100), "{long}");
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
