//! `ews-host`: the reference host of the soar:integration world.
//! Everything is in the modules below; see docs/contract.md for the CLI.

mod bindings;
mod cli;
mod config;
mod daemon;
mod error;
/// The component built in, if any (host/build.rs).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
mod fleet;
mod http_allow;
mod keyvalue;
mod logging;
mod manifest;
mod metrics;
mod runtime;
mod secrets;
mod state;

fn main() {
    let code = cli::main();
    std::process::exit(code);
}
