//! Secrets, kept apart from configuration (docs/contract.md "Secrets"):
//! sourced from `EWS_<KEY>` or the file named by `<key>_file`, never from the
//! TOML or the command line; revealed only for the fields the manifest marks
//! secret; and every value is known to the `Redactor`.

mod redactor;

pub use redactor::{Redactor, MIN_SECRET_LEN};

use crate::bindings::soar::integration::secrets::{Error, Host};
use crate::config::{env_name, Env};
use crate::error::Failure;
use crate::logging::{Level, Logger};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Where secret values come from. A vault would be another implementation.
pub trait SecretProvider: Send + Sync {
    /// The value, or `None` when the host has none by that name.
    fn get(&self, name: &str) -> Option<String>;
    /// Every value, so that the redactor can hide them all.
    fn values(&self) -> Vec<String>;
}

/// Environment first, then `<key>_file`; read once at start, so that a
/// missing file is a configuration error and not a failure mid-call.
pub struct EnvFileProvider {
    values: BTreeMap<String, String>,
}

impl EnvFileProvider {
    pub fn load<'k>(
        names: impl IntoIterator<Item = &'k str>,
        files: &BTreeMap<String, PathBuf>,
        env: Env,
    ) -> Result<Self, Failure> {
        let mut values = BTreeMap::new();
        for name in names {
            let value = match (env(&env_name(name)), files.get(name)) {
                (Some(v), _) => v,
                (None, Some(path)) => std::fs::read_to_string(path)
                    .map_err(|e| {
                        Failure::invalid_input(format!(
                            "{name}_file: cannot read {}: {e}",
                            path.display()
                        ))
                    })?
                    .trim_end_matches(['\n', '\r'])
                    .to_string(),
                (None, None) => continue,
            };
            if value.is_empty() {
                continue;
            }
            // Named, never shown: the value is not printed even when refused.
            let chars = value.chars().count();
            if chars < MIN_SECRET_LEN {
                let source = if env(&env_name(name)).is_some() {
                    env_name(name)
                } else {
                    format!("{name}_file")
                };
                return Err(Failure::invalid_input(format!(
                    "{name} (from {source}) is {chars} character{} long: a secret must have at least {MIN_SECRET_LEN} characters, because the host hides every occurrence of it in everything it prints and a shorter one would garble ordinary text",
                    if chars == 1 { "" } else { "s" }
                )));
            }
            values.insert(name.to_string(), value);
        }
        Ok(EnvFileProvider { values })
    }
}

impl SecretProvider for EnvFileProvider {
    fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }
    fn values(&self) -> Vec<String> {
        self.values.values().cloned().collect()
    }
}

/// No secrets at all (`describe`).
pub struct NoSecrets;

impl SecretProvider for NoSecrets {
    fn get(&self, _: &str) -> Option<String> {
        None
    }
    fn values(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Per-store state of the `secrets` import.
pub struct SecretsState {
    pub provider: Arc<dyn SecretProvider>,
    /// The manifest's secret fields: the only names a component may reveal.
    pub revealable: Arc<BTreeSet<String>>,
    pub logger: Logger,
}

impl Host for SecretsState {
    fn reveal(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        if !self.revealable.contains(&name) {
            self.logger.host(
                Level::Warn,
                "secrets",
                &format!("refused to reveal {name:?}: not a secret field of the manifest"),
            );
            return Ok(Err(Error::Denied));
        }
        // An audit line, never the value.
        self.logger
            .host(Level::Debug, "secrets", &format!("revealed {name}"));
        Ok(self.provider.get(&name).ok_or(Error::NotFound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_and_files_are_trimmed() {
        let dir = std::env::temp_dir().join(format!("ews-host-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("client_secret");
        std::fs::write(&file, "s3cret-from-file\n").unwrap();
        let files: BTreeMap<_, _> = [
            ("client_secret".to_string(), file.clone()),
            ("password".to_string(), file),
        ]
        .into();
        let env = |k: &str| (k == "EWS_PASSWORD").then(|| "from-env".to_string());
        let p =
            EnvFileProvider::load(["password", "client_secret", "other"], &files, &env).unwrap();
        assert_eq!(p.get("password").as_deref(), Some("from-env"));
        assert_eq!(p.get("client_secret").as_deref(), Some("s3cret-from-file"));
        assert_eq!(p.get("other"), None);
    }

    #[test]
    fn a_short_secret_is_refused_naming_the_key_and_the_minimum() {
        let files = BTreeMap::new();
        for (value, len) in [("x", 1), ("1234567", 7), ("pässwör", 7)] {
            let env = move |k: &str| (k == "EWS_PASSWORD").then(|| value.to_string());
            let e = EnvFileProvider::load(["password"], &files, &env)
                .err()
                .expect("refused");
            assert_eq!(e.kind, crate::error::Kind::InvalidInput);
            assert!(
                e.message
                    .starts_with(&format!("password (from EWS_PASSWORD) is {len} character")),
                "{}",
                e.message
            );
            assert!(e.message.contains("at least 8 characters"), "{}", e.message);
        }
        let env = |k: &str| (k == "EWS_PASSWORD").then(|| "12345678".to_string());
        assert!(EnvFileProvider::load(["password"], &files, &env).is_ok());
        // From a file, the message names the file key.
        let dir = std::env::temp_dir().join(format!("ews-host-short-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "abc\n").unwrap();
        let files: BTreeMap<_, _> = [("engine_access_key".to_string(), file)].into();
        let e = EnvFileProvider::load(["engine_access_key"], &files, &|_| None)
            .err()
            .expect("refused");
        assert!(
            e.message
                .starts_with("engine_access_key (from engine_access_key_file) is 3 characters"),
            "{}",
            e.message
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn reveal_only_manifest_secrets() {
        let provider = EnvFileProvider {
            values: [
                ("password".into(), "pw".into()),
                ("engine_access_key".into(), "k".into()),
            ]
            .into(),
        };
        let mut state = SecretsState {
            provider: Arc::new(provider),
            revealable: Arc::new(["password".to_string(), "client_secret".to_string()].into()),
            logger: Logger::new(Level::Error, Arc::new(Redactor::default())),
        };
        assert_eq!(state.reveal("password".into()).unwrap().unwrap(), "pw");
        assert!(matches!(
            state.reveal("client_secret".into()).unwrap(),
            Err(Error::NotFound)
        ));
        assert!(matches!(
            state.reveal("engine_access_key".into()).unwrap(),
            Err(Error::Denied)
        ));
        assert!(matches!(
            state.reveal("ews_url".into()).unwrap(),
            Err(Error::Denied)
        ));
    }
}
