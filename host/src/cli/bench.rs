//! `bench --calls N` (hidden): what one call costs. Prints, as JSON, the cold
//! compile time, the load-from-cache time, and per-call instantiation from
//! the `InstancePre` (+ `describe`), to back the one-instance-per-call design.

use super::app::component_source;
use super::output;
use super::CmdResult;
use crate::config::{process_env, RawConfig};
use crate::error::Failure;
use crate::logging::{Level, Logger};
use crate::runtime::{self, cache, Runtime};
use crate::state::Capabilities;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::Component;

#[derive(clap::Args)]
pub struct Args {
    /// How many instantiate + describe calls to time
    #[arg(long, default_value_t = 1000)]
    calls: usize,
}

pub fn run(config: Option<&Path>, component: Option<&Path>, args: &Args) -> CmdResult {
    bench(config, component, args).map_err(|e| (e, None))
}

fn bench(config: Option<&Path>, component: Option<&Path>, args: &Args) -> Result<(), Failure> {
    let internal = |e: wasmtime::Error| Failure::internal(format!("{e:#}"));
    let host = RawConfig::load(config)?.host(&process_env)?;
    let source = component_source(component, &host)?;
    let bytes = source.bytes()?;
    let engine = runtime::engine().map_err(internal)?;

    let start = Instant::now();
    let compiled = Component::new(&engine, &bytes).map_err(internal)?;
    let compile_ms = cache::ms(start);

    let dir = std::env::temp_dir().join(format!("ews-host-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Failure::internal(e.to_string()))?;
    let file = dir.join("component.cwasm");
    std::fs::write(&file, compiled.serialize().map_err(internal)?)
        .map_err(|e| Failure::internal(e.to_string()))?;
    let start = Instant::now();
    // SAFETY: written just above by `Component::serialize` with this engine.
    let loaded = unsafe { Component::deserialize_file(&engine, &file) }.map_err(internal)?;
    let cache_load_ms = cache::ms(start);
    let _ = std::fs::remove_dir_all(&dir);

    let logger = Logger::new(Level::Warn, Arc::default());
    let caps = Capabilities::none(logger, host.max_memory_mb);
    let runtime = Runtime::from_component(engine, &loaded, host.call_timeout_secs)?;

    let calls = args.calls.max(1);
    let mut instantiate = Vec::with_capacity(calls);
    let mut total = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        let mut t_inst = 0.0;
        runtime.run(&caps, |store, i| {
            t_inst = start.elapsed().as_secs_f64() * 1e6;
            i.soar_integration_manifest().call_describe(store)
        })?;
        instantiate.push(t_inst);
        total.push(start.elapsed().as_secs_f64() * 1e6);
    }
    output::print_json(json!({
        "component": source.name(),
        "component_bytes": bytes.len(),
        "cold_compile_ms": round(compile_ms),
        "cache_load_ms": round(cache_load_ms),
        "calls": calls,
        "instantiate_us": stats(&mut instantiate),
        "instantiate_and_describe_us": stats(&mut total),
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
    }));
    Ok(())
}

fn stats(samples: &mut [f64]) -> serde_json::Value {
    samples.sort_by(f64::total_cmp);
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    json!({"mean": round(mean), "p50": round(pick(0.5)), "p99": round(pick(0.99))})
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
