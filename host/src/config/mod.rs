//! Runtime configuration: one TOML file (`--config`), each key overridable by
//! the environment (`EWS_<KEY>`), CLI flags above both. The layering lives
//! here and nowhere else (docs/contract.md "Configuration").
//!
//! Loading has two phases because the set of valid keys comes from the
//! component: `RawConfig::load` reads the file and the host-only keys the
//! runtime needs to load the component; `RawConfig::resolve` then checks every
//! key against the manifest and splits guest keys from host keys.

mod keys;
pub mod wasi_config;

pub use keys::{closest as keys_closest, env_name};

/// Every secret name: the manifest's secret fields and the host's own.
pub fn all_secrets(manifest: &Manifest) -> impl Iterator<Item = &str> {
    manifest
        .secret_keys()
        .chain(keys::HOST_SECRETS.iter().copied())
}

use crate::error::Failure;
use crate::manifest::Manifest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the environment comes from; a closure so that tests need not touch
/// the process environment.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A value from the file or the environment.
#[derive(Debug, Clone)]
struct Value {
    text: String,
    /// Relative paths in the file are relative to the file, not to the
    /// current directory, so that a config file works from anywhere.
    base: Option<PathBuf>,
}

/// The file as read, before the manifest is known.
#[derive(Debug, Default, Clone)]
pub struct RawConfig {
    file: BTreeMap<String, Value>,
    file_name: Option<PathBuf>,
    /// `[[mailboxes]]`: each entry's own keys (docs/fleet.md).
    mailboxes: Vec<BTreeMap<String, Value>>,
    /// In the view of one entry ([`RawConfig::mailboxes`]): its keys, which win
    /// over the environment and the top level.
    entry: Option<BTreeMap<String, Value>>,
}

/// Everything resolved: guest keys for wasi:config, host keys typed.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Only the keys that are set; the component applies its own defaults.
    pub guest: BTreeMap<String, String>,
    pub host: HostConfig,
    /// `<secret>_file` for each secret, when set.
    pub secret_files: BTreeMap<String, PathBuf>,
}

/// Host-only keys (never passed to the component).
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub component: Option<PathBuf>,
    pub state_path: PathBuf,
    pub cache_dir: Option<PathBuf>,
    pub max_memory_mb: u64,
    pub call_timeout_secs: u64,
    /// The http sink's target (the automation engine's ingest API).
    pub engine_api_url: Option<String>,
    pub engine_access_id: Option<String>,
    /// PEM certificates the http sink trusts besides the system's store.
    pub engine_ca_file: Option<PathBuf>,
    /// Where `daemon` stores items (docs/daemon.md).
    pub sink: SinkKind,
    pub sink_dir: Option<PathBuf>,
    /// `sink_stdout_files = "inline"`: file bytes inline as base64.
    pub sink_stdout_inline: bool,
    pub daemon_interval: std::time::Duration,
    pub daemon_max: u32,
    /// Daemon steps running at once over all mailboxes.
    pub concurrency: u32,
    /// Where the component's keyvalue lives.
    pub storage: Storage,
    /// With `storage = "postgres"`: the mailboxes' leases (docs/fleet.md).
    pub lease: crate::fleet::Settings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// The SQLite file at `state_path` (the default).
    Sqlite,
    /// A PostgreSQL database, shared by several hosts: `postgres_url`, the
    /// password from EWS_POSTGRES_PASSWORD or `postgres_password_file`.
    Postgres {
        url: String,
        password_file: Option<PathBuf>,
    },
}

