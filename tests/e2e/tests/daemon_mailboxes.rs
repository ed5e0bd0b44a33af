//! One `ews-host daemon` for many mailboxes (`[[mailboxes]]`, docs/fleet.md):
//! each into its own sink, exactly once, with a bounded number of steps at
//! once, and one mailbox's failure never stopping the others.

use e2e::fixtures::{self, ALICE, BOB, CLIENT_ID, CLIENT_SECRET, PHISHING, TENANT};
use e2e::{dir_sink_records, on_both_apis, Api, Host, MockExchange};

on_both_apis!(
    one_host_serves_several_mailboxes_each_into_its_own_sink_exactly_once,
    a_mailbox_that_fails_does_not_stop_the_others,
);

fn add(mock: &MockExchange, mailbox: &str, folder: &str, n: u32) -> Vec<String> {
    (0..n)
        .map(|i| fixtures::add_email(mock, mailbox, folder, &format!("{mailbox} {folder} {i}"), i))
        .collect()
}

fn host(mock: &MockExchange, api: Api) -> Host {
    let mut h = Host::oauth_on(api, mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    h.set("sink", "dir").set_toml("concurrency", "2");
    h
}

fn one_host_serves_several_mailboxes_each_into_its_own_sink_exactly_once(api: Api) {
    let mock = fixtures::mock();
    let alice = add(&mock, ALICE, PHISHING, 4);
    let bob = add(&mock, BOB, PHISHING, 3);
    let reported = add(&mock, ALICE, "Inbox/Reported", 2);
    let mut h = host(&mock, api);
    let sink = |n: &str| h.dir.path().join(n);
    let (s1, s2, s3) = (sink("s1"), sink("s2"), sink("s3"));
    h.mailbox(&[
        ("name", "alice-phishing"),
        ("primary_smtp_address", ALICE),
        ("folder", PHISHING),
        ("sink_dir", s1.to_str().unwrap()),
    ])
    .mailbox(&[
        ("name", "bob"),
        ("primary_smtp_address", BOB),
        ("folder", PHISHING),
        ("sink_dir", s2.to_str().unwrap()),
    ])
    .mailbox(&[
        ("primary_smtp_address", ALICE),
        ("folder", "Inbox/Reported"),
        ("sink_dir", s3.to_str().unwrap()),
    ]);
    let run = h.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr
            .contains("3 mailboxes (2 distinct), at most 2 steps at once"),
        "{}",
        run.stderr
    );
    for tag in [
        "[alice-phishing]",
        "[bob]",
        "[alice@contoso.example Inbox/Reported]",
    ] {
        assert!(run.stderr.contains(tag), "{tag} in {}", run.stderr);
    }
    for (dir, mailbox, folder, ids) in [
        (&s1, ALICE, PHISHING, &alice),
        (&s2, BOB, PHISHING, &bob),
        (&s3, ALICE, "Inbox/Reported", &reported),
    ] {
        let records = dir_sink_records(dir);
        assert_eq!(records.len(), ids.len(), "{mailbox} {folder}: {records:#?}");
        for (_, r) in &records {
            assert_eq!(r["mailbox"], mailbox);
            assert!(
                r["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{mailbox} {folder} ")),
                "{r:#}"
            );
        }
        for id in ids {
            assert!(mock.message(id).unwrap().is_read, "{mailbox} {folder}");
        }
    }
    // `status`, from another process: a line per mailbox, by name.
    let status = h.run(&["status"]);
    let rows = status.json_lines();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["mailbox"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "alice-phishing",
            "alice@contoso.example Inbox/Reported",
            "bob"
        ]
    );
    for (row, delivered) in rows.iter().zip([4, 2, 3]) {
        assert_eq!(row["delivered"], delivered, "{row:#}");
        assert_eq!(row["failure"], serde_json::Value::Null, "{row:#}");
        assert!(row["steps"].as_i64().unwrap() >= 1, "{row:#}");
        assert!(row["pid"].as_i64().unwrap() > 0 && !row["host"].as_str().unwrap().is_empty());
        assert!(row["last_step"].as_str().unwrap().ends_with('Z'), "{row:#}");
    }
    let again = h.run(&["daemon", "--once"]);
    assert_eq!(again.code, 0, "{again:#?}");
    assert_eq!(
        dir_sink_records(&s1).len() + dir_sink_records(&s2).len() + dir_sink_records(&s3).len(),
        9
    );
}

