//! No secret anywhere: every action and a daemon step, on each transport,
//! with distinctive secrets; then every byte the host left behind (its state
//! database with the token cache and checkpoint, the sink's files, the
//! files actions wrote) is searched for them. `Host::run` already searches
//! every stdout and stderr. The OAuth token itself is expected in the state
//! database; the client secret and the password never are.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD, BOB, CLIENT_SECRET, PHISHING, UNKNOWN_ID};
use e2e::{on_both_apis, Api};
use mock_exchange::NewMessage;
use serde_json::json;
use std::path::Path;

on_both_apis!(no_secret_reaches_output_logs_sink_or_state);

fn every_file(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            every_file(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn no_secret_reaches_output_logs_sink_or_state(api: Api) {
    let mock = fixtures::mock();
    mock.with_model(|m| m.grant_discovery(ALICE));
    mock.add_folder(ALICE, "Inbox/Quarantine");
    let id = mock.add_message(
        ALICE,
        PHISHING,
        &fixtures::email("m@evil.example", "report", "click"),
        NewMessage::default(),
    );
    let spare = fixtures::add(&mock, ALICE, "Inbox", "spare");
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    let out = host.dir.path().join("out");
    let calls = [
        ("get-out-of-office", json!({"mailbox": ALICE})),
        ("search-emails-extended", json!({"folder": PHISHING})),
        ("download-mail-as-eml", json!({"item_id": id})),
        ("get-attachments", json!({"item_id": id})),
        ("get-contacts", json!({})),
        ("get-searchable-mailboxes", json!({})),
        (
            "copy-email",
            json!({"item_ids": [id], "destination_folder": "Inbox/Quarantine"}),
        ),
        ("junk-mail", json!({"item_ids": [spare]})),
        ("delete-attachments", json!({"item_id": id})),
        (
            "send-email",
            json!({"to": [BOB], "subject": "s", "body_text": "b"}),
        ),
        (
            "reply-to-email",
            json!({"item_id": id, "body_text": "thanks"}),
        ),
        ("delete-email", json!({"item_ids": [UNKNOWN_ID]})),
        // A failure's message too.
        ("download-mail-as-eml", json!({"item_id": UNKNOWN_ID})),
    ];
    for (action, params) in calls {
        let run = host.run(&[
            "invoke",
            action,
            "--params",
            &params.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            run.code == 0 || action == "download-mail-as-eml",
            "{action}: {run:#?}"
        );
    }
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    if api == Api::Graph {
        assert!(
            fixtures::sent(&mock, "token") > 0,
            "a client secret was used"
        );
    }

    let mut files = Vec::new();
    every_file(host.dir.path(), &mut files);
    assert!(files.iter().any(|f| f.starts_with(&sink)), "the sink wrote");
    assert!(files
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "sqlite3")));
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for secret in [CLIENT_SECRET, ALICE_PASSWORD] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a secret",
                file.display()
            );
        }
    }
    fixtures::assert_faithful(&mock);
}
