//! The example systemd units (docs/systemd/, docs/service.md) are ones
//! systemd accepts and the host can run under:
//! - `systemd-analyze verify` accepts `ews-host.service` with every drop-in,
//!   and the template as an instance, without one message about them (an
//!   unknown directive, a value it cannot parse, a missing binary), with
//!   ExecStart pointed at the built host; and `systemd-analyze security`
//!   rates each at most 2.0 exposure. Where systemd-analyze is missing (or too
//!   old for `security --offline`) that part prints `SKIPPED systemd_unit: ...`.
//! - Every directive is one this test knows, each has its own comment, and
//!   the sandbox the issue asks for is all there; MemoryDenyWriteExecute is
//!   not (wasmtime makes the code it compiles executable).
//! - Every `LoadCredential=` is a secret the host reads: the host, run with the
//!   unit's own command line and `Environment=` lines (`%S`, `%C` and `%d` in
//!   temp dirs, as systemd would set them), reads each credential as that
//!   secret's `_file`, and keeps its state and compiled component in
//!   StateDirectory and CacheDirectory.
//!
//! A debug host takes half a minute to compile the component, so each
//! CacheDirectory is seeded with what the suite's shared cache (or the run
//! before) compiled; the host's debug log then says which entry it loaded.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every directive the units and drop-ins may use, by section: the
/// sandboxing this test expects and the few lines a service needs besides.
/// A directive not listed here fails the test, so that a new one is looked at.
const KNOWN: &[(&str, &[&str])] = &[
    ("Unit", &["Description", "After", "Wants"]),
    (
        "Service",
        &[
            "Type",
            "NotifyAccess",
            "ExecStart",
            "Environment",
            "StateDirectory",
            "StateDirectoryMode",
            "CacheDirectory",
            "CacheDirectoryMode",
            "LoadCredential",
            "KillSignal",
            "TimeoutStopSec",
            "SuccessExitStatus",
            "Restart",
            "RestartSec",
            "RestartPreventExitStatus",
            "DynamicUser",
            "User",
            "Group",
            "RestrictSUIDSGID",
            "RemoveIPC",
            "CapabilityBoundingSet",
            "NoNewPrivileges",
            "UMask",
            "ProtectSystem",
            "ProtectHome",
            "PrivateTmp",
            "PrivateDevices",
            "ProtectProc",
            "ProtectKernelTunables",
            "ProtectKernelModules",
            "ProtectKernelLogs",
            "ProtectControlGroups",
            "ProtectClock",
            "ProtectHostname",
            "RestrictAddressFamilies",
            "RestrictNamespaces",
            "RestrictRealtime",
            "LockPersonality",
            "SystemCallFilter",
            "SystemCallErrorNumber",
            "SystemCallArchitectures",
            "ReadWritePaths",
        ],
    ),
    ("Install", &["WantedBy"]),
];

/// What each full unit must say, exactly (the sandbox, and how it stops).
const REQUIRED: &[(&str, &str)] = &[
    ("DynamicUser", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("PrivateDevices", "yes"),
    ("NoNewPrivileges", "yes"),
    ("CapabilityBoundingSet", ""),
    ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
    ("SystemCallFilter", "@system-service"),
    ("SystemCallArchitectures", "native"),
    ("LockPersonality", "yes"),
    ("RestrictNamespaces", "yes"),
    ("RestrictRealtime", "yes"),
    ("ProtectKernelTunables", "yes"),
    ("ProtectKernelModules", "yes"),
    ("ProtectKernelLogs", "yes"),
    ("ProtectControlGroups", "yes"),
    ("ProtectClock", "yes"),
    ("ProtectHostname", "yes"),
    ("UMask", "0077"),
    ("Restart", "on-failure"),
    ("KillSignal", "SIGTERM"),
    ("Type", "notify"),
    ("NotifyAccess", "main"),
];

/// Present with any value.
const PRESENT: &[&str] = &[
    "StateDirectory",
    "CacheDirectory",
    "LoadCredential",
    "RestartSec",
    "TimeoutStopSec",
    "ExecStart",
];

/// The host's default `call_timeout_secs`: a step after SIGTERM is at most a
/// poll and an ack of that long, so the stop timeout must cover two.
const CALL_TIMEOUT_SECS: u64 = 300;

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/systemd")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The units: (file name, text).
fn units() -> Vec<(&'static str, String)> {
    ["ews-host.service", "ews-host@.service"]
        .into_iter()
        .map(|name| (name, read(&docs().join(name))))
        .collect()
}

/// The drop-ins: (file name, text), sorted.
fn drop_ins() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(docs().join("drop-ins"))
        .expect("docs/systemd/drop-ins")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            )
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no drop-ins in docs/systemd/drop-ins");
    v
}

