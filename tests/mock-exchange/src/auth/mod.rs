//! Authentication as Exchange Online and Microsoft Entra ID do it: Basic for
//! configured users, Bearer for tokens this mock issued (client credentials grant
//! at `/{tenant}/oauth2/v2.0/token`). Nothing here logs a secret or a token.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub mod token_endpoint;
pub use token_endpoint::token_endpoint;

use crate::MockOptions;
use base64::Engine as _;

/// The only scope Exchange Online's EWS accepts for app-only tokens.
pub const EWS_SCOPE: &str = "https://outlook.office365.com/.default";
/// The scope of an app-only token for Microsoft Graph.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The resource a token was issued for (its `aud` claim): a token is good for
/// that resource only, so a Graph token on EWS is refused and the reverse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Ews,
    Graph,
}

impl Audience {
    /// The audience of a `scope` the token endpoint accepts.
    pub fn of_scope(scope: &str) -> Option<Audience> {
        match scope.trim() {
            EWS_SCOPE => Some(Audience::Ews),
            GRAPH_SCOPE => Some(Audience::Graph),
            _ => None,
        }
    }
}

/// Who a request authenticated as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Basic { user: String },
    App { tenant: String, client_id: String },
}

impl Principal {
    pub fn scheme(&self) -> &'static str {
        match self {
            Principal::Basic { .. } => "Basic",
            Principal::App { .. } => "Bearer",
        }
    }
}

/// A 401: the `WWW-Authenticate` challenges and an `X-MS-Diagnostics` reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub www_authenticate: Vec<String>,
    pub diagnostics: Option<&'static str>,
}

const BEARER_CHALLENGE: &str = r#"Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize""#;

