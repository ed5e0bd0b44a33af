//! The compiled-component cache runs as code in the host, so it is guarded:
//! a cache_dir others can write is refused at start-up, and an entry that
//! was changed or swapped is recompiled, never loaded.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD};
use e2e::Host;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

fn entries(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_cache_dir_others_can_write_is_refused_naming_cache_dir() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let cache = host.dir.path().join("shared-cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    host.set("cache_dir", cache.to_str().unwrap());
    let message = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .failure("invalid-input", 2);
    assert!(message.starts_with("cache_dir: "), "{message}");
    assert!(message.contains("writable by everyone"), "{message}");
    assert!(entries(&cache).is_empty(), "nothing was written there");
    assert_eq!(mock.requests().len(), 0, "nothing was sent");

    // (A new one is created 0700: the host's unit tests; compiling here
    // again would cost a debug host a minute.)
}

#[test]
fn a_tampered_cache_entry_is_recompiled_never_loaded() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let cache = host.dir.path().join("cache");
    host.set("cache_dir", cache.to_str().unwrap())
        .env("EWS_LOG", "debug");
    let params = json!({"mailbox": ALICE});
    let first = host.invoke("get-out-of-office", params.clone());
    first.output();
    assert!(first.stderr.contains("compiled in"), "{}", first.stderr);
    let entry = entries(&cache).pop().expect("an entry was cached");
    let good = std::fs::read(&entry).unwrap();

    let second = host.invoke("get-out-of-office", params.clone());
    second.output();
    assert!(second.stderr.contains("loaded "), "{}", second.stderr);

    // Swap in other bytes (a real attacker would bring other machine code).
    let mut bad = good.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x5a;
    std::fs::write(&entry, &bad).unwrap();
    let third = host.invoke("get-out-of-office", params);
    assert_eq!(third.output()["mailbox"], ALICE);
    assert!(
        third.stderr.contains("recompiling, not loading")
            && third.stderr.contains("does not match")
            && third.stderr.contains("compiled in")
            && !third.stderr.contains("cache: loaded"),
        "{}",
        third.stderr
    );
    assert_eq!(std::fs::read(&entry).unwrap(), good, "the entry was replaced");
}
