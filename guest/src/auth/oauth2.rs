//! OAuth 2.0 client credentials against Microsoft identity platform (v2.0
//! endpoint): app-only tokens for EWS.

use super::token_cache::CachedToken;
use crate::ews::error::Error;
use crate::platform::{retry_after_ms, Host, HttpRequest, Level, Method};
use serde_json::Value;

/// EWS in Exchange Online accepts app-only tokens for this audience only.
pub const SCOPE: &str = "https://outlook.office365.com/.default";
/// Microsoft Graph's audience: the app's Graph application permissions.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
const LOG: &str = "auth.oauth2";

pub struct Credentials<'a> {
    pub token_url: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub scope: &'a str,
    pub timeout_secs: u64,
}

pub fn fetch(host: &dyn Host, c: &Credentials) -> Result<CachedToken, Error> {
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", c.client_id),
        ("client_secret", c.client_secret),
        ("scope", c.scope),
    ]);
    let request = HttpRequest {
        method: Method::Post,
        url: c.token_url.to_string(),
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("Accept".into(), "application/json".into()),
        ],
        body: body.into_bytes(),
        timeout_secs: c.timeout_secs,
    };
    host.log(
        Level::Debug,
        LOG,
        &format!("requesting a token for client {}", c.client_id),
    );
    let resp = host.send(&request).map_err(Error::Transport)?;
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let scrub = |s: &str| s.replace(c.client_secret, "***");
    match resp.status {
        200 => {
            let json = json.ok_or_else(|| {
                Error::Malformed("the token endpoint answered 200 without JSON".into())
            })?;
            let token = json["access_token"]
                .as_str()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Error::Malformed("the token endpoint answered without access_token".into())
                })?;
            // v2.0 sends a number, v1.0 a string.
            let expires_in = match &json["expires_in"] {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            }
            .unwrap_or(3600);
            let expires_at = host.now_unix_secs().saturating_add(expires_in);
            Ok(CachedToken {
                access_token: token.to_string(),
                expires_at,
            })
        }
        429 | 500..=599 => Err(Error::Http {
            status: resp.status,
            retry_after_ms: retry_after_ms(&resp, host.now_unix_secs()),
            detail: "from the token endpoint (token_url)".into(),
        }),
        404 => Err(Error::InvalidInput(format!(
            "token_url: the token endpoint answered HTTP 404 at {}",
            c.token_url
        ))),
        status => {
            let (code, text) = match &json {
                Some(j) => (
                    j["error"].as_str().unwrap_or("").to_string(),
                    first_line(j["error_description"].as_str().unwrap_or("")),
                ),
                None => (String::new(), String::new()),
            };
            let what = if code.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("{code} (HTTP {status})")
            };
            let text = if text.is_empty() {
                String::new()
            } else {
                format!(": {}", scrub(&text))
            };
            Err(Error::Unauthorized(format!(
                "the token endpoint refused client {}: {what}{text}",
                c.client_id
            )))
        }
    }
}

/// AADSTS descriptions go on with trace and correlation ids, on later lines
/// or after "Trace ID:": noise for a person fixing credentials.
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    let line = line.split(" Trace ID:").next().unwrap_or(line);
    line.trim().chars().take(400).collect()
}

/// application/x-www-form-urlencoded.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::fake::FakeHost;

    fn creds() -> Credentials<'static> {
        Credentials {
            token_url: "https://login.example.com/t/oauth2/v2.0/token",
            client_id: "app-1",
            client_secret: "s&c=r t",
            scope: SCOPE,
            timeout_secs: 5,
        }
    }

    #[test]
    fn posts_the_client_credentials_form() {
        let host = FakeHost::with_config(&[]);
        host.respond(
            200,
            &[],
            r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0"}"#,
        );
        let t = fetch(&host, &creds()).unwrap();
        assert_eq!(
            t,
            CachedToken {
                access_token: "eyJ0".into(),
                expires_at: 1_700_000_000 + 3599
            }
        );
        let req = host.request(0);
        assert_eq!(
            String::from_utf8(req.body).unwrap(),
            "grant_type=client_credentials&client_id=app-1&client_secret=s%26c%3Dr+t&scope=https%3A%2F%2Foutlook.office365.com%2F.default"
        );
    }

    #[test]
    fn a_refusal_names_the_aad_error_and_never_the_secret() {
        let host = FakeHost::with_config(&[]);
        host.respond(401, &[], r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: s&c=r t.\r\nTrace ID: 1"}"#);
        let Err(Error::Unauthorized(m)) = fetch(&host, &creds()) else {
            panic!()
        };
        assert!(
            m.contains("invalid_client") && m.contains("AADSTS7000215"),
            "{m}"
        );
        assert!(!m.contains("s&c=r t") && !m.contains("Trace ID"), "{m}");
    }

    #[test]
    fn server_trouble_is_not_a_refusal() {
        let host = FakeHost::with_config(&[]);
        host.respond(503, &[("Retry-After", "3")], "");
        assert!(matches!(
            fetch(&host, &creds()),
            Err(Error::Http {
                status: 503,
                retry_after_ms: Some(3000),
                ..
            })
        ));
        host.respond(200, &[], "<html/>");
        assert!(matches!(fetch(&host, &creds()), Err(Error::Malformed(_))));
    }
}