fn a_mailbox_that_fails_does_not_stop_the_others(api: Api) {
    let mock = fixtures::mock();
    let alice = add(&mock, ALICE, PHISHING, 3);
    let bob = add(&mock, BOB, PHISHING, 2);
    let mut h = host(&mock, api);
    let wrong = h.dir.path().join("wrong-secret");
    std::fs::write(&wrong, "not-the-secret").unwrap();
    let (s1, s2) = (h.dir.path().join("s1"), h.dir.path().join("s2"));
    h.mailbox(&[
        ("name", "bob-wrong-secret"),
        ("primary_smtp_address", BOB),
        ("folder", PHISHING),
        ("sink_dir", s2.to_str().unwrap()),
        ("client_secret_file", wrong.to_str().unwrap()),
    ])
    .mailbox(&[
        ("name", "alice"),
        ("primary_smtp_address", ALICE),
        ("folder", PHISHING),
        ("sink_dir", s1.to_str().unwrap()),
    ]);
    let run = h.run(&["daemon", "--once"]);
    assert_eq!(run.code, 3, "unauthorized, for the one mailbox: {run:#?}");
    assert!(
        run.stderr.contains("mailbox bob-wrong-secret"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-secret"), "{}", run.stderr);
    assert_eq!(dir_sink_records(&s1).len(), 3);
    assert!(dir_sink_records(&s2).is_empty());
    for id in &alice {
        assert!(mock.message(id).unwrap().is_read);
    }
    for id in &bob {
        assert!(!mock.message(id).unwrap().is_read);
    }
    let status = h.run(&["status"]);
    assert_eq!(status.code, 0, "{status:#?}");
    assert!(!status.stdout.contains("not-the-secret"));
    let rows: Vec<serde_json::Value> = status
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(rows[0]["mailbox"], "alice");
    assert_eq!(rows[0]["delivered"], 3);
    assert_eq!(rows[1]["mailbox"], "bob-wrong-secret");
    assert!(
        rows[1]["failure"]
            .as_str()
            .unwrap()
            .starts_with("unauthorized: "),
        "{:#}",
        rows[1]
    );
    assert_eq!(rows[1]["failures_in_a_row"], 1);
    assert_eq!(rows[1]["delivered"], 0);
}

#[test]
fn an_entry_names_its_wrong_key() {
    let mock = fixtures::mock();
    let mut h = host(&mock, Api::Ews);
    h.mailbox(&[("primary_smtp_address", ALICE), ("folder", PHISHING)])
        .mailbox(&[
            ("primary_smtp_address", BOB),
            ("state_path", "/tmp/x.sqlite3"),
        ]);
    let run = h.run(&["daemon", "--once"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains("mailboxes[2].state_path: set state_path at the top level"),
        "{}",
        run.stderr
    );
    let mut h = host(&mock, Api::Ews);
    h.mailbox(&[("primary_smtp_address", ALICE), ("foldr", PHISHING)]);
    let run = h.run(&["daemon", "--once"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains("mailboxes[1]: unknown configuration key foldr")
            && run.stderr.contains("did you mean folder?"),
        "{}",
        run.stderr
    );
}

#[test]
fn status_names_a_lone_mailbox_by_address_and_folder_and_wants_the_state_file() {
    let mock = fixtures::mock();
    add(&mock, ALICE, PHISHING, 2);
    let (host, _sink) = fixtures::ingesting_host_on(&mock, Api::Ews);
    let none = host.run(&["status"]);
    assert_eq!(none.code, 5, "no state file yet: {none:#?}");
    assert!(none.stdout.contains("state_path"), "{none:#?}");
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let status = host.run(&["status"]);
    assert_eq!(status.code, 0, "{status:#?}");
    let row: serde_json::Value = serde_json::from_str(status.stdout.trim()).unwrap();
    assert_eq!(row["mailbox"], format!("{ALICE} {PHISHING}"));
    assert_eq!(row["delivered"], 2);
    assert_eq!(row["steps"], 1, "both in one step: {row:#}");
    assert_eq!(
        (&row["polled"], &row["acked"]),
        (&2.into(), &2.into()),
        "{row:#}"
    );
}
