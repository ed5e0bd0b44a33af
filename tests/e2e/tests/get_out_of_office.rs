//! get-out-of-office end to end, with each authentication method.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID, CLIENT_SECRET, TENANT};
use e2e::{on_both_apis, Api, Host};
use serde_json::json;

on_both_apis!(
    reads_scheduled_oof_with_escaped_text,
    an_unknown_mailbox_is_not_found
);

fn reads_scheduled_oof_with_escaped_text(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let out = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .output();
    assert_eq!(out["mailbox"], ALICE);
    assert_eq!(out["state"], "Scheduled");
    assert_eq!(out["external_audience"], "All");
    assert_eq!(out["schedule"]["start"], "2026-11-20T08:00:00Z");
    assert_eq!(out["schedule"]["end"], "2026-11-30T17:00:00Z");
    assert_eq!(
        out["internal_reply"],
        "Away <until> Monday & then back — Grüße"
    );
    assert_eq!(out["external_reply"], "Out of office");
    let requests = mock.requests();
    let (operation, scheme, count) = match api {
        Api::Ews => ("GetUserOofSettings", "Basic", 1),
        // A token first, then the call.
        Api::Graph => ("graph.automaticRepliesSetting", "Bearer", 2),
    };
    assert_eq!(requests.len(), count, "{requests:#?}");
    let last = requests.last().unwrap();
    assert_eq!(last.operation, operation);
    assert_eq!(last.auth_scheme.as_deref(), Some(scheme));
    fixtures::assert_faithful(&mock);
}

#[test]
fn oauth_impersonates_the_primary_address() {
    let mock = fixtures::mock();
    let host = Host::oauth(&mock, TENANT, CLIENT_ID, CLIENT_SECRET, BOB);
    let out = host
        .invoke("get-out-of-office", json!({"mailbox": BOB}))
        .output();
    assert_eq!(out["state"], "Disabled");
    assert_eq!(out["schedule"], serde_json::Value::Null);
    let requests = mock.requests();
    let ews: Vec<_> = requests
        .iter()
        .filter(|r| r.operation == "GetUserOofSettings")
        .collect();
    assert_eq!(ews.len(), 1, "{requests:#?}");
    assert_eq!(ews[0].auth_scheme.as_deref(), Some("Bearer"));
    assert_eq!(ews[0].impersonated.as_deref(), Some(BOB));
    assert_eq!(ews[0].anchor_mailbox.as_deref(), Some(BOB));
    assert!(
        ews[0].client_request_id.is_some(),
        "every request carries a client-request-id"
    );
    assert_eq!(mock.schema_failures(), 0);
}

fn an_unknown_mailbox_is_not_found(api: Api) {
    let mock = fixtures::mock();
    let host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let message = host
        .invoke(
            "get-out-of-office",
            json!({"mailbox": "nobody@contoso.example"}),
        )
        .failure("not-found", 5);
    assert!(message.contains("nobody@contoso.example"), "{message}");
}

#[test]
fn missing_or_mistyped_mailbox_is_invalid_input_naming_the_field() {
    let mock = fixtures::mock();
    let host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    let missing = host
        .invoke("get-out-of-office", json!({}))
        .failure("invalid-input", 2);
    assert!(missing.contains("mailbox"), "{missing}");
    let mistyped = host
        .invoke("get-out-of-office", json!({"mailbox": 42}))
        .failure("invalid-input", 2);
    assert!(
        mistyped.contains("mailbox") && mistyped.contains("string"),
        "{mistyped}"
    );
    let not_an_address = host
        .invoke("get-out-of-office", json!({"mailbox": "alice"}))
        .failure("invalid-input", 2);
    assert!(not_an_address.contains("mailbox"), "{not_an_address}");
    let unknown = host
        .invoke("no-such-action", json!({}))
        .failure("invalid-input", 2);
    assert!(
        unknown.contains("get-out-of-office"),
        "lists the known actions: {unknown}"
    );
    assert!(
        mock.requests().is_empty(),
        "bad input never reaches Exchange"
    );
}

#[test]
fn describe_lists_the_action_with_its_schemas_and_secret_fields() {
    let host = Host::ews();
    let manifest = host.describe();
    assert_eq!(manifest["name"], "ews");
    let action = manifest["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "get-out-of-office")
        .expect("get-out-of-office is listed")
        .clone();
    assert_eq!(action["kind"], "enrichment");
    assert_eq!(action["params"]["type"], "object");
    assert!(action["params"]["required"]
        .as_array()
        .unwrap()
        .contains(&json!("mailbox")));
    assert_eq!(action["output"]["type"], "object");
    let secret: Vec<_> = manifest["config"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"] == true)
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    assert!(
        secret.contains(&"password".to_string()) && secret.contains(&"client_secret".to_string())
    );
    let help = host.run(&["invoke", "--help"]);
    assert!(help.stdout.contains("get-out-of-office"), "{help:#?}");
}
