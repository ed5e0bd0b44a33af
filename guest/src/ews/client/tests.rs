use super::*;
use crate::platform::fake::FakeHost;
use crate::platform::TransportError;

const OK: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><R/></s:Body></s:Envelope>"#;
const TOKEN: &str = r#"{"access_token":"tok-1","expires_in":3600}"#;

fn oauth_host() -> FakeHost {
    FakeHost::with_config(&[
        ("tenant", "t1"),
        ("client_id", "app"),
        ("primary_smtp_address", "soc@example.com"),
        ("ews_url", "http://127.0.0.1:9/EWS/Exchange.asmx"),
        ("token_url", "http://127.0.0.1:9/{tenant}/token"),
        ("request_timeout_secs", "7"),
    ])
    .secret("client_secret", "sec")
}

fn call(host: &FakeHost) -> Result<Element, Error> {
    let config = Config::load(host).unwrap();
    let mut client = Client::new(host, &config);
    // The mailbox a call acts on: the primary, else the Basic user's own.
    let mailbox = match (&config.primary_smtp_address, &config.auth) {
        (Some(m), _) => m.clone(),
        (None, crate::config::AuthConfig::Basic { username, .. }) => username.clone(),
        (None, _) => String::new(),
    };
    let target = client.target(&mailbox);
    // A read: sent again once when its answer is lost.
    client.call_as(&target, "GetItem", |x| x.empty("m:Op", &[]))
}

#[test]
fn sends_the_headers_exchange_needs() {
    let host = oauth_host();
    host.respond(200, &[], TOKEN);
    host.respond(200, &[], OK);
    assert_eq!(call(&host).unwrap().name, "R");
    assert_eq!(host.request(0).url, "http://127.0.0.1:9/t1/token");
    let req = host.request(1);
    assert_eq!(req.url, "http://127.0.0.1:9/EWS/Exchange.asmx");
    assert_eq!(req.timeout_secs, 7);
    let h = |n: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        h("Content-Type").as_deref(),
        Some("text/xml; charset=utf-8")
    );
    assert_eq!(h("Authorization").as_deref(), Some("Bearer tok-1"));
    assert_eq!(h("X-AnchorMailbox").as_deref(), Some("soc@example.com"));
    assert_eq!(h("client-request-id").map(|v| v.len()), Some(36));
    let body = String::from_utf8(req.body).unwrap();
    assert!(body.contains("<t:PrimarySmtpAddress>soc@example.com</t:PrimarySmtpAddress>"));
}

#[test]
fn reuses_the_cached_token_across_calls() {
    let host = oauth_host();
    host.respond(200, &[], TOKEN);
    host.respond(200, &[], OK);
    host.respond(200, &[], OK);
    call(&host).unwrap();
    call(&host).unwrap();
    assert_eq!(host.request_count(), 3, "one token request for two calls");
}

