//! Start-up, shared by every subcommand: configuration, component, runtime,
//! manifest, then everything the component is granted. Any failure here is
//! reported before the guest runs an action.

use crate::config::{process_env, HostConfig, RawConfig, RuntimeConfig, Storage};
use crate::error::{Failure, Kind};
use crate::http_allow;
use crate::keyvalue::postgres::PostgresStore;
use crate::keyvalue::sqlite::SqliteStore;
use crate::logging::{Level, Logger};
use crate::manifest::Manifest;
use crate::runtime::Runtime;
use crate::secrets::{EnvFileProvider, Redactor, SecretProvider};
use crate::state::Capabilities;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct App {
    pub runtime: Runtime,
    pub manifest: Manifest,
    pub caps: Capabilities,
    pub redactor: Arc<Redactor>,
    #[allow(dead_code)]
    pub config: RuntimeConfig,
    /// The file as read: its `[[mailboxes]]` views are granted one by one.
    pub raw: RawConfig,
    /// With `storage = "postgres"`: the store, for the fleet's leases.
    pub postgres: Option<Arc<PostgresStore>>,
}

/// What one mailbox of `[[mailboxes]]` is granted: its own configuration,
/// secrets and allowed hosts, over the process's one state store.
pub struct Grant {
    pub caps: Capabilities,
    pub config: RuntimeConfig,
    pub redactor: Arc<Redactor>,
}

impl App {
    /// Just enough to call `describe`: host keys, component, runtime.
    pub fn describe_only(
        config: Option<PathBuf>,
        component: Option<PathBuf>,
    ) -> Result<(Runtime, Manifest, RawConfig, Logger), Failure> {
        let raw = RawConfig::load(config.as_deref())?;
        let host = raw.host(&process_env)?;
        let logger = Logger::new(Level::from_env(), Arc::default());
        let source = component_source(component.as_deref(), &host)?;
        let runtime = Runtime::load(
            &source.bytes()?,
            &source.name(),
            host.cache_dir.as_deref(),
            host.call_timeout_secs,
            &logger,
        )?;
        let json = runtime.describe(&Capabilities::none(logger.clone(), host.max_memory_mb))?;
        let manifest = Manifest::parse(&json)?;
        Ok((runtime, manifest, raw, logger))
    }

    /// Everything, checked against the manifest.
    pub fn start(config: Option<&Path>, component: Option<&Path>) -> Result<App, Failure> {
        let (runtime, manifest, raw, _) =
            Self::describe_only(config.map(Into::into), component.map(Into::into))?;
        // Every key checked (every mailbox's too) before anything is created.
        let top = raw.resolve(&manifest, &process_env)?;
        let (kv, postgres) = open_storage(&top)?;
        let Grant {
            caps,
            config,
            redactor,
        } = grant(&manifest, &raw, kv)?;
        Ok(App {
            runtime,
            manifest,
            caps,
            redactor,
            config,
            raw,
            postgres,
        })
    }

    /// One grant per `[[mailboxes]]` entry, named (its `name`, else its
    /// mailbox and folder); empty when the file has none.
    pub fn mailboxes(&self) -> Result<Vec<(String, Grant)>, Failure> {
        let mut out = Vec::new();
        for (i, view) in self.raw.mailboxes().into_iter().enumerate() {
            let g = grant(&self.manifest, &view, self.caps.kv.clone()).map_err(|e| {
                Failure::new(e.kind, format!("mailboxes[{}]: {}", i + 1, e.message))
            })?;
            let name = view
                .entry_name()
                .unwrap_or_else(|| super::daemon::label(&g.config));
            out.push((name, g));
        }
        Ok(out)
    }
}

/// The component's keyvalue: the state file, or PostgreSQL (docs/fleet.md),
/// which is also returned as itself for the leases.
#[allow(clippy::type_complexity)]
fn open_storage(
    config: &RuntimeConfig,
) -> Result<(Arc<dyn crate::keyvalue::Store>, Option<Arc<PostgresStore>>), Failure> {
    let host = &config.host;
    match &host.storage {
        Storage::Sqlite => {
            let state = &host.state_path;
            let kv = SqliteStore::open(state).map_err(|e| {
                Failure::internal(format!(
                    "cannot open the state file {}: {e:#}",
                    state.display()
                ))
            })?;
            Ok((Arc::new(kv), None))
        }
        Storage::Postgres { url, .. } => {
            let password = host.storage.postgres_password()?;
            // A connection per step that can run at once, and four for the
            // leases, the status rows and the dead letters, which steps
            // write outside their calls; a session stuck in a transaction for
            // half a lease is ended by the server, so that it cannot keep a
            // lease's row locked.
            let kv = PostgresStore::open(
                url,
                password.as_deref(),
                host.concurrency.saturating_add(4),
                host.lease.lease / 2,
            )
            .map_err(|e| Failure::new(Kind::Unavailable, format!("storage: {e:#}")))?;
            let kv = Arc::new(kv);
            Ok((kv.clone(), Some(kv)))
        }
    }
}

