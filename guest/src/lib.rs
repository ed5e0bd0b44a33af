//! The wit-bindgen glue, nothing else: each export converts its arguments,
//! delegates to plain Rust (`actions`, `manifest`, `daemon`) running on the
//! imports wrapped by `platform::wasi`, and converts the result back.

mod actions;
mod auth;
mod config;
mod daemon;
mod ews;
mod graph;
mod mailbox;
mod manifest;
mod platform;
#[cfg(test)]
mod properties;
mod time;
mod transport;

mod bindings {
    wit_bindgen::generate!({
        world: "integration",
        path: "../wit",
        generate_all,
    });
}

use bindings::exports::soar::integration::{
    actions as wit_actions, daemon as wit_daemon, manifest as wit_manifest,
};
use bindings::soar::integration::types::{
    Failure as WitFailure, File as WitFile, Output as WitOutput, Throttle,
};
use ews::error::Failure;
use platform::{wasi::WasiHost, File};

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl wit_manifest::Guest for Component {
    fn describe() -> String {
        manifest::describe()
    }
}

impl wit_actions::Guest for Component {
    fn invoke(name: String, params: String, files: Vec<WitFile>) -> Result<WitOutput, WitFailure> {
        let files = files.into_iter().map(file_from_wit).collect();
        let output = actions::invoke(&WasiHost, &name, &params, files).map_err(failure_to_wit)?;
        Ok(WitOutput {
            json: output.json,
            files: output.files.into_iter().map(file_to_wit).collect(),
        })
    }
}

impl wit_daemon::Guest for Component {
    fn poll(max: u32) -> Result<wit_daemon::Batch, WitFailure> {
        let batch = daemon::poll(&WasiHost, max).map_err(failure_to_wit)?;
        Ok(wit_daemon::Batch {
            items: batch
                .items
                .into_iter()
                .map(|i| wit_daemon::Item {
                    id: i.id,
                    json: i.json,
                    files: i.files.into_iter().map(file_to_wit).collect(),
                })
                .collect(),
            more: batch.more,
            remaining: batch.remaining,
        })
    }

    fn ack(ids: Vec<String>) -> Result<(), WitFailure> {
        daemon::ack(&WasiHost, &ids).map_err(failure_to_wit)
    }

    fn scope() -> Result<String, WitFailure> {
        daemon::state_scope(&WasiHost).map_err(failure_to_wit)
    }
}

fn file_from_wit(f: WitFile) -> File {
    File {
        name: f.name,
        media_type: f.media_type,
        data: f.data,
    }
}

fn file_to_wit(f: File) -> WitFile {
    WitFile {
        name: f.name,
        media_type: f.media_type,
        data: f.data,
    }
}

fn failure_to_wit(f: Failure) -> WitFailure {
    match f {
        Failure::InvalidInput(m) => WitFailure::InvalidInput(m),
        Failure::Unauthorized(m) => WitFailure::Unauthorized(m),
        Failure::Forbidden(m) => WitFailure::Forbidden(m),
        Failure::NotFound(m) => WitFailure::NotFound(m),
        Failure::Throttled {
            retry_after_ms,
            message,
        } => WitFailure::Throttled(Throttle {
            retry_after_ms,
            message,
        }),
        Failure::Unavailable(m) => WitFailure::Unavailable(m),
        Failure::Internal(m) => WitFailure::Internal(m),
    }
}

// Only the wasm build exports: native test builds link a cdylib too, and a
// version script cannot hold the component's export names.
#[cfg(target_arch = "wasm32")]
bindings::export!(Component with_types_in bindings);
