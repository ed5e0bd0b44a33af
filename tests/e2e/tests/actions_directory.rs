//! get-searchable-mailboxes (and get-contacts) end to end.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID, CLIENT_SECRET, TENANT};
use e2e::Host;
use serde_json::json;

#[test]
fn searchable_mailboxes_for_a_discovery_manager() {
    let mock = fixtures::mock();
    mock.with_model(|m| m.grant_discovery(ALICE));
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let out = host.invoke("get-searchable-mailboxes", json!({})).output();
    let list = out["mailboxes"].as_array().unwrap();
    let addresses: Vec<&str> = list.iter().map(|m| m["primary_smtp_address"].as_str().unwrap()).collect();
    assert_eq!(addresses, [ALICE, BOB]);
    assert_eq!(list[1]["display_name"], "Bob Builder");
    assert_eq!(list[1]["is_external"], false);
    assert_eq!(list[1]["guid"].as_str().unwrap().len(), 36);
    assert!(list[1]["reference_id"].as_str().unwrap().starts_with("/o="));
    let filtered = host
        .invoke("get-searchable-mailboxes", json!({"search_filter": "builder", "expand_group_membership": true}))
        .output();
    assert_eq!(filtered["mailboxes"].as_array().unwrap().len(), 1);
    assert_eq!(mock.schema_failures(), 0);
}

#[test]
fn without_the_role_it_is_forbidden_and_says_which_role() {
    let mock = fixtures::mock();
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let message = host.invoke("get-searchable-mailboxes", json!({})).failure("forbidden", 4);
    assert!(message.contains("Discovery Management"), "{message}");
    let bad = Host::basic(&mock, ALICE, ALICE_PASSWORD)
        .invoke("get-searchable-mailboxes", json!({"search_filter": 3}))
        .failure("invalid-input", 2);
    assert!(bad.starts_with("params.search_filter"), "{bad}");
}
