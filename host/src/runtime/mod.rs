//! Engine, Linker and `InstancePre` once per process; a fresh Store per call
//! with memory limits and a deadline (wasmtime serve.rs). Whatever the guest
//! does (trap, panic, exhaust memory, loop) ends that call with an
//! `internal` failure; the host carries on.

pub mod cache;
mod epoch;
mod limits;

pub use epoch::EpochTicker;
pub use limits::Limits;

use crate::bindings::soar::integration::types::{Failure as WitFailure, File, Output};
use crate::bindings::{Integration, IntegrationPre};
use crate::error::Failure;
use crate::logging::{Level, Logger};
use crate::state::{Capabilities, HostState};
use std::path::Path;
use std::time::{Duration, Instant};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store, Trap};

pub struct Runtime {
    engine: Engine,
    pre: IntegrationPre<HostState>,
    call_timeout_secs: u64,
    /// The contract version the component exports (`soar:integration@X`).
    pub contract: Option<String>,
    // Last: stops ticking only after everything else is gone.
    _ticker: EpochTicker,
}

pub fn engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    // Deadlines by epoch: a check on loop back-edges, cheap enough to keep on.
    config.epoch_interruption(true);
    // EWS_PROFILE=perfmap: /tmp/perf-<pid>.map names the component's
    // functions for `perf report` (use a cache dir of its own: the setting is
    // part of what a cached compile must match).
    if std::env::var("EWS_PROFILE").as_deref() == Ok("perfmap") {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    Engine::new(&config)
}

/// Every import of the world, one interface at a time.
pub fn linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    use crate::bindings::{soar::integration::secrets, wasi};
    let mut l = Linker::<HostState>::new(engine);
    // io, clocks, random (and the rest of wasi:cli, which a component of
    // this world cannot import anyway).
    wasmtime_wasi::p2::add_to_linker_sync(&mut l)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut l)?;
    wasi::keyvalue::store::add_to_linker::<_, HasSelf<_>>(&mut l, |s: &mut HostState| &mut s.kv)?;
    wasi::config::store::add_to_linker::<_, HasSelf<_>>(&mut l, |s: &mut HostState| &mut s.config)?;
    wasi::logging::logging::add_to_linker::<_, HasSelf<_>>(&mut l, |s: &mut HostState| {
        &mut s.logging
    })?;
    secrets::add_to_linker::<_, HasSelf<_>>(&mut l, |s: &mut HostState| &mut s.secrets)?;
    Ok(l)
}

impl Runtime {
    /// Loads (from the cache, or compiles) and pre-instantiates a component.
    /// `name`: the component's path, or that it is built in (for messages).
    pub fn load(
        bytes: &[u8],
        name: &str,
        cache_dir: Option<&Path>,
        call_timeout_secs: u64,
        logger: &Logger,
    ) -> Result<Runtime, Failure> {
        let engine = engine().map_err(|e| Failure::internal(format!("wasmtime: {e:#}")))?;
        if let Some(dir) = cache_dir {
            cache::prepare(dir)?;
        }
        let component = cache::load(&engine, bytes, cache_dir, logger)
            .map_err(|e| Failure::internal(format!("{name} is not a valid component: {e:#}")))?;
        Self::from_component(engine, &component, call_timeout_secs)
    }

    pub fn from_component(
        engine: Engine,
        component: &Component,
        call_timeout_secs: u64,
    ) -> Result<Runtime, Failure> {
        let linker = linker(&engine).map_err(|e| Failure::internal(format!("linker: {e:#}")))?;
        let pre = linker
            .instantiate_pre(component)
            .and_then(IntegrationPre::new)
            .map_err(|e| {
                Failure::internal(format!(
                    "the component does not fit this host (an import it needs is missing or of another version): {e:#}"
                ))
            })?;
        let ticker = EpochTicker::start(&engine);
        let contract = component
            .component_type()
            .exports(&engine)
            .find_map(|(name, _)| {
                let (_, version) = name.strip_prefix("soar:integration/")?.split_once('@')?;
                Some(version.to_string())
            });
        Ok(Runtime {
            engine,
            pre,
            call_timeout_secs,
            contract,
            _ticker: ticker,
        })
    }

    /// One call: a new Store, a new instance, `f`, then everything dropped.
    pub fn run<R>(
        &self,
        caps: &Capabilities,
        f: impl FnOnce(&mut Store<HostState>, &Integration) -> wasmtime::Result<R>,
    ) -> Result<R, Failure> {
        let mut store = self.new_store(caps);
        let result = self
            .pre
            .instantiate(&mut store)
            .and_then(|instance| f(&mut store, &instance));
        let saved = saved(&store);
        let result = result.map_err(|e| self.explain(&store, e, &caps.logger))?;
        saved.map(|()| result)
    }

