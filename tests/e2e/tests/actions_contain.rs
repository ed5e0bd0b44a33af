//! The containment actions end to end through ews-host (delete-email and
//! junk-mail here, copy-email and delete-attachments in
//! actions_contain_copy.rs). Effects are asserted on the mock's mailboxes, not
//! only on the answers; batches are one request with a result per id; bad
//! input is refused before anything is sent.

use e2e::fixtures::{
    self, add, ews_id, results, sent, sent_on, subjects, ALICE, ALICE_PASSWORD, CLIENT_ID,
    CLIENT_SECRET, PHISHING, TENANT, UNKNOWN_ID,
};
use e2e::{on_both_apis, Api, Host};
use serde_json::{json, Value};

on_both_apis!(
    delete_email_in_one_request_reports_each_id,
    bad_input_is_refused_before_anything_is_sent,
    access_denied_on_every_item_is_forbidden_saying_what_to_grant,
    junk_mail_moves_to_junk_email_and_back,
    containment_runs_in_ews_host_batch,
);

/// Into Deleted Items, purged, and every id unknown.
fn delete_email_in_one_request_reports_each_id(api: Api) {
    let mock = fixtures::mock();
    let (a, b) = (
        add(&mock, ALICE, PHISHING, "first"),
        add(&mock, ALICE, PHISHING, "second"),
    );
    let host = fixtures::alice(&mock, api);
    let out = host
        .invoke("delete-email", json!({"item_ids": [a, UNKNOWN_ID, b]}))
        .output();
    let each = results(&out);
    assert!(each[0].0 && each[2].0, "{out}");
    assert!(
        !each[1].0 && each[1].1.contains("ErrorItemNotFound"),
        "{out}"
    );
    assert_eq!(out["results"][1]["item_id"], UNKNOWN_ID);
    assert_eq!(out["deleted"], 2);
    assert_eq!(
        sent_on(&mock, api, "DeleteItem", "graph.batch"),
        1,
        "one batched request"
    );
    assert!(mock.messages(ALICE, PHISHING).is_empty());
    assert_eq!(subjects(&mock, ALICE, "Deleted Items"), ["first", "second"]);

    let c = add(&mock, ALICE, "Inbox", "purge me");
    let out = host
        .invoke(
            "delete-email",
            json!({"item_ids": [c], "delete_type": "hard"}),
        )
        .output();
    assert_eq!(results(&out), [(true, String::new())]);
    assert!(mock.message(&c).is_none(), "hard: gone");
    assert_eq!(
        mock.messages(ALICE, "Deleted Items").len(),
        2,
        "not in Deleted Items"
    );

    // Every id unknown: still a success, each ok: false.
    let out = host
        .invoke("delete-email", json!({"item_ids": [UNKNOWN_ID]}))
        .output();
    assert_eq!(out["deleted"], 0);
    assert!(!results(&out)[0].0);
    fixtures::assert_faithful(&mock);
}

fn bad_input_is_refused_before_anything_is_sent(api: Api) {
    let mock = fixtures::mock();
    let host = fixtures::alice(&mock, api);
    let many: Vec<&str> = vec![UNKNOWN_ID; 101];
    for (action, params, field) in [
        (
            "delete-email",
            json!({"item_ids": ["not an id!"]}),
            "params.item_ids[0]: expected an item id",
        ),
        (
            "delete-email",
            json!({"item_ids": [UNKNOWN_ID], "delete_type": "purge"}),
            "params.delete_type: expected one of",
        ),
        (
            "delete-email",
            json!({"item_ids": [UNKNOWN_ID], "colour": "red"}),
            "params.colour: unknown parameter",
        ),
        (
            "delete-email",
            json!({"item_ids": []}),
            "params.item_ids: expected a list of 1 to 100",
        ),
        (
            "delete-email",
            json!({"item_ids": many}),
            "params.item_ids: at most 100",
        ),
        (
            "junk-mail",
            json!({"item_ids": [UNKNOWN_ID], "is_junk": "yes"}),
            "params.is_junk: expected true or false",
        ),
        (
            "copy-email",
            json!({"item_ids": [UNKNOWN_ID]}),
            "params.destination_folder: required",
        ),
        (
            "copy-email",
            json!({"item_ids": [UNKNOWN_ID], "destination_folder": "x", "destination_mailbox": "bob"}),
            "params.destination_mailbox: expected an email address",
        ),
        (
            "delete-attachments",
            json!({"item_id": "AAMk"}),
            "params.item_id: expected an item id",
        ),
    ] {
        let message = host
            .invoke(action, params.clone())
            .failure("invalid-input", 2);
        assert!(message.starts_with(field), "{action} {params}: {message}");
    }
    assert!(
        mock.requests().is_empty(),
        "nothing was sent: {:#?}",
        mock.requests()
    );
}

