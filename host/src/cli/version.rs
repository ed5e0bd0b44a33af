//! `--version`: the host's version, and the component it would run (with
//! the same `--config` and `--component`): where it comes from, its SHA-256,
//! its own name and version and the contract it implements. An operator who
//! installed a binary with the component built in can tell which one it is.

use super::app::{component_source, Source};
use crate::config::{process_env, RawConfig};
use crate::logging::{Level, Logger};
use crate::runtime::Runtime;
use crate::state::Capabilities;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

pub fn print(config: Option<PathBuf>, component: Option<PathBuf>) {
    println!("ews-host {}", env!("CARGO_PKG_VERSION"));
    match describe(config, component) {
        Ok(line) => println!("component: {line}"),
        Err(why) => println!("component: unavailable: {why}"),
    }
}

fn describe(config: Option<PathBuf>, component: Option<PathBuf>) -> Result<String, String> {
    let host = RawConfig::load(config.as_deref())
        .and_then(|raw| raw.host(&process_env))
        .map_err(|e| e.message)?;
    let source = component_source(component.as_deref(), &host).map_err(|e| e.message)?;
    let bytes = source.bytes().map_err(|e| e.message)?;
    let sha = match &source {
        Source::BuiltIn(_, sha) => sha.to_string(),
        Source::File(_) => Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    };
    let whence = match &source {
        Source::BuiltIn(..) => "built in".to_string(),
        Source::File(p) => p.display().to_string(),
    };
    let logger = Logger::new(Level::Warn, Arc::default());
    let runtime = Runtime::load(
        &bytes,
        &source.name(),
        host.cache_dir.as_deref(),
        host.call_timeout_secs,
        &logger,
    )
    .map_err(|e| e.message)?;
    let manifest = runtime
        .describe(&Capabilities::none(logger, host.max_memory_mb))
        .ok()
        .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .unwrap_or_default();
    let name = manifest["name"].as_str().unwrap_or("?");
    let version = manifest["version"].as_str().unwrap_or("?");
    let contract = runtime.contract.as_deref().unwrap_or("?");
    Ok(format!(
        "{name} {version}, contract soar:integration@{contract}, sha256 {sha}, {} bytes, {whence}",
        bytes.len()
    ))
}
