//! Compiled components cached on disk, so that only the first run after a
//! build pays for compilation. The key is the sha256 of the component bytes
//! plus wasmtime's compatibility hash (its version and every engine setting
//! that changes machine code).
//!
//! A cache entry is machine code this process will run (wasmtime's
//! `deserialize` is `unsafe` for that reason), so the cache is guarded:
//! - `cache_dir` is created private (0700); an existing one that is not a
//!   directory, is owned by another user, or is writable by group or others
//!   is refused at start-up (invalid-input naming `cache_dir`), because
//!   whoever can write it could run code in this host. Refused rather than
//!   silently skipped: a skipped cache hides the problem and makes every
//!   call pay for compilation, while the fix (`chmod 700`, or another
//!   `cache_dir`) is one command for the operator.
//! - each entry `<key>.cwasm` has `<key>.cwasm.sha256` beside it, the
//!   SHA-256 of the bytes this host serialized; an entry is read into memory
//!   once, checked against it, and only then deserialized (from those very
//!   bytes, so that nothing can swap the file between the check and the
//!   load). An entry that is missing its digest, does not match it, is not a
//!   regular file of ours, or is writable by others is never loaded: it is
//!   recompiled and replaced, with a warning.
//!
//! Otherwise the cache is never a reason to fail: a cache that cannot be
//! written is a warning.

use crate::error::Failure;
use crate::logging::{Level, Logger};
use sha2::{Digest, Sha256};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wasmtime::component::Component;
use wasmtime::Engine;