    fn new_store(&self, caps: &Capabilities) -> Store<HostState> {
        let mut store = Store::new(&self.engine, caps.new_state());
        store.limiter(|s| &mut s.limits);
        // What the guest may hand the host in one go (wasmtime's default is
        // 128 MiB): a poll's batch of emails can be more, and the guest
        // cannot hand over more than its memory limit holds anyway.
        store.set_hostcall_fuel(
            usize::try_from(caps.max_memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
        );
        store.epoch_deadline_trap();
        self.arm(&mut store);
        store
    }

    /// A full `call_timeout_secs` from now, for the next call on `store`:
    /// the epoch deadline for wasm, and the same instant for the outgoing
    /// HTTP the call waits on (which epochs cannot interrupt).
    fn arm(&self, store: &mut Store<HostState>) {
        store.set_epoch_deadline(EpochTicker::ticks(self.call_timeout_secs));
        store.data_mut().hooks.deadline =
            Some(Instant::now() + Duration::from_secs(self.call_timeout_secs));
    }

    /// One daemon step: a new Store and instance on which `f` may call
    /// `poll` then `ack` (each call with a deadline of its own).
    pub fn daemon_step<R>(
        &self,
        caps: &Capabilities,
        f: impl FnOnce(&mut DaemonInstance<'_>) -> R,
    ) -> Result<R, Failure> {
        let mut store = self.new_store(caps);
        let instance = match self.pre.instantiate(&mut store) {
            Ok(i) => i,
            Err(e) => return Err(self.explain(&store, e, &caps.logger)),
        };
        let mut d = DaemonInstance {
            runtime: self,
            store,
            instance,
            logger: caps.logger.clone(),
        };
        Ok(f(&mut d))
    }

    /// A clear message for what stopped the guest.
    fn explain(&self, store: &Store<HostState>, e: wasmtime::Error, logger: &Logger) -> Failure {
        logger.host(Level::Debug, "runtime", &format!("call failed: {e:?}"));
        let limits = &store.data().limits;
        if limits.memory_exceeded {
            return Failure::internal(format!(
                "the component exceeded its memory limit of {} MiB",
                limits.max_memory_mb
            ));
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => Failure::internal(format!(
                "the component ran longer than {} s",
                self.call_timeout_secs
            )),
            Some(Trap::UnreachableCodeReached) => Failure::internal(
                "the component trapped: wasm `unreachable` instruction executed (a panic in the component)",
            ),
            Some(trap) => Failure::internal(format!("the component trapped: {trap}")),
            None => Failure::internal(format!("the component failed: {e:#}")),
        }
    }

    pub fn describe(&self, caps: &Capabilities) -> Result<String, Failure> {
        self.run(caps, |store, i| {
            i.soar_integration_manifest().call_describe(store)
        })
    }

    /// The component's name for the state the daemon keeps under this
    /// configuration (`daemon.scope`): what a fleet leases. Checked to be a
    /// bucket-name suffix, since it becomes one.
    pub fn scope(&self, caps: &Capabilities) -> Result<String, Failure> {
        let scope = self
            .run(caps, |store, i| {
                i.soar_integration_daemon().call_scope(store)
            })?
            .map_err(Failure::from)?;
        let fits = !scope.is_empty()
            && scope.len() <= 48
            && scope
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !fits {
            return Err(Failure::internal(format!(
                "the component named its daemon's state {scope:?}: expected 1 to 48 letters, digits, '-', '_' or '.'"
            )));
        }
        Ok(scope)
    }

    pub fn invoke(
        &self,
        caps: &Capabilities,
        action: &str,
        params: &str,
        files: &[File],
    ) -> Result<Output, Failure> {
        self.run(caps, |store, i| {
            i.soar_integration_actions()
                .call_invoke(store, action, params, files)
        })?
        .map_err(Failure::from)
    }
}

/// What a call wrote to keyvalue, committed before its result is used (the
/// store groups writes: keyvalue::Store::flush). A call whose writes could
/// not be saved fails, as if the host had crashed before it answered. A
/// call that trapped is saved too: the guest orders its writes so that any
/// prefix is safe, and the daemon's quarantine of an email whose parse traps
/// depends on the mark it wrote before that parse.
fn saved(store: &Store<HostState>) -> Result<(), Failure> {
    let data = store.data();
    data.logging.logger.host(
        Level::Debug,
        "runtime",
        &format!(
            "the call's linear memory peaked at {:.1} MiB",
            data.limits.peak_memory as f64 / (1 << 20) as f64
        ),
    );
    data.kv.store.flush().map_err(|e| {
        Failure::internal(format!(
            "the host could not save the component's state: {e:#}"
        ))
    })
}

/// The daemon exports of one instance, both on the same Store.
pub struct DaemonInstance<'a> {
    runtime: &'a Runtime,
    store: Store<HostState>,
    instance: Integration,
    logger: Logger,
}

impl DaemonInstance<'_> {
    pub fn poll(
        &mut self,
        max: u32,
    ) -> Result<crate::bindings::exports::soar::integration::daemon::Batch, Failure> {
        self.call(|d, store| d.call_poll(store, max))
    }

    pub fn ack(&mut self, ids: &[String]) -> Result<(), Failure> {
        self.call(|d, store| d.call_ack(store, ids))
    }

    /// One export call with a fresh deadline; a trap is explained, not raised.
    fn call<T>(
        &mut self,
        f: impl FnOnce(
            &crate::bindings::exports::soar::integration::daemon::Guest,
            &mut Store<HostState>,
        ) -> wasmtime::Result<Result<T, WitFailure>>,
    ) -> Result<T, Failure> {
        self.runtime.arm(&mut self.store);
        let result = f(self.instance.soar_integration_daemon(), &mut self.store);
        let saved = saved(&self.store);
        match result {
            Ok(r) => saved.and(r.map_err(Failure::from)),
            Err(e) => Err(self.runtime.explain(&self.store, e, &self.logger)),
        }
    }
}
