//! `ews-host check`: what works and what is missing, with the fix.

use e2e::fixtures::{self, ingesting_host, ALICE, ALICE_PASSWORD, BOB, PHISHING};
use e2e::Host;
use mock_exchange::NewMessage;

#[test]
fn a_healthy_configuration_passes_and_optional_roles_are_only_reported() {
    let mock = fixtures::mock();
    mock.add_message(
        ALICE,
        PHISHING,
        &fixtures::email("m@evil.example", "x", "y"),
        NewMessage::default(),
    );
    let (host, _) = ingesting_host(&mock);
    let run = host.run(&["check", "--json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let report = run.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["mailbox"], ALICE);
    let checks = report["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .filter(|c| c["required"] == true)
            .all(|c| c["ok"] == true),
        "{report}"
    );
    // Alice has no Discovery Management role: reported, with the fix, not fatal.
    let ediscovery = checks.iter().find(|c| c["check"] == "eDiscovery").unwrap();
    assert_eq!(ediscovery["ok"], false);
    assert!(
        ediscovery["message"]
            .as_str()
            .unwrap()
            .contains("Discovery Management"),
        "{ediscovery}"
    );
    let table = host.run(&["check"]);
    assert_eq!(table.code, 0);
    assert!(
        table.stdout.contains("ok ") && table.stdout.contains("missing  eDiscovery"),
        "{}",
        table.stdout
    );
}

#[test]
fn a_mailbox_the_account_may_not_impersonate_is_named_with_the_fix() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set("primary_smtp_address", BOB);
    let run = host.run(&["check", "--json"]);
    assert_eq!(run.code, 4, "{run:#?}");
    let report = run.json();
    assert_eq!(report["ok"], false);
    let first = &report["checks"][0];
    assert_eq!(
        (first["ok"].as_bool(), first["kind"].as_str()),
        (Some(false), Some("forbidden"))
    );
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("ApplicationImpersonation"),
        "{first}"
    );
    let missing_folder = {
        let (mut h, _) = ingesting_host(&mock);
        h.set("folder", "Inbox/Nope");
        h.run(&["check", "--json"]).json()
    };
    let read = missing_folder["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "read mail")
        .unwrap()
        .clone();
    assert!(
        read["message"].as_str().unwrap().contains("\"Nope\""),
        "{read}"
    );
}
