//! Host-side bindings of the `soar:integration/integration` world.
//!
//! The standard WASI packages are not generated here: they are remapped to the
//! bindings of `wasmtime-wasi` / `wasmtime-wasi-http`, whose implementations
//! we link as they are. Only what no wasmtime crate serves is generated:
//! keyvalue, config, logging and our own `secrets`, plus the exports.
//!
//! Imports are `trappable`, so that a host-side failure (a full resource
//! table, a database gone) aborts the call instead of being handed to the
//! guest as if it were the guest's own fault.

wasmtime::component::bindgen!({
    world: "integration",
    path: "../wit",
    imports: { default: trappable },
    require_store_data_send: true,
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:random": wasmtime_wasi::p2::bindings::random,
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        // The bucket resource is our own type, kept in the keyvalue table.
        "wasi:keyvalue/store.bucket": crate::keyvalue::Bucket,
    },
});
