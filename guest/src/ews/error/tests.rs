use super::*;

fn who() -> Identity {
    Identity {
        account: "app-id".into(),
        mailbox: Some("soc@example.com".into()),
        graph: false,
    }
}

fn code(c: &str, values: &[(&str, &str)]) -> Error {
    Error::Response(CodeDetail {
        code: c.into(),
        text: "text".into(),
        message_xml: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })
}

#[test]
fn impersonation_denied_hints_at_the_role() {
    let Failure::Forbidden(m) = code("ErrorImpersonateUserDenied", &[]).into_failure(&who()) else {
        panic!()
    };
    assert!(
        m.contains("ApplicationImpersonation role on soc@example.com"),
        "{m}"
    );
    assert!(m.contains("-User app-id"), "{m}");
}

#[test]
fn codes_map_to_classes() {
    let w = who();
    assert_eq!(
        code("ErrorNonExistentMailbox", &[]).into_failure(&w),
        Failure::NotFound(
            "no mailbox soc@example.com (primary_smtp_address) (ErrorNonExistentMailbox: text)"
                .into()
        )
    );
    assert!(matches!(
        code("ErrorMailRecipientNotFound", &[]).into_failure(&w),
        Failure::NotFound(_)
    ));
    assert_eq!(
        code("ErrorServerBusy", &[("BackOffMilliseconds", "297749")]).into_failure(&w),
        Failure::Throttled {
            retry_after_ms: 297749,
            message: "ErrorServerBusy: text".into()
        }
    );
    assert!(matches!(
        code("ErrorSomethingNew", &[]).into_failure(&w),
        Failure::Internal(_)
    ));
}

#[test]
fn http_statuses_map_to_classes() {
    let w = who();
    let http = |status, retry| {
        Error::Http {
            status,
            retry_after_ms: retry,
            detail: String::new(),
        }
        .into_failure(&w)
    };
    assert!(matches!(http(401, None), Failure::Unauthorized(_)));
    assert!(matches!(
        http(429, Some(5000)),
        Failure::Throttled {
            retry_after_ms: 5000,
            ..
        }
    ));
    assert!(matches!(
        http(503, Some(1000)),
        Failure::Throttled {
            retry_after_ms: 1000,
            ..
        }
    ));
    assert!(matches!(http(503, None), Failure::Unavailable(_)));
    assert!(matches!(http(502, None), Failure::Unavailable(_)));
    assert!(matches!(
        Error::Transport(TransportError::Network("reset".into())).into_failure(&w),
        Failure::Unavailable(_)
    ));
    assert!(matches!(
        Error::Malformed("x".into()).into_failure(&w),
        Failure::Internal(_)
    ));
}

#[test]
fn faults_use_their_response_code() {
    let fault = Error::Fault {
        faultcode: "a:ErrorServerBusy".into(),
        faultstring: "busy".into(),
        detail: CodeDetail {
            code: "ErrorServerBusy".into(),
            text: "busy".into(),
            message_xml: vec![("BackOffMilliseconds".into(), "100".into())],
        },
    };
    assert!(matches!(
        fault.into_failure(&who()),
        Failure::Throttled {
            retry_after_ms: 100,
            ..
        }
    ));
    let bare = Error::Fault {
        faultcode: "soap:Client".into(),
        faultstring: "AccessDeniedException".into(),
        detail: CodeDetail::default(),
    };
    assert!(matches!(bare.into_failure(&who()), Failure::Forbidden(_)));
}

#[test]
fn sending_refusals_say_what_to_change() {
    let w = who();
    let forbidden = |c: &str| match code(c, &[]).into_failure(&w) {
        Failure::Forbidden(m) => m,
        other => panic!("{c}: {other:?}"),
    };
    let m = forbidden("ErrorSendAsDenied");
    assert!(
        m.contains("params.from") && m.contains("SendAs") && m.contains("ErrorSendAsDenied"),
        "{m}"
    );
    let m = forbidden("ErrorAccessDenied");
    assert!(m.contains("app-id") && m.contains("soc@example.com"), "{m}");
    assert!(forbidden("ErrorQuotaExceeded").contains("ProhibitSendQuota"));
    let Failure::InvalidInput(m) = code("ErrorMessageSizeExceeded", &[]).into_failure(&w) else {
        panic!()
    };
    assert!(
        m.starts_with("params.attachments:") && m.contains("smaller"),
        "{m}"
    );
    let Failure::InvalidInput(m) = code("ErrorInvalidRecipients", &[]).into_failure(&w) else {
        panic!()
    };
    assert!(m.starts_with("params.to/cc/bcc:"), "{m}");
    // Over Graph, an access refusal names Graph's permission, not EWS's grants.
    let graph = Identity {
        graph: true,
        ..who()
    };
    let Failure::Forbidden(m) = code("ErrorAccessDenied", &[]).into_failure(&graph) else {
        panic!()
    };
    assert!(
        m.contains("Mail.ReadWrite") && !m.contains("full_access_as_app"),
        "{m}"
    );
}

#[test]
fn failures_print_as_a_person_reads_them() {
    let f = Failure::Unavailable("cannot resolve ews.example.com".into());
    assert_eq!(f.to_string(), "unavailable: cannot resolve ews.example.com");
    assert_eq!(
        format!("{f:?}"),
        f.to_string(),
        "no Rust type in a log line"
    );
    let t = Failure::Throttled {
        retry_after_ms: 2000,
        message: "ErrorServerBusy".into(),
    };
    assert_eq!(
        t.to_string(),
        "throttled (retry after 2000 ms): ErrorServerBusy"
    );
    let e = Error::Transport(TransportError::Timeout(
        "timed out after 60 s waiting for ews.example.com (request_timeout_secs)".into(),
    ));
    assert_eq!(
        format!("{e:?}"),
        "unavailable: timed out after 60 s waiting for ews.example.com (request_timeout_secs)"
    );
}

#[test]
fn busy_and_transient_codes_are_waited_on() {
    let w = Identity::default();
    let Failure::Throttled { retry_after_ms, .. } =
        code("ErrorTooManyObjectsOpened", &[]).into_failure(&w)
    else {
        panic!()
    };
    assert_eq!(retry_after_ms, DEFAULT_BACKOFF_MS);
    assert!(matches!(
        code("ErrorInternalServerTransientError", &[]).into_failure(&w),
        Failure::Unavailable(_)
    ));
}
