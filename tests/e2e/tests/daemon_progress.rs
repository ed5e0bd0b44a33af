//! `daemon --once` on a terminal (a pty, through util-linux's `script`)
//! draws a progress bar per mailbox with the count, the rate and, once the
//! component says how many are waiting, an ETA, instead of a line per step;
//! off a terminal (every other test) it stays a plain line per step.

use e2e::fixtures::{self, ALICE, PHISHING};
use e2e::{dir_sink_records, on_both_apis, Api};

on_both_apis!(on_a_terminal_once_draws_a_bar_with_a_rate_and_an_eta);

fn on_a_terminal_once_draws_a_bar_with_a_rate_and_an_eta(api: Api) {
    let mock = fixtures::mock();
    for i in 0..30 {
        fixtures::add_email(&mock, ALICE, PHISHING, &format!("progress {i}"), i);
    }
    let (host, sink) = fixtures::ingesting_host_on(&mock, api);
    let Some(run) = host.run_in_terminal(&["daemon", "--once", "--max", "4"]) else {
        eprintln!("SKIPPED daemon_progress: no `script` (util-linux) to give the host a terminal");
        return;
    };
    let text = &run.stdout;
    assert_eq!(run.code, 0, "{text}");
    assert_eq!(dir_sink_records(&sink).len(), 30, "{text}");
    assert!(!text.contains("step 1: polled"), "no line per step: {text}");
    assert!(
        text.contains("/30 emails"),
        "a total from the component: {text}"
    );
    assert!(text.contains("ETA"), "{text}");
    assert!(text.contains("/s"), "a rate: {text}");
    assert!(text.contains("30 emails in "), "the end: {text}");

    // The same without a terminal: a line per step, no bar.
    fixtures::add_email(&mock, ALICE, PHISHING, "after", 59);
    let plain = host.run(&["daemon", "--once"]);
    assert_eq!(plain.code, 0, "{plain:#?}");
    assert!(
        plain.stderr.contains("step 1: polled 1, stored 1, acked 1"),
        "{}",
        plain.stderr
    );
    assert!(!plain.stderr.contains("ETA"), "{}", plain.stderr);
}