#[derive(Debug, Clone)]
struct Directive {
    section: String,
    key: String,
    value: String,
    line: usize,
    /// The line just above is a comment: the directive says why it is there.
    explained: bool,
}

/// A unit file's directives, in order (systemd's syntax less continuation
/// lines, which these files do not use).
fn parse(name: &str, text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut comment_above = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let n = i + 1;
        assert!(
            !line.ends_with('\\'),
            "{name}:{n}: a continuation line; this test does not read them"
        );
        if line.is_empty() {
            comment_above = false;
        } else if line.starts_with('#') || line.starts_with(';') {
            comment_above = true;
        } else if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            comment_above = false;
        } else {
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{name}:{n}: not KEY=VALUE: {line}"));
            assert!(
                !section.is_empty(),
                "{name}:{n}: {key} before any [section]"
            );
            out.push(Directive {
                section: section.clone(),
                key: key.trim().to_string(),
                value: value.trim().to_string(),
                line: n,
                explained: comment_above,
            });
            comment_above = false;
        }
    }
    out
}

fn values<'a>(ds: &'a [Directive], key: &str) -> Vec<&'a str> {
    ds.iter()
        .filter(|d| d.key == key)
        .map(|d| d.value.as_str())
        .collect()
}

fn check_known_and_explained(name: &str, ds: &[Directive]) {
    for d in ds {
        let known = KNOWN
            .iter()
            .find(|(s, _)| *s == d.section)
            .is_some_and(|(_, keys)| keys.contains(&d.key.as_str()));
        assert!(
            known,
            "{name}:{}: [{}] {} is not a directive this test knows: add it to KNOWN once its reason is in the comment above it and in docs/service.md",
            d.line, d.section, d.key
        );
        assert!(
            d.explained,
            "{name}:{}: {}= has no comment of its own above it saying why",
            d.line, d.key
        );
    }
}

/// `11min`, `660s`, `660`, `1h`: seconds (what these files use of systemd's time spans).
fn seconds(span: &str) -> u64 {
    let span = span.trim();
    let digits: String = span.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits
        .parse()
        .unwrap_or_else(|_| panic!("time span {span:?}"));
    match &span[digits.len()..] {
        "" | "s" | "sec" => n,
        "min" | "m" => n * 60,
        "h" => n * 3600,
        other => panic!("time span {span:?}: unit {other:?} not read by this test"),
    }
}

#[test]
fn every_directive_is_known_explained_and_the_sandbox_is_whole() {
    for (name, text) in units() {
        let ds = parse(name, &text);
        check_known_and_explained(name, &ds);
        for (key, want) in REQUIRED {
            let got = values(&ds, key);
            assert!(
                got.contains(want),
                "{name}: {key}={want} is missing (found {got:?})"
            );
        }
        for key in PRESENT {
            assert!(!values(&ds, key).is_empty(), "{name}: no {key}=");
        }
        // wasmtime compiles the component and then makes that memory
        // executable: the host could not start with it.
        assert!(
            values(&ds, "MemoryDenyWriteExecute").is_empty(),
            "{name}: MemoryDenyWriteExecute would stop wasmtime from running the compiled component"
        );
        assert!(
            text.contains("MemoryDenyWriteExecute= is deliberately NOT set"),
            "{name}: the comment saying why MemoryDenyWriteExecute is left out is gone"
        );
        let stop = seconds(values(&ds, "TimeoutStopSec")[0]);
        assert!(
            stop >= 2 * CALL_TIMEOUT_SECS,
            "{name}: TimeoutStopSec={stop}s is shorter than a step (a poll and an ack of call_timeout_secs = {CALL_TIMEOUT_SECS} s)"
        );
        let exec: Vec<&str> = values(&ds, "ExecStart")[0].split_whitespace().collect();
        assert_eq!(exec[0], "/usr/local/bin/ews-host", "{name}: ExecStart");
        assert_eq!(exec[1], "--config", "{name}: ExecStart");
        assert!(exec[2].starts_with("/etc/ews-host/"), "{name}: ExecStart");
        assert_eq!(&exec[3..], ["daemon"], "{name}: ExecStart runs the daemon");
        // The state and the cache are where systemd makes them writable.
        let state = values(&ds, "StateDirectory")[0];
        let cache = values(&ds, "CacheDirectory")[0];
        let env = environment(name, &ds);
        assert_eq!(
            env.get("EWS_STATE_PATH").map(String::as_str),
            Some(format!("%S/{state}/state.sqlite3").as_str()),
            "{name}: state_path must be in StateDirectory, the only place it may write"
        );
        assert_eq!(
            env.get("EWS_CACHE_DIR").map(String::as_str),
            Some(format!("%C/{cache}").as_str()),
            "{name}: cache_dir must be CacheDirectory (the default is under $HOME, which ProtectHome hides)"
        );
    }
    for (name, text) in drop_ins() {
        let ds = parse(&name, &text);
        check_known_and_explained(&name, &ds);
        assert!(
            values(&ds, "MemoryDenyWriteExecute").is_empty(),
            "{name}: MemoryDenyWriteExecute"
        );
    }
}

