use super::*;
use crate::platform::fake::FakeHost;

fn oauth(extra: &[(&str, &str)]) -> FakeHost {
    let mut pairs = vec![
        ("tenant", "contoso.onmicrosoft.com"),
        ("client_id", "app-1"),
        ("primary_smtp_address", "soc@example.com"),
    ];
    pairs.extend_from_slice(extra);
    FakeHost::with_config(&pairs).secret("client_secret", "s3cret")
}

fn message(r: Result<Config, Error>) -> String {
    match r {
        Err(Error::InvalidInput(m)) => m,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn applies_defaults() {
    let c = Config::load(&oauth(&[])).unwrap();
    assert_eq!(c.ews_url, "https://outlook.office365.com/EWS/Exchange.asmx");
    assert_eq!(c.server_version, "Exchange2016");
    assert_eq!(c.request_timeout_secs, 60);
    let AuthConfig::OAuth2 { token_url, .. } = &c.auth else {
        panic!()
    };
    assert_eq!(
        token_url,
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    let host = host_for_target();
    let client = crate::ews::client::Client::new(&host, &c);
    assert_eq!(
        client.target("soc@example.com").impersonate.as_deref(),
        Some("soc@example.com"),
        "app-only tokens always impersonate"
    );
}

fn host_for_target() -> FakeHost {
    FakeHost::default()
}

#[test]
fn names_the_key_that_is_wrong() {
    assert!(message(Config::load(&oauth(&[("auth_method", "ntlm")])))
        .starts_with("auth_method: expected oauth2 or basic"));
    assert!(
        message(Config::load(&oauth(&[("server_version", "Exchange2099")])))
            .starts_with("server_version:")
    );
    assert!(
        message(Config::load(&oauth(&[("request_timeout_secs", "0")])))
            .starts_with("request_timeout_secs:")
    );
    assert!(
        message(Config::load(&oauth(&[("primary_smtp_address", "soc")])))
            .starts_with("primary_smtp_address:")
    );
    assert!(message(Config::load(&oauth(&[("tenant", "a/b")]))).starts_with("tenant:"));
    let no_secret = FakeHost::with_config(&[
        ("tenant", "t"),
        ("client_id", "c"),
        ("primary_smtp_address", "a@b.cd"),
    ]);
    let m = message(Config::load(&no_secret));
    assert!(m.starts_with("client_secret:"), "{m}");
    let basic = FakeHost::with_config(&[("auth_method", "basic")]).secret("password", "p");
    assert_eq!(
        message(Config::load(&basic)),
        "username: required for auth_method basic"
    );
}

#[test]
fn http_only_for_loopback() {
    assert!(message(Config::load(&oauth(&[(
        "ews_url",
        "http://mail.example.com/EWS/Exchange.asmx"
    )])))
    .starts_with("ews_url:"));
    assert!(message(Config::load(&oauth(&[(
        "token_url",
        "http://login.example.com/{tenant}"
    )])))
    .starts_with("token_url:"));
    for ok in [
        "http://127.0.0.1:8080/EWS/Exchange.asmx",
        "http://localhost:1/x",
        "http://[::1]:2/x",
    ] {
        assert!(
            Config::load(&oauth(&[("ews_url", ok), ("token_url", ok)])).is_ok(),
            "{ok}"
        );
    }
}

#[test]
fn basic_impersonates_only_another_mailbox() {
    let basic = |smtp: Option<&str>| {
        let mut pairs = vec![("auth_method", "basic"), ("username", "Soc@Example.com")];
        if let Some(s) = smtp {
            pairs.push(("primary_smtp_address", s));
        }
        Config::load(&FakeHost::with_config(&pairs).secret("password", "p")).unwrap()
    };
    let host = host_for_target();
    let target = |c: Config, mailbox: &str| {
        crate::ews::client::Client::new(&host, &c)
            .target(mailbox)
            .impersonate
    };
    assert_eq!(target(basic(None), "soc@example.com"), None);
    assert_eq!(
        target(basic(Some("soc@example.com")), "SOC@example.com"),
        None
    );
    assert_eq!(
        target(basic(Some("ceo@example.com")), "ceo@example.com").as_deref(),
        Some("ceo@example.com")
    );
}

#[test]
fn oauth2_needs_a_mailbox() {
    let host =
        FakeHost::with_config(&[("tenant", "t"), ("client_id", "c")]).secret("client_secret", "s");
    assert!(message(Config::load(&host)).starts_with("primary_smtp_address: required"));
}

#[test]
fn api_picks_the_transport_and_checks_only_its_endpoint() {
    let c = Config::load(&oauth(&[])).unwrap();
    assert_eq!(
        (c.api, c.graph_url.as_str()),
        (Api::Ews, "https://graph.microsoft.com/v1.0")
    );
    let c = Config::load(&oauth(&[
        ("api", "graph"),
        ("graph_url", "http://127.0.0.1:8/v1.0/"),
        ("ews_url", "ftp://stale"),
    ]))
    .unwrap();
    assert_eq!(
        (c.api, c.graph_url.as_str()),
        (Api::Graph, "http://127.0.0.1:8/v1.0")
    );
    let m = message(Config::load(&oauth(&[("api", "rest")])));
    assert!(m.starts_with("api: expected ews or graph"), "{m}");
    let m = message(Config::load(&oauth(&[
        ("api", "graph"),
        ("graph_url", "http://graph.example/v1.0"),
    ])));
    assert!(m.starts_with("graph_url: expected an https:// URL"), "{m}");
    let basic = FakeHost::with_config(&[
        ("api", "graph"),
        ("auth_method", "basic"),
        ("username", "u"),
    ])
    .secret("password", "pw");
    let m = message(Config::load(&basic));
    assert!(
        m.starts_with("auth_method: basic cannot be used with api = graph"),
        "{m}"
    );
}
