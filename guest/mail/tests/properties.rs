//! Property tests of the MIME handling with proptest: arbitrary bytes, and
//! generated emails built from the ways attackers and broken mailers write
//! them (missing or wrong boundaries, broken base64 and quoted-printable,
//! unknown charsets, headers without colons, NUL bytes, deep nesting, hostile
//! file names). Every record must keep the invariants of `parse_checked`. A
//! short run in CI; `EWS_PROPTEST_CASES` sets the cases for the long one
//! (`scripts/fuzz`).

mod common;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// `costly`: a case takes long (deep nesting): a thousandth of the long run's.
fn config(default: u32, costly: bool) -> Config {
    let asked: Option<u32> = std::env::var("EWS_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok());
    let cases = match (asked, costly) {
        (Some(n), true) => (n / 1000).max(default),
        (Some(n), false) => n,
        (None, _) => default,
    };
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `test` on each generated value on a 1 MiB stack, wasm32's default,
/// so that a recursion that would crash the guest fails here too.
fn check<S: Strategy + 'static>(default: u32, strategy: fn() -> S, test: fn(S::Value)) {
    run(config(default, false), strategy, test)
}

fn check_costly<S: Strategy + 'static>(default: u32, strategy: fn() -> S, test: fn(S::Value)) {
    run(config(default, true), strategy, test)
}

fn run<S: Strategy + 'static>(config: Config, strategy: fn() -> S, test: fn(S::Value)) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let mut runner = TestRunner::new(config);
            runner
                .run(&strategy(), |v| {
                    test(v);
                    Ok(())
                })
                .unwrap();
        })
        .unwrap()
        .join()
        .unwrap();
}

fn header_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Subject: =?utf-8?B?aGVsbG8=?= =?x-unknown?Q?=FF?=".to_string()),
        Just("From: \"Eve\" <eve@evil.example>, broken <".to_string()),
        Just("To: undisclosed-recipients:;".to_string()),
        Just("Date: yesterday, probably".to_string()),
        Just("a header without a colon".to_string()),
        Just("X-Nul: a\0b".to_string()),
        Just("Message-ID: <<>>".to_string()),
        Just("Content-Type: text/plain; charset=x-no-such-charset".to_string()),
        any::<String>().prop_map(|s| format!("X-Any: {}", s.replace(['\r', '\n'], " "))),
    ]
}

fn file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("../../etc/passwd".to_string()),
        Just("CON".to_string()),
        Just("a\u{1}b\u{7f}.exe".to_string()),
        Just("=?utf-8?B?8J+SqS5wZGY=?=".to_string()),
        Just(String::new()),
        Just("x".repeat(400)),
        any::<String>().prop_map(|s| s.replace(['"', '\r', '\n'], "")),
    ]
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQ=\r\n".to_string()),
        Just("Content-Transfer-Encoding: base64\r\n\r\n!!!not base64@@@\r\n".to_string()),
        Just("Content-Transfer-Encoding: quoted-printable\r\n\r\nbroken =Z= soft=\r\n".to_string()),
        Just("Content-Transfer-Encoding: x-unknown\r\n\r\n\0\u{1}\r\n".to_string()),
        any::<String>().prop_map(|s| format!("\r\n{s}\r\n")),
    ]
}

/// A MIME part: a leaf (text, or an attachment with a hostile name), a
/// multipart whose closing boundary may be missing or whose boundary may be
/// wrong, or an attached email.
fn part() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        body().prop_map(|b| format!("Content-Type: text/plain; charset=utf-8\r\n{b}")),
        (file_name(), body()).prop_map(|(n, b)| format!(
            "Content-Type: application/octet-stream; name=\"{n}\"\r\nContent-Disposition: attachment; filename=\"{n}\"\r\n{b}"
        )),
    ];
    leaf.prop_recursive(8, 48, 5, |inner| {
        prop_oneof![
            (
                proptest::collection::vec(inner.clone(), 0..5),
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(parts, closed, right)| {
                    let b = "b1";
                    let mut s = format!(
                        "Content-Type: multipart/mixed; boundary=\"{}\"\r\n\r\n",
                        if right { b } else { "other" }
                    );
                    for p in parts {
                        s.push_str(&format!("--{b}\r\n{p}"));
                    }
                    if closed {
                        s.push_str(&format!("--{b}--\r\n"));
                    }
                    s
                }),
            inner
                .prop_map(|p| format!("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n{p}")),
        ]
    })
}

fn email() -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(header_line(), 0..6), part()).prop_map(|(headers, part)| {
        let mut m = headers.join("\r\n");
        m.push_str("\r\nMIME-Version: 1.0\r\n");
        m.push_str(&part);
        m.into_bytes()
    })
}

#[test]
fn prop_any_bytes_make_a_record() {
    check(
        300,
        || proptest::collection::vec(any::<u8>(), 0..4096),
        |bytes| {
            parse_checked(&bytes);
        },
    );
}

#[test]
fn prop_generated_hostile_emails_make_a_record() {
    check(300, email, |mime| {
        parse_checked(&mime);
    });
}

#[test]
fn prop_deep_nesting_up_to_a_thousand_parts_makes_a_record() {
    check_costly(
        8,
        || (1usize..1000, any::<bool>()),
        |(depth, rfc822)| {
            let mut m = String::from("Subject: deep\r\nMIME-Version: 1.0\r\n");
            for i in 0..depth {
                if rfc822 {
                    m.push_str("Content-Type: message/rfc822\r\n\r\nSubject: again\r\nMIME-Version: 1.0\r\n");
                } else {
                    m.push_str(&format!(
                        "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
                    ));
                }
            }
            m.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
            parse_checked(m.as_bytes());
        },
    );
}