#[test]
fn a_401_refreshes_once_and_retries_once() {
    let host = oauth_host();
    host.respond(200, &[], TOKEN);
    host.respond(401, &[], "");
    host.respond(200, &[], r#"{"access_token":"tok-2","expires_in":3600}"#);
    host.respond(200, &[], OK);
    call(&host).unwrap();
    let auth = |i: usize| {
        host.request(i)
            .headers
            .into_iter()
            .find(|(k, _)| k == "Authorization")
            .unwrap()
            .1
    };
    assert_eq!(auth(3), "Bearer tok-2");

    let host = oauth_host();
    host.respond(200, &[], TOKEN);
    host.respond(
        401,
        &[("x-ms-diagnostics", "2000008;reason=\"token expired\"")],
        "",
    );
    host.respond(200, &[], TOKEN);
    host.respond(401, &[], "");
    let Err(Error::Unauthorized(m)) = call(&host) else {
        panic!()
    };
    assert_eq!(host.request_count(), 4, "never loops");
    assert!(host.kv.borrow().is_empty() || !m.is_empty());
}

#[test]
fn basic_does_not_retry_a_401() {
    let host = FakeHost::with_config(&[
        ("auth_method", "basic"),
        ("username", "u@example.com"),
        ("ews_url", "https://mail.example.com/EWS/Exchange.asmx"),
    ])
    .secret("password", "pw");
    host.respond(401, &[], "");
    assert!(matches!(call(&host), Err(Error::Unauthorized(_))));
    assert_eq!(host.request_count(), 1);
    let auth = host
        .request(0)
        .headers
        .into_iter()
        .find(|(k, _)| k == "Authorization")
        .unwrap()
        .1;
    assert!(auth.starts_with("Basic "));
    assert!(!String::from_utf8(host.request(0).body)
        .unwrap()
        .contains("ExchangeImpersonation"));
}

#[test]
fn statuses_and_faults_become_errors() {
    let host = oauth_host();
    host.respond(200, &[], TOKEN);
    host.respond(503, &[("Retry-After", "2")], "busy");
    assert!(matches!(
        call(&host),
        Err(Error::Http {
            status: 503,
            retry_after_ms: Some(2000),
            ..
        })
    ));

    let fault = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>denied</faultstring><detail><e:ResponseCode xmlns:e="x">ErrorImpersonateUserDenied</e:ResponseCode></detail></s:Fault></s:Body></s:Envelope>"#;
    host.respond(500, &[], fault);
    let Err(Error::Fault { detail, .. }) = call(&host) else {
        panic!()
    };
    assert_eq!(detail.code, "ErrorImpersonateUserDenied");

    host.respond(500, &[], "oops");
    assert!(matches!(call(&host), Err(Error::Http { status: 500, .. })));
    let n = host.request_count();
    host.respond(200, &[], "<s:Envelope");
    host.respond(200, &[], "<s:Envelope");
    assert!(matches!(call(&host), Err(Error::Malformed(_))));
    assert_eq!(host.request_count(), n + 2, "sent again once, not more");
    host.fail(TransportError::Timeout("slow".into()));
    host.fail(TransportError::Timeout("slow again".into()));
    assert!(matches!(
        call(&host),
        Err(Error::Transport(TransportError::Timeout(m))) if m == "slow again"
    ));
    // A second timeout in the same call (one client) is not sent again: at
    // most twice request_timeout_secs per call.
    let config = Config::load(&host).unwrap();
    let mut client = Client::new(&host, &config);
    let target = client.target("a@b.cd");
    host.fail(TransportError::Timeout("slow".into()));
    host.respond(200, &[], OK);
    client.call_as(&target, "FindItem", |_| {}).unwrap();
    host.fail(TransportError::Timeout("slow again".into()));
    assert!(matches!(
        client.call_as(&target, "FindItem", |_| {}),
        Err(Error::Transport(TransportError::Timeout(m))) if m == "slow again"
    ));
}

#[test]
fn a_lost_answer_is_asked_again_once_for_reads_only() {
    let host = oauth_host();
    host.respond(200, &[], TOKEN);
    host.fail(TransportError::Interrupted("cut off".into()));
    host.respond(200, &[], OK);
    call(&host).unwrap();
    assert_eq!(host.request_count(), 3, "token, the cut one, the retry");

    // A send is never sent twice: it may have gone out.
    let config = Config::load(&host).unwrap();
    let mut client = Client::new(&host, &config);
    let target = client.target("a@b.cd");
    host.fail(TransportError::Interrupted("cut off".into()));
    let sent = client.call_as(&target, "CreateItem", |_| {});
    assert!(matches!(sent, Err(Error::Transport(_))), "{sent:?}");
    assert_eq!(host.request_count(), 4);

    // Unreachable is not transient: no retry either.
    host.fail(TransportError::Unreachable("cannot resolve x".into()));
    assert!(call(&host).is_err());
    assert_eq!(host.request_count(), 5);
}

#[test]
fn a_proxy_page_or_redirect_is_said_to_be_one() {
    let host = oauth_host();
    host.respond(200, &[], TOKEN);
    host.respond(
        302,
        &[(
            "Location",
            "https://sso.contoso.example/adfs/ls/?wa=wsignin1.0&secret=1",
        )],
        "",
    );
    let Err(Error::Forbidden(m)) = call(&host) else {
        panic!()
    };
    assert!(
        m.contains("HTTP 302")
            && m.contains("https://sso.contoso.example/adfs/ls/")
            && !m.contains("secret")
            && m.contains("instead of Exchange"),
        "{m}"
    );
    host.respond(
        502,
        &[("Content-Type", "text/html")],
        "<html><head><title>502 Bad Gateway</title></head></html>",
    );
    let Err(Error::Unavailable(m)) = call(&host) else {
        panic!()
    };
    assert!(
        m.contains("HTTP 502") && m.contains("\"502 Bad Gateway\""),
        "{m}"
    );
    host.respond(200, &[], "<!DOCTYPE html><html>sign in</html>");
    let n = host.request_count();
    assert!(matches!(call(&host), Err(Error::Unavailable(_))));
    assert_eq!(host.request_count(), n + 1, "a page is not asked for again");
}

#[test]
fn refused_credentials_end_the_call_without_asking_again() {
    let host = oauth_host();
    let config = Config::load(&host).unwrap();
    let mut client = Client::new(&host, &config);
    let target = client.target("a@b.cd");
    host.respond(200, &[], TOKEN);
    host.respond(401, &[], "");
    host.respond(401, &[], "{}");
    // token, the 401, the refreshed token refused
    assert!(matches!(
        client.call_as(&target, "UpdateItem", |_| {}),
        Err(Error::Unauthorized(_))
    ));
    let sent = host.request_count();
    // The next email's mark-read or fetch: refused at once, nothing sent.
    assert!(matches!(
        client.call_as(&target, "GetItem", |_| {}),
        Err(Error::Unauthorized(_))
    ));
    assert_eq!(host.request_count(), sent);
}
