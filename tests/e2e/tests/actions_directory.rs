//! get-searchable-mailboxes (and get-contacts) end to end.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID, CLIENT_SECRET, TENANT};
use e2e::{on_both_apis, Api, Host};
use serde_json::json;

on_both_apis!(
    searchable_mailboxes_for_a_discovery_manager,
    without_the_permission_it_is_forbidden_and_says_which,
    contacts_page_by_display_name_with_addresses_and_phones,
    no_contacts_is_a_result_not_an_error,
);

/// EWS: the Discovery Management role's eDiscovery list. Graph: the
/// directory's users with a mailbox (User.Read.All), the nearest v1.0 has.
fn searchable_mailboxes_for_a_discovery_manager(api: Api) {
    let mock = fixtures::mock();
    mock.with_model(|m| m.grant_discovery(ALICE));
    let host = fixtures::alice(&mock, api);
    let out = host.invoke("get-searchable-mailboxes", json!({})).output();
    let list = out["mailboxes"].as_array().unwrap();
    let addresses: Vec<&str> = list
        .iter()
        .map(|m| m["primary_smtp_address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, [ALICE, BOB]);
    assert_eq!(list[1]["display_name"], "Bob Builder");
    assert_eq!(list[1]["is_external"], false);
    assert_eq!(list[1]["guid"].as_str().unwrap().len(), 36);
    if api == Api::Ews {
        assert!(list[1]["reference_id"].as_str().unwrap().starts_with("/o="));
    }
    let filtered = host
        .invoke(
            "get-searchable-mailboxes",
            json!({"search_filter": "bob", "expand_group_membership": true}),
        )
        .output();
    assert_eq!(
        filtered["mailboxes"].as_array().unwrap().len(),
        1,
        "{filtered}"
    );
    assert_eq!(filtered["mailboxes"][0]["primary_smtp_address"], BOB);
    fixtures::assert_faithful(&mock);
}

fn without_the_permission_it_is_forbidden_and_says_which(api: Api) {
    // Graph: the app holds every permission but User.Read.All.
    let mock = fixtures::mock_with(|o| {
        o.graph_roles(
            CLIENT_ID,
            &[
                "Mail.ReadWrite",
                "Mail.Send",
                "MailboxSettings.Read",
                "Contacts.Read",
            ],
        )
    });
    let host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let message = host
        .invoke("get-searchable-mailboxes", json!({}))
        .failure("forbidden", 4);
    let grant = match api {
        Api::Ews => "Discovery Management",
        Api::Graph => "User.Read.All",
    };
    assert!(message.contains(grant), "{message}");
    let bad = Host::basic(&mock, ALICE, ALICE_PASSWORD)
        .invoke("get-searchable-mailboxes", json!({"search_filter": 3}))
        .failure("invalid-input", 2);
    assert!(bad.starts_with("params.search_filter"), "{bad}");
}

fn contacts_page_by_display_name_with_addresses_and_phones(api: Api) {
    let mock = fixtures::mock();
    for (name, email) in [
        ("Zoe Zed", "zoe@contoso.example"),
        ("Adam Ant", "adam@contoso.example"),
        ("Kelly <&> Rollin", "kelly@contoso.example"),
    ] {
        mock.add_contact(
            ALICE,
            mock_exchange::NewContact {
                display_name: name.into(),
                given_name: name.split(' ').next().map(Into::into),
                surname: name.rsplit(' ').next().map(Into::into),
                company: Some("Contoso".into()),
                job_title: Some("Analyst".into()),
                emails: vec![email.into()],
                phones: vec![("BusinessPhone".into(), "+1 555 0100".into())],
            },
        );
    }
    let host = fixtures::alice(&mock, api);
    let out = host.invoke("get-contacts", json!({"limit": 2})).output();
    let names: Vec<&str> = out["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Adam Ant", "Kelly <&> Rollin"]);
    assert_eq!(
        (out["total"].as_u64(), out["more"].as_bool()),
        (Some(3), Some(true))
    );
    let adam = &out["contacts"][0];
    assert_eq!(adam["email_addresses"], json!(["adam@contoso.example"]));
    assert_eq!(
        adam["phones"],
        json!([{"kind": "BusinessPhone", "number": "+1 555 0100"}])
    );
    assert_eq!(
        (adam["company"].as_str(), adam["job_title"].as_str()),
        (Some("Contoso"), Some("Analyst"))
    );
    let rest = host
        .invoke("get-contacts", json!({"limit": 2, "offset": 2}))
        .output();
    assert_eq!(rest["contacts"][0]["display_name"], "Zoe Zed");
    assert_eq!(rest["more"], false);
    fixtures::assert_faithful(&mock);
}

fn no_contacts_is_a_result_not_an_error(api: Api) {
    let mock = fixtures::mock();
    let host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let out = host
        .invoke("get-contacts", json!({"mailbox": BOB}))
        .output();
    assert_eq!(out["contacts"], json!([]));
    assert_eq!(out["message"], "No contacts found");
    assert_eq!(out["total"], 0);
    let m = host
        .invoke("get-contacts", json!({"limit": 5000}))
        .failure("invalid-input", 2);
    assert!(m.starts_with("params.limit"), "{m}");
}