pub fn cache_file(engine: &Engine, bytes: &[u8], dir: &Path) -> PathBuf {
    let hex = hex(&Sha256::digest(bytes));
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    dir.join(format!("{hex}-{:016x}.cwasm", h.finish()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where an entry's digest is kept.
fn digest_file(entry: &Path) -> PathBuf {
    let mut name = entry.as_os_str().to_os_string();
    name.push(".sha256");
    PathBuf::from(name)
}

fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Why `meta` (of `path`) may not hold code this host runs, if it may not.
fn unsafe_owner_or_mode(meta: &fs::Metadata) -> Option<String> {
    let uid = current_uid();
    if meta.uid() != uid {
        return Some(format!(
            "is owned by uid {}, not by this user (uid {uid})",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Some(format!(
            "is writable by {} (mode {mode:04o})",
            if mode & 0o002 != 0 {
                "everyone"
            } else {
                "its group"
            }
        ));
    }
    None
}

/// Creates `dir` private (0700) if needed, and refuses one that others could
/// write into.
pub fn prepare(dir: &Path) -> Result<(), Failure> {
    let refuse = |why: String| {
        Failure::invalid_input(format!(
            "cache_dir: {} {why}: whoever can write the cache can run code in this host; use a directory of your own that only you can write (chmod 700), or another cache_dir",
            dir.display()
        ))
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| refuse(format!("cannot be created ({e})")))?;
    let meta = fs::metadata(dir).map_err(|e| refuse(format!("cannot be read ({e})")))?;
    if !meta.is_dir() {
        return Err(refuse("is not a directory".into()));
    }
    match unsafe_owner_or_mode(&meta) {
        Some(why) => Err(refuse(why)),
        None => Ok(()),
    }
}

/// The entry's bytes, if they are ours and unchanged since we wrote them.
fn read_verified(path: &Path) -> Result<Vec<u8>, String> {
    let meta = fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err("not a regular file".into());
    }
    if let Some(why) = unsafe_owner_or_mode(&meta) {
        return Err(why);
    }
    let expected =
        fs::read_to_string(digest_file(path)).map_err(|e| format!("no digest beside it ({e})"))?;
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    if hex(&Sha256::digest(&bytes)) != expected.trim() {
        return Err(
            "its SHA-256 does not match the digest written with it (changed or swapped)".into(),
        );
    }
    Ok(bytes)
}

pub fn load(
    engine: &Engine,
    bytes: &[u8],
    cache_dir: Option<&Path>,
    logger: &Logger,
) -> wasmtime::Result<Component> {
    let path = cache_dir.map(|d| cache_file(engine, bytes, d));
    if let Some(path) = path.as_ref().filter(|p| p.exists()) {
        let start = Instant::now();
        match read_verified(path) {
            Ok(serialized) => {
                // SAFETY: these bytes are the ones this host serialized
                // (their SHA-256 matches the digest written beside them, in a
                // directory only this user can write, and they are not read
                // again); wasmtime also checks the header and compatibility
                // hash and refuses anything else.
                match unsafe { Component::deserialize(engine, &serialized) } {
                    Ok(c) => {
                        logger.host(
                            Level::Debug,
                            "cache",
                            &format!("loaded {} in {:.1} ms", path.display(), ms(start)),
                        );
                        return Ok(c);
                    }
                    Err(e) => logger.host(
                        Level::Warn,
                        "cache",
                        &format!("recompiling: cannot load {}: {e:#}", path.display()),
                    ),
                }
            }
            Err(why) => logger.host(
                Level::Warn,
                "cache",
                &format!("recompiling, not loading {}: {why}", path.display()),
            ),
        }
    }
    let start = Instant::now();
    let component = Component::new(engine, bytes)?;
    logger.host(
        Level::Debug,
        "cache",
        &format!("compiled in {:.1} ms", ms(start)),
    );
    if let Some(path) = path {
        if let Err(e) = store(&component, &path) {
            logger.host(
                Level::Warn,
                "cache",
                &format!("not cached at {}: {e:#}", path.display()),
            );
        }
    }
    Ok(component)
}

/// Writes beside the target (0600), then renames, the digest first: a crash
/// never leaves a torn entry, and an entry without its digest is not loaded.
fn store(component: &Component, path: &Path) -> anyhow::Result<()> {
    let serialized = component.serialize()?;
    let digest = hex(&Sha256::digest(&serialized));
    let pid = std::process::id();
    let put = |target: &Path, data: &[u8]| -> anyhow::Result<()> {
        let mut tmp_name = target.as_os_str().to_os_string();
        tmp_name.push(format!(".tmp{pid}"));
        let tmp = PathBuf::from(tmp_name);
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(data)?;
        fs::rename(&tmp, target).inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })?;
        Ok(())
    };
    // Whatever was there is not ours until both are replaced.
    let _ = fs::remove_file(path);
    put(&digest_file(path), format!("{digest}\n").as_bytes())?;
    put(path, &serialized)?;
    Ok(())
}

pub fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ews-host-cache-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    /// A small component whose machine code depends on `n`.
    fn component_bytes(n: u32) -> Vec<u8> {
        format!(r#"(component (core module (func (export "f") (result i32) i32.const {n})))"#)
            .into_bytes()
    }

    fn quiet() -> Logger {
        Logger::new(Level::Error, Arc::default())
    }

    #[test]
    fn the_cache_dir_is_created_private_and_a_writable_one_is_refused() {
        let d = scratch("perm");
        let dir = d.join("a/b");
        prepare(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        // One of ours that only we can write is fine.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        prepare(&dir).unwrap();
        for mode in [0o777, 0o775, 0o1777] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
            let e = prepare(&dir).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::InvalidInput);
            assert!(e.message.starts_with("cache_dir: "), "{}", e.message);
            assert!(e.message.contains("is writable by"), "{}", e.message);
        }
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        let file = d.join("file");
        fs::write(&file, b"").unwrap();
        let e = prepare(&file).unwrap_err();
        assert!(e.message.starts_with("cache_dir: "), "{}", e.message);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_tampered_entry_is_detected_and_recompiled_never_loaded() {
        let d = scratch("tamper");
        prepare(&d).unwrap();
        let engine = super::super::engine().unwrap();
        let bytes = component_bytes(1);
        let ours = load(&engine, &bytes, Some(&d), &quiet())
            .unwrap()
            .serialize()
            .unwrap();
        let entry = cache_file(&engine, &bytes, &d);
        assert_eq!(fs::read(&entry).unwrap(), ours);
        assert!(digest_file(&entry).is_file());
        assert_eq!(fs::metadata(&entry).unwrap().mode() & 0o777, 0o600);
        assert!(read_verified(&entry).is_ok());
        // Another component's machine code: what an attacker would swap in.
        let theirs = Component::new(&engine, component_bytes(2))
            .unwrap()
            .serialize()
            .unwrap();
        assert_ne!(theirs, ours);
        let mut flipped = ours.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0xff;

        type Tamper = Box<dyn Fn(&Path)>;
        let cases: Vec<(&str, Tamper)> = vec![
            ("swapped", Box::new(move |e| fs::write(e, &theirs).unwrap())),
            (
                "one byte changed",
                Box::new(move |e| fs::write(e, &flipped).unwrap()),
            ),
            (
                "digest removed",
                Box::new(|e| fs::remove_file(digest_file(e)).unwrap()),
            ),
            (
                "writable by others",
                Box::new(|e| fs::set_permissions(e, fs::Permissions::from_mode(0o666)).unwrap()),
            ),
            (
                "a symlink",
                Box::new(|e| {
                    let real = e.with_extension("real");
                    fs::rename(e, &real).unwrap();
                    std::os::unix::fs::symlink(&real, e).unwrap();
                }),
            ),
        ];
        for (what, tamper) in cases {
            tamper(&entry);
            assert!(read_verified(&entry).is_err(), "{what}: detected");
            let loaded = load(&engine, &bytes, Some(&d), &quiet()).unwrap();
            assert_eq!(
                loaded.serialize().unwrap(),
                ours,
                "{what}: the component's own code"
            );
            assert_eq!(fs::read(&entry).unwrap(), ours, "{what}: replaced");
            assert!(
                read_verified(&entry).is_ok(),
                "{what}: the new entry verifies"
            );
        }
        fs::remove_dir_all(&d).unwrap();
    }
}