impl Storage {
    /// PostgreSQL's password: EWS_POSTGRES_PASSWORD, else the file's.
    pub fn postgres_password(&self) -> Result<Option<String>, Failure> {
        let Storage::Postgres { password_file, .. } = self else {
            return Ok(None);
        };
        let files: BTreeMap<String, PathBuf> = password_file
            .iter()
            .map(|p| ("postgres_password".to_string(), p.clone()))
            .collect();
        let secrets =
            crate::secrets::EnvFileProvider::load(["postgres_password"], &files, &process_env)?;
        Ok(crate::secrets::SecretProvider::get(
            &secrets,
            "postgres_password",
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkKind {
    Stdout,
    Dir,
    Http,
}

impl RawConfig {
    /// Reads the TOML file, if any. Tables are refused: the format is flat.
    pub fn load(path: Option<&Path>) -> Result<RawConfig, Failure> {
        let Some(path) = path else {
            return Ok(RawConfig::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::invalid_input(format!(
                "cannot read the config file {}: {e}",
                path.display()
            ))
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            Failure::invalid_input(format!(
                "the config file {} is not valid TOML: {e}",
                path.display()
            ))
        })?;
        let base = path.parent().map(Path::to_path_buf);
        let flat = |table: toml::Table, place: &str| -> Result<BTreeMap<String, Value>, Failure> {
            let mut out = BTreeMap::new();
            for (key, value) in table {
                let text = toml_to_string(&format!("{place}{key}"), &value)?;
                out.insert(
                    key,
                    Value {
                        text,
                        base: base.clone(),
                    },
                );
            }
            Ok(out)
        };
        let mut table = table;
        let mut mailboxes = Vec::new();
        if let Some(list) = table.remove("mailboxes") {
            let toml::Value::Array(entries) = list else {
                return Err(Failure::invalid_input(
                    "mailboxes: expected [[mailboxes]] tables, one per mailbox",
                ));
            };
            for (i, entry) in entries.into_iter().enumerate() {
                let toml::Value::Table(t) = entry else {
                    return Err(Failure::invalid_input(format!(
                        "mailboxes[{}]: expected a table of settings",
                        i + 1
                    )));
                };
                mailboxes.push(flat(t, &format!("mailboxes[{}].", i + 1))?);
            }
        }
        Ok(RawConfig {
            file: flat(table, "")?,
            file_name: Some(path.to_path_buf()),
            mailboxes,
            entry: None,
        })
    }

    /// One view per `[[mailboxes]]` entry, in the file's order (none when the
    /// file has no such list: the top level is then the one mailbox).
    pub fn mailboxes(&self) -> Vec<RawConfig> {
        self.mailboxes
            .iter()
            .map(|entry| RawConfig {
                file: self.file.clone(),
                file_name: self.file_name.clone(),
                mailboxes: Vec::new(),
                entry: Some(entry.clone()),
            })
            .collect()
    }

    /// Whether the entry, in a view of one, sets `key` itself.
    pub fn entry_sets(&self, key: &str) -> bool {
        self.entry.as_ref().is_some_and(|e| e.contains_key(key))
    }

    /// The entry's `name`, in a view of one.
    pub fn entry_name(&self) -> Option<String> {
        self.entry
            .as_ref()
            .and_then(|e| e.get("name"))
            .map(|v| v.text.clone())
    }

    /// A key's value: the entry's (in a view of one), then the environment,
    /// then the file's top level.
    fn get(&self, key: &str, env: Env) -> Option<Value> {
        if let Some(v) = self.entry.as_ref().and_then(|e| e.get(key)) {
            return Some(v.clone());
        }
        if let Some(text) = env(&env_name(key)) {
            return Some(Value { text, base: None });
        }
        self.file.get(key).cloned()
    }

    /// The host keys, readable before the manifest is known (the runtime
    /// needs them to load the component that supplies the manifest).
    pub fn host(&self, env: Env) -> Result<HostConfig, Failure> {
        let path = |key: &str| self.get(key, env).map(|v| v.path());
        let number = |key: &str, default: u64| -> Result<u64, Failure> {
            match self.get(key, env) {
                None => Ok(default),
                Some(v) => v
                    .text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        Failure::invalid_input(format!(
                            "{key} must be a positive whole number, not {:?}",
                            v.text
                        ))
                    }),
            }
        };
        Ok(HostConfig {
            component: path("component"),
            state_path: path("state_path").unwrap_or_else(|| PathBuf::from("ews-host.sqlite3")),
            cache_dir: path("cache_dir").or_else(default_cache_dir),
            max_memory_mb: number("max_memory_mb", 512)?,
            call_timeout_secs: number("call_timeout_secs", 300)?,
            engine_api_url: self.get("engine_api_url", env).map(|v| v.text),
            engine_access_id: self.get("engine_access_id", env).map(|v| v.text),
            engine_ca_file: path("engine_ca_file"),
            sink: match self.get("sink", env).map(|v| v.text) {
                None => SinkKind::Stdout,
                Some(v) => match v.trim() {
                    "stdout" => SinkKind::Stdout,
                    "dir" => SinkKind::Dir,
                    "http" => SinkKind::Http,
                    _ => {
                        return Err(Failure::invalid_input(format!(
                            "sink must be stdout, dir or http, not {v:?}"
                        )))
                    }
                },
            },
            sink_dir: path("sink_dir"),
            sink_stdout_inline: match self.get("sink_stdout_files", env).map(|v| v.text) {
                None => false,
                Some(v) => match v.trim() {
                    "inline" => true,
                    "omit" => false,
                    _ => {
                        return Err(Failure::invalid_input(format!(
                            "sink_stdout_files must be inline or omit, not {v:?}"
                        )))
                    }
                },
            },
            daemon_interval: match self.get("daemon_interval", env) {
                None => std::time::Duration::from_secs(60),
                Some(v) => crate::daemon::parse_interval(&v.text)
                    .map_err(|e| Failure::invalid_input(format!("daemon_interval: {e}")))?,
            },
            daemon_max: u32::try_from(number("daemon_max", 1000)?).map_err(|_| {
                Failure::invalid_input("daemon_max must be a positive whole number below 2^32")
            })?,
            concurrency: u32::try_from(number("concurrency", 4)?).map_err(|_| {
                Failure::invalid_input("concurrency must be a positive whole number below 2^32")
            })?,
            lease: {
                let default = crate::fleet::Settings::default();
                let duration = |key: &str, default| match self.get(key, env) {
                    None => Ok(default),
                    Some(v) => crate::daemon::parse_interval(&v.text)
                        .map_err(|e| Failure::invalid_input(format!("{key}: {e}"))),
                };
                let lease = duration("lease", default.lease)?;
                let renew = duration("lease_renew", default.renew)?;
                if renew.saturating_mul(2) > lease {
                    return Err(Failure::invalid_input(format!(
                        "lease_renew ({}) must be at most half of lease ({}), so that one late renewal does not lose a lease",
                        crate::daemon::human(renew),
                        crate::daemon::human(lease)
                    )));
                }
                crate::fleet::Settings { lease, renew }
            },
            storage: match self.get("storage", env).map(|v| v.text) {
                None => Storage::Sqlite,
                Some(v) => match v.trim() {
                    "sqlite" => Storage::Sqlite,
                    "postgres" => Storage::Postgres {
                        url: self.get("postgres_url", env).map(|v| v.text).ok_or_else(|| {
                            Failure::invalid_input(
                                "postgres_url is required when storage = \"postgres\" \
                                 (postgresql://user@host:5432/db, the password in EWS_POSTGRES_PASSWORD)",
                            )
                        })?,
                        password_file: path("postgres_password_file"),
                    },
                    _ => {
                        return Err(Failure::invalid_input(format!(
                            "storage must be sqlite or postgres, not {v:?}"
                        )))
                    }
                },
            },
        })
    }

    /// Checks every key against the manifest and splits guest from host keys.
    pub fn resolve(&self, manifest: &Manifest, env: Env) -> Result<RuntimeConfig, Failure> {
        let known = keys::Known::new(manifest);
        let file = self.file_name.as_deref().map(Path::display);
        for key in self.file.keys() {
            known.check_file_key(key, file.as_ref().map(|d| d.to_string()))?;
        }
        for (i, entry) in self.mailboxes.iter().enumerate() {
            for key in entry.keys() {
                known.check_entry_key(i + 1, key, file.as_ref().map(|d| d.to_string()))?;
            }
        }
        let mut guest = BTreeMap::new();
        for field in manifest.config.iter().filter(|f| !f.secret) {
            if let Some(mut v) = self.get(&field.key, env) {
                if field.ty == "array" && env(&env_name(&field.key)).is_some() {
                    v.text = env_array(&v.text);
                }
                keys::check_type(field, &v.text)?;
                guest.insert(field.key.clone(), v.text);
            }
        }
        let mut secret_files = BTreeMap::new();
        for secret in known.secrets() {
            let key = format!("{secret}_file");
            if let Some(v) = self.get(&key, env) {
                secret_files.insert(secret.to_string(), v.path());
            }
        }
        Ok(RuntimeConfig {
            guest,
            host: self.host(env)?,
            secret_files,
        })
    }
}

impl Value {
    fn path(&self) -> PathBuf {
        let p = PathBuf::from(&self.text);
        match &self.base {
            Some(base) if p.is_relative() => base.join(p),
            _ => p,
        }
    }
}

/// An array key from the environment: a JSON array as it is, otherwise a
/// comma-separated list (`invoice, urgent` -> `["invoice","urgent"]`).
fn env_array(text: &str) -> String {
    if text.trim_start().starts_with('[') {
        return text.to_string();
    }
    let items: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    serde_json::to_string(&items).unwrap_or_default()
}

/// `$XDG_CACHE_HOME/ews-host` or `~/.cache/ews-host` (docs/contract.md).
fn default_cache_dir() -> Option<PathBuf> {
    if let Some(xdg) = process_env("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("ews-host"));
    }
    process_env("HOME").map(|home| PathBuf::from(home).join(".cache").join("ews-host"))
}

/// A TOML value as a wasi:config string: arrays become JSON arrays.
fn toml_to_string(key: &str, value: &toml::Value) -> Result<String, Failure> {
    let json =
        serde_json::to_value(value).map_err(|e| Failure::invalid_input(format!("{key}: {e}")))?;
    if json.is_object() {
        return Err(Failure::invalid_input(format!(
            "{key}: tables are not supported; the config file is flat `key = value` lines"
        )));
    }
    Ok(value_to_string(&json))
}

/// A JSON value as a wasi:config string (strings bare, the rest as JSON).
pub fn value_to_string(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
