//! Which keys exist, how each maps to an environment variable, and the
//! errors a person gets for a typo or a secret in the wrong place.

use crate::error::Failure;
use crate::manifest::{ConfigField, Manifest};

/// Keys the host reads itself and never passes to the component.
const HOST_KEYS: &[&str] = &[
    "component",
    "state_path",
    "cache_dir",
    "max_memory_mb",
    "call_timeout_secs",
    "engine_api_url",
    "engine_access_id",
    "engine_ca_file",
    "sink",
    "sink_dir",
    "sink_stdout_files",
    "daemon_interval",
    "daemon_max",
    "concurrency",
    "storage",
    "postgres_url",
    "lease",
    "lease_renew",
];

/// Host keys that serve every mailbox at once, so an entry of `[[mailboxes]]`
/// may not set them: one component, one state file, one process's limits.
pub const PROCESS_KEYS: &[&str] = &[
    "component",
    "state_path",
    "cache_dir",
    "max_memory_mb",
    "call_timeout_secs",
    "concurrency",
    "storage",
    "postgres_url",
    "lease",
    "lease_renew",
];

/// The host's own secrets: the automation engine's access key, and the
/// password of `storage = "postgres"`.
pub const HOST_SECRETS: &[&str] = &["engine_access_key", "postgres_password"];

/// `EWS_` + KEY in capitals; a key that already begins with `ews_` is not
/// doubled (`ews_url` -> `EWS_URL`).
pub fn env_name(key: &str) -> String {
    let upper = key.to_ascii_uppercase();
    if upper.starts_with("EWS_") {
        upper
    } else {
        format!("EWS_{upper}")
    }
}

pub struct Known<'a> {
    manifest: &'a Manifest,
}

impl<'a> Known<'a> {
    pub fn new(manifest: &'a Manifest) -> Self {
        Known { manifest }
    }

    /// Every secret: the component's and the host's own.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.manifest
            .secret_keys()
            .chain(HOST_SECRETS.iter().copied())
    }

    fn all(&self) -> Vec<String> {
        let mut keys: Vec<String> = HOST_KEYS.iter().map(|k| k.to_string()).collect();
        keys.extend(
            self.manifest
                .config
                .iter()
                .filter(|f| !f.secret)
                .map(|f| f.key.clone()),
        );
        keys.extend(self.secrets().map(|s| format!("{s}_file")));
        keys
    }

    /// A key of one `[[mailboxes]]` entry (`n` from 1): a file key, not one
    /// of the process's, or the entry's `name`.
    pub fn check_entry_key(
        &self,
        n: usize,
        key: &str,
        file: Option<String>,
    ) -> Result<(), Failure> {
        if key == "name" {
            return Ok(());
        }
        if PROCESS_KEYS.contains(&key) {
            return Err(Failure::invalid_input(format!(
                "mailboxes[{n}].{key}: set {key} at the top level: it serves every mailbox"
            )));
        }
        self.check_file_key(key, file.map(|f| format!("mailboxes[{n}] of {f}")))
            .map_err(|e| Failure::invalid_input(format!("mailboxes[{n}]: {}", e.message)))
    }

    /// A key written in the TOML file: known, not a secret.
    pub fn check_file_key(&self, key: &str, file: Option<String>) -> Result<(), Failure> {
        let place = file.map(|f| format!(" in {f}")).unwrap_or_default();
        if self.secrets().any(|s| s == key) {
            return Err(Failure::invalid_input(format!(
                "{key} must come from {} or {key}_file, never the config file (found{place})",
                env_name(key)
            )));
        }
        let all = self.all();
        if all.iter().any(|k| k == key) {
            return Ok(());
        }
        let hint = closest(key, &all)
            .map(|k| format!(" (did you mean {k}?)"))
            .unwrap_or_default();
        Err(Failure::invalid_input(format!(
            "unknown configuration key {key}{place}{hint}"
        )))
    }
}

/// Checks a value against the manifest's `type` and `enum`, so that a typo is
/// reported before the component runs, naming the field.
pub fn check_type(field: &ConfigField, value: &str) -> Result<(), Failure> {
    let bad = |expected: &str| {
        Failure::invalid_input(format!("{}: expected {expected}, got {value:?}", field.key))
    };
    match field.ty.as_str() {
        "integer" if value.trim().parse::<i64>().is_err() => return Err(bad("a whole number")),
        "boolean" if value != "true" && value != "false" => return Err(bad("true or false")),
        "array" => {
            let ok = serde_json::from_str::<Vec<String>>(value).is_ok();
            if !ok {
                return Err(bad("an array of strings"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The known key nearest to a typo, if it is near enough to be a typo.
pub fn closest<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (distance(key, k), k.as_str()))
        .filter(|(d, k)| *d <= 3.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance, small inputs only.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
