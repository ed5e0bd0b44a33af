use super::*;
use std::collections::HashMap;

fn manifest() -> Manifest {
    Manifest::parse(
        r#"{"name":"ews","config":[
        {"key":"ews_url","type":"string","secret":false,"outbound":true},
        {"key":"request_timeout_secs","type":"integer","secret":false},
        {"key":"scopes","type":"array","secret":false},
        {"key":"password","type":"string","secret":true}],"actions":[]}"#,
    )
    .unwrap()
}

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ews-host-config-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn env_names() {
    assert_eq!(env_name("ews_url"), "EWS_URL");
    assert_eq!(env_name("password_file"), "EWS_PASSWORD_FILE");
    assert_eq!(env_name("state_path"), "EWS_STATE_PATH");
}

#[test]
fn env_overrides_file_and_arrays_become_json() {
    let path = write("layer", "ews_url = \"https://a.example/EWS\"\nscopes = [\"a\", \"b\"]\nrequest_timeout_secs = 5\nstate_path = \"s.db\"\n");
    let raw = RawConfig::load(Some(&path)).unwrap();
    let vars: HashMap<&str, &str> = [("EWS_URL", "https://b.example/EWS")].into();
    let env = |k: &str| vars.get(k).map(|v| v.to_string());
    let cfg = raw.resolve(&manifest(), &env).unwrap();
    assert_eq!(cfg.guest["ews_url"], "https://b.example/EWS");
    assert_eq!(cfg.guest["scopes"], r#"["a","b"]"#);
    assert_eq!(cfg.guest["request_timeout_secs"], "5");
    assert!(
        !cfg.guest.contains_key("state_path"),
        "host keys stay on the host"
    );
    assert_eq!(cfg.host.state_path, path.parent().unwrap().join("s.db"));
}

#[test]
fn unknown_key_names_the_closest() {
    let path = write("typo", "ews_ulr = \"x\"\n");
    let raw = RawConfig::load(Some(&path)).unwrap();
    let err = raw.resolve(&manifest(), &|_| None).unwrap_err();
    assert!(
        err.message.contains("unknown configuration key ews_ulr"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("did you mean ews_url?"),
        "{}",
        err.message
    );
}

#[test]
fn secret_in_file_is_refused() {
    let path = write("secret", "password = \"hunter2\"\n");
    let raw = RawConfig::load(Some(&path)).unwrap();
    let err = raw.resolve(&manifest(), &|_| None).unwrap_err();
    assert!(err.message.starts_with(
        "password must come from EWS_PASSWORD or password_file, never the config file"
    ));
    assert!(!err.message.contains("hunter2"));
    let path = write("hostsecret", "engine_access_key = \"k\"\n");
    let err = RawConfig::load(Some(&path))
        .unwrap()
        .resolve(&manifest(), &|_| None)
        .unwrap_err();
    assert!(err.message.contains("EWS_ENGINE_ACCESS_KEY"));
}

#[test]
fn types_are_checked() {
    let vars: HashMap<&str, &str> = [("EWS_REQUEST_TIMEOUT_SECS", "soon")].into();
    let env = |k: &str| vars.get(k).map(|v| v.to_string());
    let err = RawConfig::default().resolve(&manifest(), &env).unwrap_err();
    assert!(err
        .message
        .starts_with("request_timeout_secs: expected a whole number"));
}

#[test]
fn host_defaults() {
    let host = RawConfig::default().host(&|_| None).unwrap();
    assert_eq!(host.max_memory_mb, 512);
    assert_eq!(host.call_timeout_secs, 300);
    assert_eq!(host.state_path, PathBuf::from("ews-host.sqlite3"));
    let err = RawConfig::default()
        .host(&|k| (k == "EWS_MAX_MEMORY_MB").then(|| "0".into()))
        .unwrap_err();
    assert!(err.message.contains("max_memory_mb"));
}

#[test]
fn daemon_keys() {
    let host = RawConfig::default().host(&|_| None).unwrap();
    assert_eq!(host.sink, SinkKind::Stdout);
    assert!(!host.sink_stdout_inline);
    assert_eq!(host.daemon_interval, std::time::Duration::from_secs(60));
    assert_eq!(host.daemon_max, 1000);
    let path = write(
        "daemon",
        "sink = \"dir\"\nsink_dir = \"out\"\nsink_stdout_files = \"inline\"\ndaemon_interval = \"5m\"\ndaemon_max = 7\n",
    );
    let raw = RawConfig::load(Some(&path)).unwrap();
    let cfg = raw.resolve(&manifest(), &|_| None).unwrap();
    assert_eq!(cfg.host.sink, SinkKind::Dir);
    assert_eq!(cfg.host.sink_dir, Some(path.parent().unwrap().join("out")));
    assert!(cfg.host.sink_stdout_inline);
    assert_eq!(
        cfg.host.daemon_interval,
        std::time::Duration::from_secs(300)
    );
    assert_eq!(cfg.host.daemon_max, 7);
    for (var, value, key) in [
        ("EWS_SINK", "kafka", "sink must be"),
        ("EWS_SINK_STDOUT_FILES", "yes", "sink_stdout_files must be"),
        ("EWS_DAEMON_INTERVAL", "soon", "daemon_interval: "),
        ("EWS_DAEMON_MAX", "0", "daemon_max must be"),
    ] {
        let err = RawConfig::default()
            .host(&|k| (k == var).then(|| value.to_string()))
            .unwrap_err();
        assert!(err.message.starts_with(key), "{}", err.message);
    }
}

#[test]
fn env_arrays_accept_json_or_commas() {
    let path = write("arrays", "scopes = [\"invoice\", \"urgent\"]\n");
    let raw = RawConfig::load(Some(&path)).unwrap();
    let cfg = raw.resolve(&manifest(), &|_| None).unwrap();
    assert_eq!(cfg.guest["scopes"], r#"["invoice","urgent"]"#);
    for (value, want) in [
        ("a, b ,c", r#"["a","b","c"]"#),
        (r#"["x,y"]"#, r#"["x,y"]"#),
        ("single", r#"["single"]"#),
    ] {
        let env = |k: &str| (k == "EWS_SCOPES").then(|| value.to_string());
        let cfg = raw.resolve(&manifest(), &env).unwrap();
        assert_eq!(cfg.guest["scopes"], want);
    }
}

#[test]
fn each_mailbox_entry_wins_over_the_environment_and_the_top_level() {
    let path = write(
        "mailboxes",
        "ews_url = \"https://top.example/EWS\"\nrequest_timeout_secs = 5\nsink = \"dir\"\nconcurrency = 3\n\n\
         [[mailboxes]]\nname = \"soc\"\news_url = \"https://soc.example/EWS\"\nsink_dir = \"soc\"\n\n\
         [[mailboxes]]\nsink_dir = \"/abs/other\"\n",
    );
    let raw = RawConfig::load(Some(&path)).unwrap();
    let vars: HashMap<&str, &str> = [("EWS_URL", "https://env.example/EWS")].into();
    let env = |k: &str| vars.get(k).map(|v| v.to_string());
    let top = raw.resolve(&manifest(), &env).unwrap();
    assert_eq!(top.host.concurrency, 3);
    let views = raw.mailboxes();
    assert_eq!(views.len(), 2);
    let soc = views[0].resolve(&manifest(), &env).unwrap();
    assert_eq!(views[0].entry_name().as_deref(), Some("soc"));
    assert_eq!(
        soc.guest["ews_url"], "https://soc.example/EWS",
        "the entry's own"
    );
    assert_eq!(soc.guest["request_timeout_secs"], "5", "the top level's");
    assert!(
        !soc.guest.contains_key("name"),
        "the entry's name stays on the host"
    );
    assert_eq!(soc.host.sink_dir, Some(path.parent().unwrap().join("soc")));
    let other = views[1].resolve(&manifest(), &env).unwrap();
    assert_eq!(
        other.guest["ews_url"], "https://env.example/EWS",
        "the environment's"
    );
    assert_eq!(other.host.sink_dir, Some(PathBuf::from("/abs/other")));
}

#[test]
fn a_mailbox_entry_cannot_set_a_process_key_or_nest_tables() {
    let path = write("entry-process", "[[mailboxes]]\nmax_memory_mb = 64\n");
    let err = RawConfig::load(Some(&path))
        .unwrap()
        .resolve(&manifest(), &|_| None)
        .unwrap_err();
    assert!(
        err.message
            .contains("mailboxes[1].max_memory_mb: set max_memory_mb at the top level"),
        "{}",
        err.message
    );
    let path = write("entry-nested", "[[mailboxes]]\n[mailboxes.x]\na = 1\n");
    let err = RawConfig::load(Some(&path)).unwrap_err();
    assert!(err.message.contains("mailboxes[1].x"), "{}", err.message);
    let path = write("entry-not-tables", "mailboxes = 3\n");
    let err = RawConfig::load(Some(&path)).unwrap_err();
    assert!(err.message.contains("[[mailboxes]]"), "{}", err.message);
}
