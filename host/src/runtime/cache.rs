//! Compiled components cached on disk, so that only the first run after a
//! build pays for compilation. The key is the sha256 of the component bytes
//! plus wasmtime's compatibility hash (its version and every engine setting
//! that changes machine code). A cache file that fails to load is recompiled
//! and replaced: the cache is never a reason to fail.

use crate::logging::{Level, Logger};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wasmtime::component::Component;
use wasmtime::Engine;

pub fn cache_file(engine: &Engine, bytes: &[u8], dir: &Path) -> PathBuf {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    dir.join(format!("{hex}-{:016x}.cwasm", h.finish()))
}

pub fn load(
    engine: &Engine,
    bytes: &[u8],
    cache_dir: Option<&Path>,
    logger: &Logger,
) -> wasmtime::Result<Component> {
    let path = cache_dir.map(|d| cache_file(engine, bytes, d));
    if let Some(path) = path.as_ref().filter(|p| p.is_file()) {
        let start = Instant::now();
        // SAFETY: the file is one this host wrote with `Component::serialize`
        // (renamed into place whole, so never half-written); wasmtime checks
        // its header and compatibility hash and refuses anything else.
        match unsafe { Component::deserialize_file(engine, path) } {
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

/// Writes beside the target, then renames: a crash never leaves a torn file.
fn store(component: &Component, path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, component.serialize()?)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}

pub fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
