//! A client secret revoked while the daemon runs: the step asks for a token
//! once, is refused, and stops there: one `unauthorized` per step, not one
//! per email, and never a loop against the token endpoint.

use e2e::fixtures::{self, ALICE, CLIENT_ID, CLIENT_SECRET, PHISHING, TENANT};
use e2e::{on_both_apis, Api, Host};
use mock_exchange::Fault;

on_both_apis!(a_revoked_secret_stops_the_step_at_the_first_refusal);

fn a_revoked_secret_stops_the_step_at_the_first_refusal(api: Api) {
    let mock = fixtures::mock();
    let mut host = Host::oauth_on(api, &mock, TENANT, CLIENT_ID, CLIENT_SECRET, ALICE);
    let sink = host.dir.path().join("sink");
    host.set("folder", PHISHING)
        .set("sink", "dir")
        .set("sink_dir", sink.to_str().unwrap());
    fixtures::add(&mock, ALICE, PHISHING, "first");
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    for n in 0..5 {
        fixtures::add(&mock, ALICE, PHISHING, &format!("later {n}"));
    }
    // The secret is revoked: every token issued is refused, and the token
    // endpoint refuses to issue another.
    mock.revoke_tokens();
    mock.inject(
        "token",
        Fault::Status {
            code: 401,
            retry_after: None,
        },
        100,
    );
    let tokens = mock.token_requests();
    let before = mock.requests().len();
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 3, "unauthorized: {run:#?}");
    assert_eq!(mock.token_requests(), tokens + 1, "one refresh per step");
    let refused = mock.requests()[before..]
        .iter()
        .filter(|r| r.status == 401 && r.operation != "token")
        .count();
    assert_eq!(refused, 1, "the step stops at the first refusal");
    // The component logs it once; the host then says the step failed and
    // prints the failure line.
    let logged = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("WARN") && l.contains("unauthorized"))
        .count();
    assert_eq!(logged, 1, "reported once: {}", run.stderr);
    for m in mock.messages(ALICE, PHISHING) {
        if m.subject.starts_with("later") {
            assert!(!m.is_read, "nothing marked read without delivery");
        }
    }
}