/// With `storage = "postgres"`, the fleet's database, for the commands that
/// read what the daemons keep there (`status`, `dead-letters`) with no
/// component; `None` with the state file. `what` names the command in a
/// failure, which never shows the password.
pub fn fleet_database(
    host: &HostConfig,
    what: &str,
) -> Result<Option<crate::keyvalue::postgres::Pool>, Failure> {
    let Storage::Postgres { url, .. } = &host.storage else {
        return Ok(None);
    };
    let password = host.storage.postgres_password()?;
    let store =
        PostgresStore::open(url, password.as_deref(), 2, host.lease.lease / 2).map_err(|e| {
            let redactor = Redactor::new(password.iter().cloned());
            Failure::new(
                Kind::Unavailable,
                redactor.redact(&format!("{what}: {e:#}")),
            )
        })?;
    Ok(Some(store.pool().clone()))
}

/// Resolves `raw` against the manifest and grants what it names.
fn grant(
    manifest: &Manifest,
    raw: &RawConfig,
    kv: Arc<dyn crate::keyvalue::Store>,
) -> Result<Grant, Failure> {
    let config = raw.resolve(manifest, &process_env)?;
    let secret_names: Vec<&str> = crate::config::all_secrets(manifest).collect();
    // A mailbox entry's own `<secret>_file` wins over the environment, as its
    // other keys do: the environment's secret is the other mailboxes'.
    let own: Vec<String> = secret_names
        .iter()
        .filter(|s| raw.entry_sets(&format!("{s}_file")))
        .map(|s| crate::config::env_name(s))
        .collect();
    let env = |name: &str| {
        if own.iter().any(|o| o == name) {
            None
        } else {
            process_env(name)
        }
    };
    let provider = EnvFileProvider::load(secret_names, &config.secret_files, &env)?;
    let redactor = Arc::new(Redactor::new(provider.values()));
    let logger = Logger::new(Level::from_env(), redactor.clone());

    let (hosts, notes) = http_allow::allow_list(manifest, &config.guest)?;
    for note in notes {
        logger.host(Level::Debug, "http", &note);
    }
    let allowed: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    logger.host(
        Level::Debug,
        "http",
        &format!("allowed: {}", allowed.join(", ")),
    );
    let caps = Capabilities {
        allowed_hosts: Arc::new(hosts),
        kv,
        config: Arc::new(config.guest.clone()),
        secrets: Arc::new(provider),
        revealable: Arc::new(manifest.secret_keys().map(String::from).collect()),
        logger,
        max_memory_mb: config.host.max_memory_mb,
    };
    Ok(Grant {
        caps,
        config,
        redactor,
    })
}

/// Where the component comes from.
pub enum Source {
    File(PathBuf),
    /// Built into this binary (host/build.rs).
    BuiltIn(&'static [u8], &'static str),
}

impl Source {
    pub fn bytes(&self) -> Result<std::borrow::Cow<'static, [u8]>, Failure> {
        match self {
            Source::File(p) => std::fs::read(p).map(Into::into).map_err(|e| {
                Failure::internal(format!("cannot read the component {}: {e}", p.display()))
            }),
            Source::BuiltIn(bytes, _) => Ok((*bytes).into()),
        }
    }

    /// For messages: the path, or "the built-in component".
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::BuiltIn(..) => "the built-in component".into(),
        }
    }
}

/// `--component` > `EWS_COMPONENT` > config `component` > beside the binary
/// (`<exe dir>/../components/ews_guest.wasm`: the build tree's, so that a
/// fresh `cargo xtask build` wins) > built in > `target/components/` of the
/// working directory.
pub fn component_source(flag: Option<&Path>, host: &HostConfig) -> Result<Source, Failure> {
    if let Some(p) = flag
        .map(Path::to_path_buf)
        .or_else(|| host.component.clone())
    {
        if p.is_file() {
            return Ok(Source::File(p));
        }
        return Err(Failure::invalid_input(format!(
            "component: {} does not exist (build it with scripts/build)",
            p.display()
        )));
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("../components/ews_guest.wasm")));
    if let Some(p) = beside.as_ref().filter(|p| p.is_file()) {
        return Ok(Source::File(p.clone()));
    }
    if let Some((bytes, sha)) = crate::embedded::EMBEDDED {
        return Ok(Source::BuiltIn(bytes, sha));
    }
    let local = PathBuf::from("target/components/ews_guest.wasm");
    if local.is_file() {
        return Ok(Source::File(local));
    }
    let tried: Vec<String> = beside
        .iter()
        .chain([&local])
        .map(|p| p.display().to_string())
        .collect();
    Err(Failure::internal(format!(
        "no component found (none built in; tried {}): run scripts/build to build the guest, or pass --component PATH",
        tried.join(", ")
    )))
}
