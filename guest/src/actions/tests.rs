use super::*;
use crate::ews::operations::get_user_oof_settings::tests_fixtures::{NOT_FOUND, SCHEDULED};
use crate::platform::fake::FakeHost;

fn host() -> FakeHost {
    FakeHost::with_config(&[
        ("auth_method", "basic"),
        ("username", "svc@example.com"),
        ("primary_smtp_address", "soc@example.com"),
        ("ews_url", "http://localhost:1/EWS/Exchange.asmx"),
    ])
    .secret("password", "pw")
}

fn invalid(r: Result<Output, Failure>) -> String {
    match r {
        Err(Failure::InvalidInput(m)) => m,
        Err(f) => panic!("expected invalid-input, got {f:?}"),
        Ok(o) => panic!("expected invalid-input, got {}", o.json),
    }
}

#[test]
fn get_out_of_office_end_to_end() {
    let host = host();
    host.respond(200, &[], SCHEDULED);
    let out = invoke(
        &host,
        "get-out-of-office",
        r#"{"mailbox":"ceo@example.com"}"#,
        vec![],
    )
    .unwrap();
    let v: Value = serde_json::from_str(&out.json).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "mailbox": "ceo@example.com", "state": "Scheduled", "external_audience": "All",
            "schedule": {"start": "2026-11-20T08:00:00Z", "end": "2026-11-30T17:00:00Z"},
            "internal_reply": "I am away", "external_reply": "Away & back soon", "allow_external_oof": "All"
        })
    );
    let body = String::from_utf8(host.request(0).body).unwrap();
    assert!(body.contains("<t:Address>ceo@example.com</t:Address>"));
    assert!(body.contains("<t:PrimarySmtpAddress>soc@example.com</t:PrimarySmtpAddress>"));
}

#[test]
fn an_unknown_recipient_is_not_found() {
    let host = host();
    host.respond(200, &[], NOT_FOUND);
    let r = invoke(
        &host,
        "get-out-of-office",
        r#"{"mailbox":"nobody@example.com"}"#,
        vec![],
    );
    assert!(matches!(r, Err(Failure::NotFound(m)) if m.contains("ErrorMailRecipientNotFound")));
}

#[test]
fn bad_params_name_the_parameter() {
    let host = host();
    assert_eq!(
        invalid(invoke(&host, "get-out-of-office", "{}", vec![])),
        "params.mailbox: required, an email address"
    );
    assert!(invalid(invoke(
        &host,
        "get-out-of-office",
        r#"{"mailbox":42}"#,
        vec![]
    ))
    .contains("params.mailbox: expected a string"));
    assert!(invalid(invoke(
        &host,
        "get-out-of-office",
        r#"{"mailbox":"nope"}"#,
        vec![]
    ))
    .starts_with("params.mailbox: expected an email address"));
    assert!(invalid(invoke(
        &host,
        "get-out-of-office",
        r#"{"mailbox":"a@b.cd","mailbx":1}"#,
        vec![]
    ))
    .starts_with("params.mailbx: unknown"));
    assert!(invalid(invoke(&host, "get-out-of-office", "[1]", vec![]))
        .starts_with("params: expected a JSON object"));
    assert!(invalid(invoke(&host, "get-out-of-office", "{", vec![]))
        .starts_with("params: not valid JSON"));
    assert_eq!(host.request_count(), 0, "nothing sent for bad params");
}

#[test]
fn unknown_actions_list_the_known_ones() {
    let m = invalid(invoke(&host(), "get-oof", "{}", vec![]));
    assert!(
        m.contains("known actions: ") && m.contains("get-out-of-office"),
        "{m}"
    );
}

#[test]
fn bad_configuration_is_invalid_input() {
    let host = FakeHost::with_config(&[("auth_method", "kerberos")]);
    let m = invalid(invoke(
        &host,
        "get-out-of-office",
        r#"{"mailbox":"a@b.cd"}"#,
        vec![],
    ));
    assert!(m.starts_with("auth_method:"), "{m}");
}

#[test]
fn never_panics_on_hostile_answers() {
    let answers = [
        "", "<", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
        "<s:Envelope xmlns:s=\"x\"><s:Body><GetUserOofSettingsResponse/></s:Body></s:Envelope>",
        "<Envelope><Body><GetUserOofSettingsResponse><ResponseMessage ResponseClass=\"Success\"/><OofSettings><OofState>\u{1}</OofState></OofSettings></GetUserOofSettingsResponse></Body></Envelope>",
        "\u{feff}<Envelope>\u{0}</Envelope>",
    ];
    for a in answers {
        let host = host();
        host.respond(200, &[], a);
        let r = invoke(
            &host,
            "get-out-of-office",
            r#"{"mailbox":"a@b.cd"}"#,
            vec![],
        );
        assert!(
            matches!(r, Err(Failure::Internal(_))),
            "{a:?}: {:?}",
            r.err()
        );
    }
}