fn access_denied_on_every_item_is_forbidden_saying_what_to_grant(api: Api) {
    let mock = fixtures::mock();
    let a = add(&mock, ALICE, PHISHING, "locked");
    mock.fail_item(&a, "ErrorAccessDenied", 1);
    let host = fixtures::alice(&mock, api);
    let message = host
        .invoke("delete-email", json!({"item_ids": [a]}))
        .failure("forbidden", 4);
    let grant = match api {
        Api::Ews => "FullAccess",
        Api::Graph => "Mail.ReadWrite",
    };
    assert!(message.contains(grant) && message.contains(&a), "{message}");
    assert_eq!(mock.messages(ALICE, PHISHING).len(), 1);
}

fn junk_mail_moves_to_junk_email_and_back(api: Api) {
    let mock = fixtures::mock();
    let a = add(&mock, ALICE, "Inbox", "spam");
    let host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let out = host
        .invoke("junk-mail", json!({"item_ids": [a, UNKNOWN_ID]}))
        .output();
    assert_eq!(results(&out)[0], (true, String::new()), "{out}");
    assert!(!results(&out)[1].0 && results(&out)[1].1.contains("ErrorItemNotFound"));
    let moved = ews_id(&out["results"][0]["moved_item_id"]);
    let state = mock.message(&moved).unwrap();
    assert_eq!(state.folder_path, "Junk Email");
    assert_eq!(out["results"][0]["moved_change_key"], state.change_key);
    assert!(mock.message(&a).is_none(), "moved: a new id");

    let out = host
        .invoke("junk-mail", json!({"item_ids": [moved], "is_junk": false}))
        .output();
    let back = ews_id(&out["results"][0]["moved_item_id"]);
    assert_eq!(mock.message(&back).unwrap().folder_path, "Inbox");
    fixtures::assert_faithful(&mock);
}

fn containment_runs_in_ews_host_batch(api: Api) {
    let mock = fixtures::mock();
    let (a, b) = (
        add(&mock, ALICE, "Inbox", "one"),
        add(&mock, ALICE, "Inbox", "two"),
    );
    let host = fixtures::alice(&mock, api);
    let input = format!(
        "{}\n{}\n{}\n",
        json!({"action": "junk-mail", "params": {"item_ids": [a]}}),
        json!({"action": "delete-email", "params": {"item_ids": [b], "delete_type": "soft"}}),
        json!({"action": "delete-email", "params": {"item_ids": ["bad!"]}}),
    );
    let run = host.run_with_stdin(&["batch"], Some(&input));
    assert_eq!(run.code, 0, "{run:#?}");
    let answers: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3, "{run:#?}");
    assert_eq!(answers[0]["output"]["marked"], 1, "{}", answers[0]);
    assert_eq!(answers[1]["output"]["deleted"], 1, "{}", answers[1]);
    assert_eq!(answers[2]["error"]["kind"], "invalid-input");
    assert_eq!(subjects(&mock, ALICE, "Junk Email"), ["one"]);
    assert!(mock.message(&b).is_none() && mock.messages(ALICE, "Inbox").is_empty());
    fixtures::assert_faithful(&mock);
}

#[test]
fn junk_mail_on_a_server_older_than_2013_names_server_version() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.set("server_version", "Exchange2010_SP2");
    let message = host
        .invoke("junk-mail", json!({"item_ids": [UNKNOWN_ID]}))
        .failure("invalid-input", 2);
    assert!(
        message.contains("server_version") && message.contains("Exchange2013"),
        "{message}"
    );
    assert_eq!(sent(&mock, "MarkAsJunk"), 0);
}

#[test]
fn junk_mail_over_graph_cannot_leave_the_email_in_place_and_says_why() {
    let mock = fixtures::mock();
    let a = add(&mock, ALICE, "Inbox", "spam");
    let host = fixtures::alice(&mock, Api::Graph);
    let message = host
        .invoke("junk-mail", json!({"item_ids": [a], "move": false}))
        .failure("invalid-input", 2);
    assert!(
        message.starts_with("params.move") && message.contains("blocked senders"),
        "{message}"
    );
    assert_eq!(mock.message(&a).unwrap().folder_path, "Inbox");
    assert_eq!(sent(&mock, "graph.batch"), 0);
}
