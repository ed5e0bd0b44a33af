use super::*;
use crate::bindings::wasi::http::types::{DnsErrorPayload, TlsAlertReceivedPayload};
use crate::ews::error::{Error, Identity};

fn dest() -> Dest {
    Dest {
        host: "ews.example.com".into(),
        port: 443,
        timeout_secs: 60,
    }
}

/// The failure a person reads for `code`: (kind, message).
fn said(code: ErrorCode) -> (&'static str, String) {
    let f = Error::Transport(error_code(code, &dest())).into_failure(&Identity::default());
    (f.kind(), f.message().to_string())
}

/// No Rust type's debug form: what `{:?}` of the wit-bindgen types prints.
fn plain(m: &str) {
    for dump in ["ErrorCode", "Payload", "Some(", "None", "{", "}"] {
        assert!(!m.contains(dump), "{dump} in {m}");
    }
}

#[test]
fn every_error_code_is_a_plain_sentence_naming_the_host() {
    let all = vec![
        ErrorCode::DnsTimeout,
        ErrorCode::DnsError(DnsErrorPayload {
            rcode: Some("address not available".into()),
            info_code: None,
        }),
        ErrorCode::DestinationNotFound,
        ErrorCode::DestinationUnavailable,
        ErrorCode::DestinationIpProhibited,
        ErrorCode::DestinationIpUnroutable,
        ErrorCode::ConnectionRefused,
        ErrorCode::ConnectionTerminated,
        ErrorCode::ConnectionTimeout,
        ErrorCode::ConnectionReadTimeout,
        ErrorCode::ConnectionWriteTimeout,
        ErrorCode::ConnectionLimitReached,
        ErrorCode::TlsProtocolError,
        ErrorCode::TlsCertificateError,
        ErrorCode::TlsAlertReceived(TlsAlertReceivedPayload {
            alert_id: Some(40),
            alert_message: Some("handshake failure".into()),
        }),
        ErrorCode::HttpRequestDenied,
        ErrorCode::HttpRequestLengthRequired,
        ErrorCode::HttpRequestBodySize(Some(3)),
        ErrorCode::HttpRequestMethodInvalid,
        ErrorCode::HttpRequestUriInvalid,
        ErrorCode::HttpRequestUriTooLong,
        ErrorCode::HttpRequestHeaderSectionSize(None),
        ErrorCode::HttpRequestTrailerSectionSize(Some(1)),
        ErrorCode::HttpResponseIncomplete,
        ErrorCode::HttpResponseHeaderSectionSize(Some(9)),
        ErrorCode::HttpResponseBodySize(Some(10)),
        ErrorCode::HttpResponseTrailerSectionSize(None),
        ErrorCode::HttpResponseTransferCoding(Some("gzip".into())),
        ErrorCode::HttpResponseContentCoding(None),
        ErrorCode::HttpResponseTimeout,
        ErrorCode::HttpUpgradeFailed,
        ErrorCode::HttpProtocolError,
        ErrorCode::LoopDetected,
        ErrorCode::ConfigurationError,
        ErrorCode::InternalError(None),
        ErrorCode::InternalError(Some("boom".into())),
    ];
    for code in all {
        let (kind, m) = said(code);
        plain(&m);
        assert!(m.contains("ews.example.com"), "{m}");
        assert!(
            matches!(kind, "unavailable" | "invalid-input"),
            "{kind}: {m}"
        );
    }
}

#[test]
fn the_common_ones_say_what_to_check() {
    let dns = ErrorCode::DnsError(DnsErrorPayload {
        rcode: Some("address not available".into()),
        info_code: None,
    });
    assert_eq!(
        said(dns),
        (
            "unavailable",
            "cannot resolve ews.example.com: check ews_url (or graph_url, token_url) and \
             this machine's DNS"
                .into()
        )
    );
    let (_, m) = said(ErrorCode::ConnectionRefused);
    assert!(
        m.starts_with("ews.example.com:443 refused the connection"),
        "{m}"
    );
    let (_, m) = said(ErrorCode::TlsCertificateError);
    assert!(m.starts_with("TLS with ews.example.com failed: "), "{m}");
    let (_, m) = said(ErrorCode::TlsAlertReceived(TlsAlertReceivedPayload {
        alert_id: Some(40),
        alert_message: Some("handshake failure".into()),
    }));
    assert!(m.contains("\"handshake failure\""), "{m}");
    let (_, m) = said(ErrorCode::ConnectionReadTimeout);
    assert_eq!(
        m,
        "timed out after 60 s waiting for ews.example.com (request_timeout_secs)"
    );
    let (kind, m) = said(ErrorCode::HttpRequestDenied);
    assert_eq!(kind, "invalid-input");
    assert!(
        m.contains("allow-list") && m.contains("ews.example.com:443"),
        "{m}"
    );
}

#[test]
fn a_body_cut_short_says_how_much_came() {
    let t = cut_off(Some(ErrorCode::HttpProtocolError), 120, Some(4000), &dest());
    assert!(matches!(t, TransportError::Interrupted(_)));
    assert_eq!(
        t.to_string(),
        "the answer from ews.example.com was cut off after 120 bytes of the 4000 announced: \
         the connection closed before the whole body arrived"
    );
    let t = cut_off(Some(ErrorCode::ConnectionReadTimeout), 1, None, &dest());
    assert!(matches!(t, TransportError::Timeout(_)));
}
