//! The data of every Store: one type for every component, holding each
//! capability's per-call state. Built fresh for each call from the
//! process-wide `Capabilities`, so that nothing a call does (open buckets,
//! HTTP handles, a poisoned instance) outlives it.

use crate::config::wasi_config::ConfigState;
use crate::http_allow::{AllowListHooks, AllowedHosts};
use crate::keyvalue::{self, KvState};
use crate::logging::{Logger, LoggingState};
use crate::runtime::Limits;
use crate::secrets::{SecretProvider, SecretsState};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What the host grants, resolved once per process (Spin's `AppState`).
#[derive(Clone)]
pub struct Capabilities {
    pub allowed_hosts: Arc<AllowedHosts>,
    pub kv: Arc<dyn keyvalue::Store>,
    pub config: Arc<BTreeMap<String, String>>,
    pub secrets: Arc<dyn SecretProvider>,
    pub revealable: Arc<BTreeSet<String>>,
    pub logger: Logger,
    pub max_memory_mb: u64,
}

impl Capabilities {
    /// Grants nothing: no hosts, no config, no secrets, no storage. Enough
    /// for `describe`, which must work before the configuration is checked
    /// (the manifest is what the configuration is checked against).
    pub fn none(logger: Logger, max_memory_mb: u64) -> Self {
        Capabilities {
            allowed_hosts: Arc::default(),
            kv: Arc::new(keyvalue::Unavailable),
            config: Arc::default(),
            secrets: Arc::new(crate::secrets::NoSecrets),
            revealable: Arc::default(),
            logger,
            max_memory_mb,
        }
    }

    pub fn new_state(&self) -> HostState {
        HostState {
            table: ResourceTable::new(),
            // No preopens, no env, no args, no inherited stdio: the
            // component gets nothing but its imports.
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            hooks: AllowListHooks::new(
                self.allowed_hosts.clone(),
                self.logger.clone(),
                self.kv.clone(),
            ),
            limits: Limits::new(self.max_memory_mb),
            kv: KvState::new(self.kv.clone()),
            config: ConfigState {
                values: self.config.clone(),
            },
            logging: LoggingState {
                logger: self.logger.clone(),
            },
            secrets: SecretsState {
                provider: self.secrets.clone(),
                revealable: self.revealable.clone(),
                logger: self.logger.clone(),
            },
        }
    }
}

pub struct HostState {
    /// Shared by wasi:io and wasi:http, whose resources refer to each other.
    pub table: ResourceTable,
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub hooks: AllowListHooks,
    pub limits: Limits,
    pub kv: KvState,
    pub config: ConfigState,
    pub logging: LoggingState,
    pub secrets: SecretsState,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
