//! Which compiler builds the wasm guests.
//!
//! A developer with rustup's `wasm32-unknown-unknown` target uses it. Where
//! rustup cannot download it (no internet), Debian's `rustc-web` with its std
//! source builds std for wasm (`-Zbuild-std`); `scripts/bootstrap` installs it.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library";

pub enum Toolchain {
    /// rustup's prebuilt std for the target.
    Rustup,
    /// Debian's rustc-web, std built from source.
    DebianBuildStd,
}

pub fn detect() -> Result<Toolchain> {
    if std::env::var_os("EWS_WASM_TOOLCHAIN").is_some_and(|v| v == "debian") {
        return debian();
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET)
        })
        .unwrap_or(false);
    if installed {
        Ok(Toolchain::Rustup)
    } else {
        debian()
    }
}

fn debian() -> Result<Toolchain> {
    if Path::new(DEBIAN_RUSTC).exists() && Path::new(DEBIAN_STD_SRC).exists() {
        Ok(Toolchain::DebianBuildStd)
    } else {
        bail!(
            "no wasm toolchain: run `rustup target add {TARGET}`, or `scripts/bootstrap` \
             (installs Debian's rustc-web and rust-web-src to build std for wasm)"
        )
    }
}

impl Toolchain {
    pub fn build(&self, root: &Path, target_dir: &Path, packages: &[&str]) -> Result<()> {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(root)
            .args([
                "build",
                "--profile",
                "wasm",
                "--target",
                TARGET,
                "--target-dir",
            ])
            .arg(target_dir);
        for p in packages {
            cmd.args(["-p", p]);
        }
        // Wasm's 128-bit SIMD (every current engine has it: wasmtime, V8 and
        // so jco, SpiderMonkey, wasmer): LLVM vectorises the byte loops of
        // parsing and decoding, and memchr takes its vector path.
        let mut flags = vec!["-Ctarget-feature=+simd128"];
        if let Toolchain::DebianBuildStd = self {
            // Debian's rustc is 1.96 stable: RUSTC_BOOTSTRAP unlocks build-std on it
            // (and on the rustup cargo that drives it).
            // std is built here, so it can be built to abort on a panic
            // without formatting a message that wasm32-unknown-unknown has
            // nowhere to print: about 75 KB less. The host still reports the
            // trap as a panic in the component. Nor does anything read the
            // file and line of a panic site then (location-detail: 2 KB).
            flags.extend([
                "-Zunstable-options",
                "-Cpanic=immediate-abort",
                "-Zlocation-detail=none",
            ]);
            cmd.env("RUSTC", DEBIAN_RUSTC)
                .env("RUSTC_BOOTSTRAP", "1")
                .env_remove("RUSTUP_TOOLCHAIN")
                .args(["-Zbuild-std=std,panic_abort"]);
        }
        cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
        let status = cmd.status().context("running cargo for the wasm guests")?;
        if !status.success() {
            bail!("building the wasm guests failed ({status})");
        }
        Ok(())
    }
}
