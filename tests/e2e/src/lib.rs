//! Helpers for the end-to-end suite: every test runs the real `ews-host`
//! binary, as a user would, on a real component, against a mock Exchange on
//! loopback. Each run's output is scanned for every secret the test used.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub mod fixtures;
pub mod postgres;
pub mod running;
pub use mock_exchange::{MockExchange, MockOptions};

/// The workspace's target directory, found from this test binary's location
/// (target/debug/deps/e2e-*), so that a custom CARGO_TARGET_DIR works too.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors()
        .find(|p| p.join("components").is_dir() || p.file_name().is_some_and(|n| n == "target"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn built(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/build (the README's test command does)",
        path.display()
    );
    path
}

/// The debug build, or E2E_HOST_BIN (a release build, for benchmarks).
pub fn host_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("E2E_HOST_BIN") {
        return built(PathBuf::from(bin));
    }
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/e2e-xxx -> target/debug/ews-host
    built(exe.parent().unwrap().parent().unwrap().join("ews-host"))
}

pub fn xtask_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    built(exe.parent().unwrap().parent().unwrap().join("xtask"))
}

/// target/components, or E2E_COMPONENT_DIR (another build of the
/// components, say one with a change undone, to watch a test fail).
pub fn component(stem: &str) -> PathBuf {
    let dir = std::env::var_os("E2E_COMPONENT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("components"));
    built(dir.join(format!("{stem}.wasm")))
}

/// The transport a test runs on: every action and daemon test that can runs
/// on both (`on_both_apis!`), one suite rather than a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Ews,
    Graph,
}

/// Turns each named `fn name(api: Api)` into two tests, `name::ews` and
/// `name::graph`.
#[macro_export]
macro_rules! on_both_apis {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn ews() {
                    super::$name($crate::Api::Ews)
                }
                #[test]
                fn graph() {
                    super::$name($crate::Api::Graph)
                }
            }
        )*
    };
}

