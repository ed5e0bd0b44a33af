//! Builds the component into the binary when `cargo xtask build` has made it
//! (target/components/ews_guest.wasm, or the file EWS_EMBED_COMPONENT
//! names), so that `cargo install --path host` gives an `ews-host` that
//! needs nothing beside it. Without one, the binary looks for the component
//! at run time as before, and says so.

use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=EWS_EMBED_COMPONENT");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let source = std::env::var_os("EWS_EMBED_COMPONENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../target/components/ews_guest.wasm"));
    println!("cargo:rerun-if-changed={}", source.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let code = match std::fs::read(&source) {
        Ok(bytes) => {
            std::fs::write(out.join("ews_guest.wasm"), &bytes).unwrap();
            let sha: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!(
                "/// The component built in, and its SHA-256.\n\
                 pub const EMBEDDED: Option<(&[u8], &str)> = \
                 Some((include_bytes!(concat!(env!(\"OUT_DIR\"), \"/ews_guest.wasm\")), \"{sha}\"));\n"
            )
        }
        Err(_) => {
            println!(
                "cargo:warning=no component to build in ({} is missing: run scripts/build first); \
                 this ews-host will look for one at run time",
                source.display()
            );
            "/// No component was built in.\npub const EMBEDDED: Option<(&[u8], &str)> = None;\n"
                .to_string()
        }
    };
    std::fs::write(out.join("embedded.rs"), code).unwrap();
}