/// `Environment=` lines as a map (one assignment per line in these files).
fn environment(name: &str, ds: &[Directive]) -> BTreeMap<String, String> {
    values(ds, "Environment")
        .into_iter()
        .map(|v| {
            let (k, v) = v
                .split_once('=')
                .unwrap_or_else(|| panic!("{name}: Environment={v}: not NAME=VALUE"));
            assert!(
                !v.contains(char::is_whitespace) && !v.contains('"'),
                "{name}: Environment={k}={v}: one unquoted assignment per line, please"
            );
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// `LoadCredential=NAME:PATH` -> (NAME, the secret the host reads it as,
/// the `EWS_<SECRET>_FILE` variable pointing at it).
fn credentials(name: &str, ds: &[Directive]) -> Vec<(String, String, String)> {
    let env = environment(name, ds);
    let mut out = Vec::new();
    for v in values(ds, "LoadCredential") {
        let (cred, path) = v
            .split_once(':')
            .unwrap_or_else(|| panic!("{name}: LoadCredential={v}: not NAME:PATH"));
        assert!(path.starts_with("/etc/ews-host/"), "{name}: {v}");
        let pointing: Vec<&String> = env
            .iter()
            .filter(|(_, value)| **value == format!("%d/{cred}"))
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            pointing.len(),
            1,
            "{name}: credential {cred} must be named by exactly one Environment=EWS_<SECRET>_FILE=%d/{cred} (found {pointing:?}), or the host never reads it"
        );
        let var = pointing[0].clone();
        let secret = var
            .strip_prefix("EWS_")
            .and_then(|s| s.strip_suffix("_FILE"))
            .unwrap_or_else(|| panic!("{name}: {var}: not EWS_<SECRET>_FILE"))
            .to_ascii_lowercase();
        out.push((cred.to_string(), secret, var));
    }
    // And no %d without a credential behind it.
    for (k, v) in &env {
        if let Some(cred) = v.strip_prefix("%d/") {
            assert!(
                out.iter().any(|(c, _, _)| c == cred),
                "{name}: {k}={v}: no LoadCredential={cred}:... in the same file"
            );
        }
    }
    out
}

/// Roots standing in for /var/lib, /var/cache and the credentials directory.
struct Roots {
    _dir: tempfile::TempDir,
    state: PathBuf,
    cache: PathBuf,
    creds: PathBuf,
    config: PathBuf,
}

fn roots() -> Roots {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("var-lib");
    let cache = dir.path().join("var-cache");
    let creds = dir.path().join("credentials");
    for d in [&state, &cache, &creds] {
        std::fs::create_dir(d).unwrap();
    }
    // No secret in it, as docs/service.md says; the component is named because
    // a test's host finds it under target/, not where an installed one does.
    let config = dir.path().join("ews.toml");
    std::fs::write(
        &config,
        format!(
            "component = {}\nauth_method = \"oauth2\"\ntenant = \"contoso.onmicrosoft.com\"\nclient_id = \"00000000-0000-0000-0000-000000000000\"\nprimary_smtp_address = \"phishing@contoso.com\"\nsink = \"dir\"\nsink_dir = {}\n",
            e2e::toml_string(e2e::component("ews_guest").to_str().unwrap()),
            e2e::toml_string(dir.path().join("records").to_str().unwrap()),
        ),
    )
    .unwrap();
    Roots {
        _dir: dir,
        state,
        cache,
        creds,
        config,
    }
}

/// systemd's specifiers in these files, as the service would see them.
fn expand(text: &str, roots: &Roots, instance: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('S') => out.push_str(roots.state.to_str().unwrap()),
            Some('C') => out.push_str(roots.cache.to_str().unwrap()),
            Some('d') => out.push_str(roots.creds.to_str().unwrap()),
            Some('i') => out.push_str(instance),
            Some('%') => out.push('%'),
            other => panic!("{text}: specifier %{other:?} not read by this test"),
        }
    }
    out
}