/// What one `ews-host` process did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON (the host prints one JSON document).
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// stdout as JSON lines (`status`, `dead-letters list`), after checking
    /// the command succeeded.
    pub fn json_lines(&self) -> Vec<Value> {
        assert_eq!(self.code, 0, "{self:#?}");
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The action's output, after checking the call succeeded.
    pub fn output(&self) -> Value {
        let json = self.json();
        assert_eq!(json["ok"], true, "expected success, got {self:#?}");
        assert_eq!(self.code, 0, "{self:#?}");
        json["output"].clone()
    }

    /// The failure's (kind, message), after checking the call failed with `code`.
    pub fn failure(&self, kind: &str, code: i32) -> String {
        let json = self.json();
        assert_eq!(json["ok"], false, "expected a failure, got {self:#?}");
        assert_eq!(json["error"]["kind"], kind, "{self:#?}");
        assert_eq!(self.code, code, "{self:#?}");
        assert_eq!(
            self.stdout.trim().lines().count(),
            1,
            "a failure is one line: {self:#?}"
        );
        json["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// One configured host: a config file, secrets in the environment, its own
/// state database and compiled-component cache in a temp dir.
pub struct Host {
    pub dir: tempfile::TempDir,
    pub config: BTreeMap<String, String>,
    /// TOML after the flat keys: `[[mailboxes]]` tables.
    tables: String,
    env: Vec<(String, String)>,
    secrets: Vec<String>,
    component: PathBuf,
}

impl Host {
    pub fn with_component(component: PathBuf) -> Host {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut host = Host {
            dir,
            config: BTreeMap::new(),
            tables: String::new(),
            env: vec![],
            secrets: vec![],
            component,
        };
        let state = host.dir.path().join("state.sqlite3");
        // Shared by every test: compiled components are keyed by their hash,
        // and a debug host takes seconds to compile one.
        let cache = target_dir().join("e2e-cache");
        host.set("state_path", state.to_str().unwrap());
        host.set("cache_dir", cache.to_str().unwrap());
        host
    }

    pub fn ews() -> Host {
        Host::with_component(component("ews_guest"))
    }

    pub fn probe() -> Host {
        Host::with_component(component("probe_guest"))
    }

    /// Basic auth against the mock's `user`, acting on `user`'s mailbox.
    pub fn basic(mock: &MockExchange, user: &str, password: &str) -> Host {
        let mut h = Host::ews();
        h.set("ews_url", &mock.ews_url())
            .set("auth_method", "basic")
            .set("username", user)
            .set("primary_smtp_address", user)
            .secret("password", password);
        h
    }

    /// OAuth 2.0 client credentials against the mock's token endpoint,
    /// impersonating `mailbox`.
    pub fn oauth(
        mock: &MockExchange,
        tenant: &str,
        client_id: &str,
        secret: &str,
        mailbox: &str,
    ) -> Host {
        let mut h = Host::ews();
        h.set("ews_url", &mock.ews_url())
            .set("auth_method", "oauth2")
            .set("tenant", tenant)
            .set("client_id", client_id)
            .set("token_url", &mock.token_url(tenant))
            .set("primary_smtp_address", mailbox)
            .secret("client_secret", secret);
        h
    }

    /// OAuth 2.0 against the mock as `oauth` does, on `api`: Graph at the
    /// mock's Graph root, or EWS.
    pub fn oauth_on(
        api: Api,
        mock: &MockExchange,
        tenant: &str,
        client_id: &str,
        secret: &str,
        mailbox: &str,
    ) -> Host {
        let mut h = Host::oauth(mock, tenant, client_id, secret, mailbox);
        if api == Api::Graph {
            h.set("api", "graph").set("graph_url", &mock.graph_url());
        }
        h
    }

    /// A string setting.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        self.config.insert(key.to_string(), toml_string(value));
        self
    }

    /// A setting written as a TOML literal: `["a", "b"]`, `50`.
    pub fn set_toml(&mut self, key: &str, literal: &str) -> &mut Self {
        self.config.insert(key.to_string(), literal.to_string());
        self
    }

    /// One `[[mailboxes]]` entry, its settings as strings (docs/fleet.md).
    pub fn mailbox(&mut self, settings: &[(&str, &str)]) -> &mut Self {
        self.tables.push_str("\n[[mailboxes]]\n");
        for (k, v) in settings {
            self.tables.push_str(&format!("{k} = {}\n", toml_string(v)));
        }
        self
    }

    pub fn unset(&mut self, key: &str) -> &mut Self {
        self.config.remove(key);
        self
    }

    /// A secret goes through the environment, as the README tells users, and
    /// is then looked for in everything the host prints.
    pub fn secret(&mut self, key: &str, value: &str) -> &mut Self {
        self.env
            .push((format!("EWS_{}", key.to_uppercase()), value.to_string()));
        self.secrets.push(value.to_string());
        self
    }

    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn config_path(&self) -> PathBuf {
        let path = self.dir.path().join("ews.toml");
        let toml: String = self
            .config
            .iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect();
        std::fs::write(&path, toml + &self.tables).expect("write config");
        path
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// The host as a child process, for tests that kill it.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.spawn().expect("spawn ews-host")
    }

    /// The host as a child process whose stderr (the daemon's progress
    /// lines) goes to `log`, for tests that read it while it runs.
    pub fn spawn_logged(&self, args: &[&str], log: &Path) -> std::process::Child {
        let file = std::fs::File::create(log).expect("create the host's log");
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(file);
        cmd.spawn().expect("spawn ews-host")
    }

    /// The host on a terminal: a pty from util-linux's `script`, whose
    /// output (the pty's: stdout and stderr as one) is `stdout`; `None`
    /// where there is no `script`.
    pub fn run_in_terminal(&self, args: &[&str]) -> Option<Run> {
        Command::new("script").arg("--version").output().ok()?;
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut line = vec![quote(&host_bin().display().to_string())];
        line.push("--config".into());
        line.push(quote(&self.config_path().display().to_string()));
        line.push("--component".into());
        line.push(quote(&self.component.display().to_string()));
        line.extend(args.iter().map(|a| quote(a)));
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line.join(" "), "/dev/null"]);
        self.environment(&mut cmd);
        let out = cmd.stdin(Stdio::null()).output().expect("run script");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.assert_no_secret(&run);
        Some(run)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(host_bin());
        cmd.arg("--config").arg(self.config_path());
        cmd.arg("--component").arg(&self.component);
        cmd.args(args);
        self.environment(&mut cmd);
        cmd
    }

    /// The test's environment, and none of the developer's settings.
    fn environment(&self, cmd: &mut Command) {
        cmd.envs(self.env.iter().cloned());
        // The developer's own settings must not leak into a test.
        for (k, _) in std::env::vars() {
            if k.starts_with("EWS_") && !self.env.iter().any(|(e, _)| *e == k) {
                cmd.env_remove(k);
            }
        }
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn ews-host");
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().expect("wait for ews-host");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.assert_no_secret(&run);
        run
    }

    pub fn invoke(&self, action: &str, params: Value) -> Run {
        self.run(&["invoke", action, "--params", &params.to_string()])
    }

    pub fn describe(&self) -> Value {
        let run = self.run(&["describe"]);
        assert_eq!(run.code, 0, "{run:#?}");
        run.json()
    }

    fn assert_no_secret(&self, run: &Run) {
        for secret in &self.secrets {
            for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                assert!(
                    !text.contains(secret.as_str()),
                    "a secret appeared in the host's {name}:\n{text}"
                );
            }
        }
    }
}

/// Every item a `dir` sink holds: (folder name, record.json).
pub fn dir_sink_records(dir: &Path) -> Vec<(String, Value)> {
    let mut records: Vec<(String, Value)> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path().join("record.json"))
                .unwrap_or_else(|err| panic!("{name}/record.json: {err}"));
            (
                name,
                serde_json::from_str(&text).expect("record.json is JSON"),
            )
        })
        .collect();
    records.sort_by(|a, b| a.1["received"].as_str().cmp(&b.1["received"].as_str()));
    records
}

pub fn toml_string(v: &str) -> String {
    serde_json::to_string(v).expect("a string serialises")
}
