//! `ews-host check`: what works and what is missing, with the fix, on the
//! transport the configuration picks.

use e2e::fixtures::{
    self, ingesting_host, ingesting_host_on, ALICE, ALICE_PASSWORD, BOB, CLIENT_ID, CLIENT_SECRET,
    PHISHING, TENANT,
};
use e2e::{on_both_apis, Api, Host, MockExchange, MockOptions};
use mock_exchange::NewMessage;
use serde_json::Value;

on_both_apis!(
    a_healthy_configuration_passes_and_optional_roles_are_only_reported,
    a_missing_folder_is_named
);

/// The row of `report` named `name`.
fn row(report: &Value, name: &str) -> Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {report}"))
        .clone()
}

fn a_healthy_configuration_passes_and_optional_roles_are_only_reported(api: Api) {
    let mock = fixtures::mock();
    mock.add_message(
        ALICE,
        PHISHING,
        &fixtures::email("m@evil.example", "x", "y"),
        NewMessage::default(),
    );
    let (host, _) = ingesting_host_on(&mock, api);
    let run = host.run(&["check", "--json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let report = run.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["mailbox"], ALICE);
    let (name, url) = match api {
        Api::Ews => ("ews", mock.ews_url()),
        Api::Graph => ("graph", mock.graph_url()),
    };
    assert_eq!(
        (report["api"].as_str(), report["url"].as_str()),
        (Some(name), Some(url.as_str()))
    );
    let checks = report["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .filter(|c| c["required"] == true)
            .all(|c| c["ok"] == true),
        "{report}"
    );
    let ediscovery = row(&report, "eDiscovery");
    assert_eq!(ediscovery["required"], false);
    let table = host.run(&["check"]);
    assert_eq!(table.code, 0);
    let text = &table.stdout;
    assert!(text.contains(&format!("api: {name} (")), "{text}");
    match api {
        Api::Ews => {
            // Alice has no Discovery Management role: reported, with the fix, not fatal.
            assert_eq!(ediscovery["ok"], false);
            let m = ediscovery["message"].as_str().unwrap();
            assert!(m.contains("Discovery Management"), "{ediscovery}");
            assert!(
                text.contains("ok ") && text.contains("missing  eDiscovery"),
                "{text}"
            );
            assert!(text.contains("(impersonation)"), "{text}");
            assert_eq!(report["not_checked"], serde_json::json!([]));
        }
        Api::Graph => {
            // The app holds User.Read.All; impersonation and roles are EWS words.
            assert_eq!(ediscovery["ok"], true, "{ediscovery}");
            assert!(
                !text.contains("impersonation") && !text.contains("Discovery Management"),
                "{text}"
            );
            for grant in [
                "MailboxSettings.Read",
                "Mail.ReadWrite",
                "Contacts.Read",
                "User.Read.All",
            ] {
                assert!(text.contains(grant), "{grant} in {text}");
            }
            // Sending cannot be proved without sending: said, not faked.
            assert!(text.contains("not checked: Mail.Send"), "{text}");
            assert_eq!(fixtures::sent(&mock, "graph.sendMail"), 0);
        }
    }
    fixtures::assert_faithful(&mock);
}

fn a_missing_folder_is_named(api: Api) {
    let mock = fixtures::mock();
    let (mut host, _) = ingesting_host_on(&mock, api);
    host.set("folder", "Inbox/Nope");
    let run = host.run(&["check", "--json"]);
    assert_eq!(run.code, 5, "{run:#?}");
    let read = row(&run.json(), "read mail");
    assert_eq!(read["kind"], "not-found", "{read}");
    assert!(
        read["message"].as_str().unwrap().contains("\"Nope\""),
        "{read}"
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
    // The EWS ingesting host still checks its folder.
    let (h, _) = ingesting_host(&mock);
    assert_eq!(h.run(&["check", "--json"]).json()["api"], "ews");
}

/// Every Graph permission the mock's app holds by default.
const GRAPH_ROLES: &[&str] = &[
    "Mail.ReadWrite",
    "Mail.Send",
    "MailboxSettings.Read",
    "Contacts.Read",
    "User.Read.All",
];

/// The fixtures' mock, with other Graph options for the app.
fn graph_mock(options: impl FnOnce(MockOptions) -> MockOptions) -> MockExchange {
    let mock = MockExchange::start(options(MockOptions::default().oauth_app(
        TENANT,
        CLIENT_ID,
        CLIENT_SECRET,
    )))
    .expect("start the mock Exchange");
    mock.add_mailbox(ALICE, "Alice Analyst");
    mock.add_mailbox(BOB, "Bob Builder");
    mock.add_message(
        ALICE,
        PHISHING,
        &fixtures::email("m@evil.example", "x", "y"),
        NewMessage::default(),
    );
    mock
}

#[test]
fn on_graph_each_missing_permission_is_its_row_named_with_the_fix() {
    // (permission, the row that needs it, whether check fails without it)
    let cases = [
        ("MailboxSettings.Read", "sign-in and mailbox", true),
        ("Mail.ReadWrite", "read mail", true),
        ("Contacts.Read", "contacts", true),
        ("User.Read.All", "eDiscovery", false),
    ];
    for (missing, name, required) in cases {
        let roles: Vec<&str> = GRAPH_ROLES
            .iter()
            .copied()
            .filter(|r| *r != missing)
            .collect();
        let mock = graph_mock(|o| o.graph_roles(CLIENT_ID, &roles));
        let (host, _) = ingesting_host_on(&mock, Api::Graph);
        let run = host.run(&["check", "--json"]);
        assert_eq!(
            run.code,
            if required { 4 } else { 0 },
            "without {missing}: {run:#?}"
        );
        let report = run.json();
        assert_eq!(report["ok"], !required, "{report}");
        for c in report["checks"].as_array().unwrap() {
            if c["check"] == name {
                assert_eq!(
                    (c["ok"].as_bool(), c["kind"].as_str()),
                    (Some(false), Some("forbidden")),
                    "{c}"
                );
                assert_eq!(c["grant"], missing, "{c}");
                let m = c["message"].as_str().unwrap();
                assert!(
                    m.contains(missing) && m.contains("application permission"),
                    "{c}"
                );
            } else {
                assert_eq!(c["ok"], true, "without {missing}: {c}");
            }
        }
        fixtures::assert_faithful(&mock);
    }
    // Mail.Send is not probed (only sending would prove it): all rows pass,
    // and the report says it was not checked.
    let roles: Vec<&str> = GRAPH_ROLES
        .iter()
        .copied()
        .filter(|r| *r != "Mail.Send")
        .collect();
    let mock = graph_mock(|o| o.graph_roles(CLIENT_ID, &roles));
    let (host, _) = ingesting_host_on(&mock, Api::Graph);
    let run = host.run(&["check", "--json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let report = run.json();
    assert!(
        report["not_checked"][0]
            .as_str()
            .unwrap()
            .starts_with("Mail.Send"),
        "{report}"
    );
}

#[test]
fn on_graph_an_access_policy_that_excludes_the_mailbox_is_named() {
    let mock = graph_mock(|o| o.access_policy(CLIENT_ID, &[BOB]));
    let (host, _) = ingesting_host_on(&mock, Api::Graph);
    let run = host.run(&["check", "--json"]);
    assert_eq!(run.code, 4, "{run:#?}");
    let report = run.json();
    assert_eq!(report["ok"], false);
    for name in ["sign-in and mailbox", "read mail", "contacts"] {
        let c = row(&report, name);
        assert_eq!(c["kind"], "forbidden", "{c}");
        let m = c["message"].as_str().unwrap();
        assert!(
            m.contains("Application Access Policy") && m.contains(ALICE),
            "{c}"
        );
    }
    let table = host.run(&["check"]);
    assert!(
        table.stdout.contains("MISSING  sign-in and mailbox"),
        "{}",
        table.stdout
    );
}
