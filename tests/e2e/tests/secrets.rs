//! Secrets on the command line's way out: one too short to hide without
//! garbling every message is refused at start-up, naming its key; a normal
//! one is hidden whole, in every form a message may carry it.

use e2e::fixtures::{self, ALICE, ALICE_PASSWORD};
use e2e::Host;
use serde_json::json;

/// Basic auth whose EWS_PASSWORD is then overridden by `password` with
/// `env` (the later value wins) rather than `secret`: a one-letter secret is
/// in every output, which is the point.
fn basic_with_raw_password(mock: &e2e::MockExchange, password: &str) -> Host {
    let mut h = Host::basic(mock, ALICE, ALICE_PASSWORD);
    h.env("EWS_PASSWORD", password);
    h
}

#[test]
fn a_short_password_is_refused_at_start_up_naming_the_key_and_the_minimum() {
    let mock = fixtures::mock();
    for short in ["x", "pw", "1234567"] {
        let host = basic_with_raw_password(&mock, short);
        let run = host.invoke("get-out-of-office", json!({"mailbox": ALICE}));
        let message = run.failure("invalid-input", 2);
        assert!(
            message.starts_with("password (from EWS_PASSWORD) is "),
            "{message}"
        );
        assert!(message.contains("at least 8 characters"), "{message}");
        assert!(!message.contains("***"), "nothing is smeared: {message}");
    }
    assert_eq!(mock.requests().len(), 0, "nothing was sent");

    // The daemon refuses it the same way, on stderr (stdout is the sink's).
    let host = basic_with_raw_password(&mock, "x");
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stdout.is_empty(), "{run:#?}");
    assert!(
        run.stderr.contains("password (from EWS_PASSWORD)")
            && run.stderr.contains("at least 8 characters"),
        "{run:#?}"
    );
}

#[test]
fn a_normal_password_is_hidden_whole_wherever_it_appears() {
    let mock = fixtures::mock();
    let mut host = Host::basic(&mock, ALICE, ALICE_PASSWORD);
    host.env("EWS_LOG", "debug");
    // The secret as a parameter the component echoes in its error.
    let run = host.invoke("get-out-of-office", json!({"mailbox": ALICE_PASSWORD}));
    let message = run.failure("invalid-input", 2);
    assert!(message.contains("params.mailbox"), "{message}");
    assert!(message.contains("***"), "the value is named, masked: {message}");
    let escaped = serde_json::to_string(ALICE_PASSWORD).unwrap();
    let escaped = escaped.trim_matches('"');
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for form in [ALICE_PASSWORD, escaped, "Pw-alice-7f3b"] {
            assert!(!text.contains(form), "{form:?} in {name}:\n{text}");
        }
    }
    // And the call that works still works: the redactor hides the value,
    // not the letters it is made of.
    let out = host
        .invoke("get-out-of-office", json!({"mailbox": ALICE}))
        .output();
    assert_eq!(out["mailbox"], ALICE);
    assert_eq!(out["external_reply"], "Out of office");
}