fn challenge(bearer_error: bool, diagnostics: Option<&'static str>) -> Challenge {
    let bearer = if bearer_error {
        format!(r#"{BEARER_CHALLENGE}, error="invalid_token""#)
    } else {
        BEARER_CHALLENGE.to_string()
    };
    Challenge {
        www_authenticate: vec![bearer, r#"Basic realm="mock-exchange""#.to_string()],
        diagnostics,
    }
}

struct Issued {
    tenant: String,
    client_id: String,
    audience: Audience,
    expires: Instant,
}

/// The tokens this mock has issued and not revoked.
#[derive(Default)]
pub struct Tokens {
    issued: HashMap<String, Issued>,
}

impl Tokens {
    pub fn issue(
        &mut self,
        tenant: &str,
        client_id: &str,
        audience: Audience,
        lifetime: Duration,
    ) -> String {
        let token = random_token();
        let expires = Instant::now() + lifetime;
        self.issued.retain(|_, t| t.expires > Instant::now());
        self.issued.insert(
            token.clone(),
            Issued {
                tenant: tenant.into(),
                client_id: client_id.into(),
                audience,
                expires,
            },
        );
        token
    }

    pub fn revoke_all(&mut self) {
        self.issued.clear();
    }

    /// A token this mock issued and that is still valid: (tenant, client id, audience).
    pub fn lookup(&self, token: &str) -> Option<(&str, &str, Audience)> {
        self.issued
            .get(token)
            .filter(|t| t.expires > Instant::now())
            .map(|t| (t.tenant.as_str(), t.client_id.as_str(), t.audience))
    }

    /// Whether the token was issued here and has expired.
    pub fn expired(&self, token: &str) -> bool {
        self.issued
            .get(token)
            .is_some_and(|t| t.expires <= Instant::now())
    }
}

/// Checks an `Authorization` header.
pub fn authenticate(
    header: Option<&str>,
    options: &MockOptions,
    tokens: &Tokens,
) -> Result<Principal, Challenge> {
    let Some(header) = header else {
        return Err(challenge(false, None));
    };
    let (scheme, value) = header.trim().split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("Basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(value).ok();
        let decoded = decoded
            .and_then(|d| String::from_utf8(d).ok())
            .unwrap_or_default();
        let (user, password) = decoded.split_once(':').unwrap_or(("", ""));
        let known = options
            .basic_users
            .iter()
            .find(|(u, p)| u.eq_ignore_ascii_case(user) && p == password);
        return match known {
            Some((user, _)) => Ok(Principal::Basic { user: user.clone() }),
            None => Err(challenge(false, None)),
        };
    }
    if scheme.eq_ignore_ascii_case("Bearer") {
        return match tokens.issued.get(value) {
            Some(t) if t.audience != Audience::Ews => Err(challenge(
                true,
                Some(
                    r#"2000003;reason="The audience claim value is invalid for current resource.";error_category="invalid_resource""#,
                ),
            )),
            Some(t) if t.expires > Instant::now() => Ok(Principal::App {
                tenant: t.tenant.clone(),
                client_id: t.client_id.clone(),
            }),
            Some(_) => Err(challenge(
                true,
                Some(r#"2000008;reason="The token has expired.";error_category="invalid_token""#),
            )),
            None => Err(challenge(
                true,
                Some(r#"2000001;reason="The token is not valid.";error_category="invalid_token""#),
            )),
        };
    }
    Err(challenge(false, None))
}

/// Random bytes from the OS, or (failing that) from std's randomly seeded hasher.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use std::io::Read as _;
    let mut buf = [0u8; N];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_err()
    {
        use std::hash::{BuildHasher, Hasher};
        for (i, chunk) in buf.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            h.write_u128(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos(),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    buf
}

pub(crate) fn random_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub(crate) fn uuid_like() -> String {
    let b = random_bytes::<16>();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::token_endpoint::token_endpoint;
    use super::*;
    use crate::test_support::{form, options};

    #[test]
    fn basic_credentials_are_checked() {
        let tokens = Tokens::default();
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("USER@contoso.example:pw:1")
        );
        let ok = authenticate(Some(&header), &options(), &tokens).unwrap();
        assert_eq!(
            ok,
            Principal::Basic {
                user: "user@contoso.example".into()
            }
        );
        let bad = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("user@contoso.example:nope")
        );
        let err = authenticate(Some(&bad), &options(), &tokens).unwrap_err();
        assert!(err
            .www_authenticate
            .iter()
            .any(|c| c.starts_with("Basic realm=")));
        assert!(authenticate(None, &options(), &tokens).is_err());
        assert!(authenticate(Some("Basic !!!"), &options(), &tokens).is_err());
    }

    #[test]
    fn issued_tokens_work_until_revoked() {
        let mut tokens = Tokens::default();
        let scope = "https%3A%2F%2Foutlook.office365.com%2F.default";
        let (status, body) =
            token_endpoint("contoso", &form("s3cret", scope), &options(), &mut tokens);
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (v["token_type"].as_str(), v["expires_in"].as_u64()),
            (Some("Bearer"), Some(3599))
        );
        let header = format!("Bearer {}", v["access_token"].as_str().unwrap());
        assert!(matches!(
            authenticate(Some(&header), &options(), &tokens),
            Ok(Principal::App { .. })
        ));
        tokens.revoke_all();
        let err = authenticate(Some(&header), &options(), &tokens).unwrap_err();
        assert!(err.www_authenticate[0].contains(r#"error="invalid_token""#));
    }

    #[test]
    fn a_graph_token_is_not_good_for_ews() {
        let mut tokens = Tokens::default();
        let token = tokens.issue("contoso", "app-1", Audience::Graph, Duration::from_secs(60));
        let header = format!("Bearer {token}");
        let err = authenticate(Some(&header), &options(), &tokens).unwrap_err();
        assert!(err.diagnostics.unwrap().contains("audience"));
        assert_eq!(tokens.lookup(&token).map(|t| t.2), Some(Audience::Graph));
        assert_eq!(Audience::of_scope(GRAPH_SCOPE), Some(Audience::Graph));
        assert_eq!(
            Audience::of_scope("https://graph.microsoft.com/Mail.Read"),
            None
        );
    }
}
