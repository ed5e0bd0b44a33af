//! `cargo install --path host` (README, "Install"): the installed `ews-host`
//! carries the component built in, so it runs from any directory with no
//! `target/` beside it, and `--version` names the component it carries.
//! Built with `--debug` into the workspace's target directory, so that the
//! test reuses what the suite already compiled.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD};
use e2e::{target_dir, MockExchange};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn install(root: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../host");
    let out = Command::new(cargo)
        .args([
            "install",
            "--quiet",
            "--locked",
            "--offline",
            "--debug",
            "--path",
        ])
        .arg(&host)
        .arg("--root")
        .arg(root)
        .arg("--target-dir")
        .arg(target_dir())
        .output()
        .expect("run cargo install");
    assert!(
        out.status.success(),
        "cargo install failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_installed_host_runs_the_demos_first_action_from_anywhere() {
    let root = tempfile::tempdir().unwrap();
    install(root.path());
    let bin = root.path().join("bin/ews-host");
    assert!(bin.is_file(), "{} missing", bin.display());
    // Somewhere with no target/ and no component: only the binary's own.
    let elsewhere = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = Command::new(&bin)
            .args(args)
            .current_dir(elsewhere.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .envs(env.iter().copied())
            .output()
            .expect("run the installed ews-host");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (code, version, err) = run(&["--version"], &[]);
    assert_eq!(code, Some(0), "{err}");
    let built_in = std::fs::read(e2e::component("ews_guest")).unwrap();
    let lines: Vec<&str> = version.lines().collect();
    assert_eq!(lines[0], format!("ews-host {}", env!("CARGO_PKG_VERSION")));
    let contract =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit/world.wit"))
            .unwrap()
            .lines()
            .find_map(|l| {
                l.strip_prefix("package soar:integration@")?
                    .strip_suffix(';')
                    .map(str::to_string)
            })
            .unwrap();
    let line = lines[1];
    assert!(line.starts_with("component: ews "), "{version}");
    assert!(
        line.contains(&format!("contract soar:integration@{contract}")),
        "{version}"
    );
    assert!(
        line.contains(&format!("{} bytes, built in", built_in.len())),
        "{version}"
    );
    assert!(
        line.contains(&format!("sha256 {}", sha256(&built_in))),
        "{version}"
    );

    // The demo's first action: get-out-of-office with Basic auth.
    let mock: MockExchange = fixtures::mock();
    let state = elsewhere.path().join("state.sqlite3");
    let ews_url = mock.ews_url();
    let (code, out, err) = run(
        &[
            "invoke",
            "get-out-of-office",
            "--params",
            &format!("{{\"mailbox\":\"{ALICE}\"}}"),
        ],
        &[
            ("EWS_URL", &ews_url),
            ("EWS_AUTH_METHOD", "basic"),
            ("EWS_USERNAME", ALICE),
            ("EWS_PRIMARY_SMTP_ADDRESS", ALICE),
            ("EWS_PASSWORD", ALICE_PASSWORD),
            ("EWS_STATE_PATH", state.to_str().unwrap()),
        ],
    );
    assert_eq!(code, Some(0), "{out}\n{err}");
    let json: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(json["ok"], true, "{out}");
    assert_eq!(json["output"]["state"], "Scheduled", "{out}");
    assert!(!out.contains(ALICE_PASSWORD) && !err.contains(ALICE_PASSWORD));
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