/// Copies the compiled components of `from` (entries and their digests) into
/// `cache`, so that the host loads rather than compiles (the same user wrote
/// them, so the host's ownership check accepts them).
fn seed(cache: &Path, from: &[PathBuf]) {
    for dir in from {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let target = cache.join(&name);
            let ours = name.ends_with(".cwasm") || name.ends_with(".cwasm.sha256");
            if ours && path.is_file() && !target.exists() {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
}

/// Whether `cache` holds a compiled component.
fn has_entry(cache: &Path) -> bool {
    std::fs::read_dir(cache)
        .unwrap()
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
}

/// Runs the unit's ExecStart (the built host, the temp config) with only the
/// environment systemd would give it (and EWS_LOG=debug, to see which cache
/// entry it loads), until it exits (at most three minutes).
fn run_as_the_unit(
    ds: &[Directive],
    env: &BTreeMap<String, String>,
    roots: &Roots,
) -> (i32, String) {
    let exec: Vec<&str> = values(ds, "ExecStart")[0].split_whitespace().collect();
    let mut cmd = Command::new(e2e::host_bin());
    cmd.args(["--config", roots.config.to_str().unwrap()])
        .args(&exec[3..])
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("CREDENTIALS_DIRECTORY", &roots.creds)
        .env("EWS_LOG", "debug")
        .envs(env)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn ews-host");
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the host did not stop at start-up within three minutes: it did not read the credential?\n{}",
                said(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), said(&out))
}

/// What a finished command printed: its stdout, then its stderr.
fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `systemd-analyze ARGS... UNIT`, run in `dir`: whether it exited 0, and
/// what it said.
fn analyze_unit(analyze: &Path, args: &[&str], unit: &Path, dir: &Path) -> (bool, String) {
    let out = Command::new(analyze)
        .args(args)
        .arg(unit)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run systemd-analyze {args:?}: {e}"));
    (out.status.success(), said(&out))
}

#[test]
fn every_credential_is_a_secret_the_host_reads_and_the_state_is_where_systemd_keeps_it() {
    let drop_ins = drop_ins();
    // One set of roots: the main unit and its drop-ins share a cache, as
    // they would on a machine.
    let roots = roots();
    let shared = vec![
        e2e::target_dir().join("e2e-cache"),
        roots.cache.join("ews-host"),
    ];
    let mut checked = 0;
    for (unit, text) in units() {
        let instance = if unit.contains('@') { "soc" } else { "" };
        let base = parse(unit, &text);
        // The unit alone, then with each drop-in that brings a credential.
        let mut cases: Vec<(String, Vec<Directive>)> = vec![(unit.to_string(), base.clone())];
        if instance.is_empty() {
            for (name, text) in &drop_ins {
                let own = parse(name, text);
                if values(&own, "LoadCredential").is_empty() {
                    continue;
                }
                let mut ds = base.clone();
                ds.extend(own);
                cases.push((format!("{unit} + {name}"), ds));
            }
        }
        for (case, ds) in cases {
            let own = credentials(&case, &ds);
            let env: BTreeMap<String, String> = environment(&case, &ds)
                .into_iter()
                .map(|(k, v)| (k, expand(&v, &roots, instance)))
                .collect();
            // systemd creates these before it starts the service.
            let named = |key: &str| expand(values(&ds, key)[0], &roots, instance);
            let state = roots.state.join(named("StateDirectory"));
            let cache = roots.cache.join(named("CacheDirectory"));
            std::fs::create_dir_all(&state).unwrap();
            std::fs::create_dir_all(&cache).unwrap();
            std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
            seed(&cache, &shared);
            let seeded = has_entry(&cache);
            // The credential this case adds is too short, so the host stops
            // at start-up naming the secret and where it read it; the others
            // are valid.
            let (target, _, _) = own.last().expect("a credential").clone();
            for (cred, _, _) in &own {
                let value = if *cred == target {
                    "short"
                } else {
                    "long-enough-value"
                };
                std::fs::write(roots.creds.join(cred), format!("{value}\n")).unwrap();
            }
            let (_, secret, var) = own.iter().find(|(c, _, _)| *c == target).unwrap();
            let (code, text) = run_as_the_unit(&ds, &env, &roots);
            let expected = format!("{secret} (from {secret}_file) is 5 characters long");
            assert!(
                text.contains(&expected),
                "{case}: the host did not read credential {target} as secret {secret} through {var} (expected {expected:?}):\n{text}"
            );
            assert_eq!(code, 2, "{case}: invalid-input: {text}");
            // By then it had opened its state in StateDirectory, and loaded
            // the component from CacheDirectory (or compiled it into it).
            assert!(
                state.join("state.sqlite3").is_file(),
                "{case}: no state file in StateDirectory {}:\n{text}",
                state.display()
            );
            let loaded = text.contains(&format!("loaded {}/", cache.display()));
            let compiled = !seeded && text.contains("compiled in") && has_entry(&cache);
            assert!(
                loaded || compiled,
                "{case}: the component was neither loaded from nor compiled into CacheDirectory {}:\n{text}",
                cache.display()
            );
            for (cred, _, _) in &own {
                std::fs::remove_file(roots.creds.join(cred)).unwrap();
            }
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} cases ran");
}

/// `systemd-analyze` on PATH, or why not.
fn systemd_analyze() -> Result<PathBuf, String> {
    let out = Command::new("systemd-analyze").arg("--version").output();
    match out {
        Ok(o) if o.status.success() => Ok(PathBuf::from("systemd-analyze")),
        Ok(o) => Err(format!(
            "systemd-analyze --version failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("systemd-analyze is not installed ({e})")),
    }
}

/// A unit as installed, but with ExecStart's binary the built host (verify
/// checks that it exists and is executable) and its config a temp file.
fn installed_copy(text: &str, config: &Path) -> String {
    let host = e2e::host_bin();
    let host = host.to_str().unwrap();
    let config = config.to_str().unwrap();
    assert!(
        !host.contains(char::is_whitespace) && !config.contains(char::is_whitespace),
        "a path with spaces: {host} {config}"
    );
    let mut out = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("ExecStart=") {
            let rest = rest
                .replace("/usr/local/bin/ews-host", host)
                .replace("/etc/ews-host/%i/ews.toml", config)
                .replace("/etc/ews-host/ews.toml", config);
            out.push_str(&format!("ExecStart={rest}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn systemd_analyze_verifies_the_units_and_rates_them_safe() {
    let analyze = match systemd_analyze() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIPPED systemd_unit: {why}; the units are not verified by systemd here");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ews.toml");
    std::fs::write(&config, "").unwrap();
    let texts: BTreeMap<&str, String> = units().into_iter().collect();
    // The single unit with every drop-in at once (verify reads NAME.d/ beside
    // the file), and the template as the instance ews-host@soc.
    let single = dir.path().join("ews-host.service");
    std::fs::write(&single, installed_copy(&texts["ews-host.service"], &config)).unwrap();
    let drop_dir = dir.path().join("ews-host.service.d");
    std::fs::create_dir(&drop_dir).unwrap();
    for (name, text) in drop_ins() {
        std::fs::write(drop_dir.join(name), text).unwrap();
    }
    let instance = dir.path().join("ews-host@soc.service");
    std::fs::write(
        &instance,
        installed_copy(&texts["ews-host@.service"], &config),
    )
    .unwrap();
    for unit in [&single, &instance] {
        let (ok, said) = analyze_unit(&analyze, &["verify"], unit, dir.path());
        // Every message about these files is a real problem: systemd logs an
        // unknown key or a bad value as a warning, ignores the line and
        // still exits 0. Messages about the machine's own units are not ours.
        let ours: Vec<&str> = said
            .lines()
            .filter(|l| l.contains(dir.path().to_str().unwrap()) || l.contains("ews-host"))
            .collect();
        let theirs: Vec<&str> = said.lines().filter(|l| !ours.contains(l)).collect();
        if !theirs.is_empty() {
            eprintln!(
                "systemd_unit: systemd-analyze said about this machine's own units (not ours, ignored):\n{}",
                theirs.join("\n")
            );
        }
        assert!(
            ours.is_empty() && ok,
            "systemd-analyze verify {} (exit 0: {ok}):\n{said}",
            unit.display()
        );
        eprintln!(
            "systemd_unit: systemd-analyze verify {}: no message",
            unit.display()
        );

        // The exposure systemd rates the sandbox at (0 safest, 10 unsafe).
        let security = ["security", "--offline=yes", "--threshold=20", "--no-pager"];
        let (ok, text) = analyze_unit(&analyze, &security, unit, dir.path());
        if text.contains("unrecognized option") || text.contains("Unknown option") {
            eprintln!("SKIPPED systemd_unit: this systemd-analyze has no `security --offline` (systemd < 250); exposure not rated");
            continue;
        }
        let overall = text
            .lines()
            .find(|l| l.contains("Overall exposure level"))
            .unwrap_or_else(|| panic!("no overall exposure in:\n{text}"));
        eprintln!("systemd_unit: {}", overall.trim());
        assert!(ok, "exposure above 2.0 for {}:\n{text}", unit.display());
    }
}
