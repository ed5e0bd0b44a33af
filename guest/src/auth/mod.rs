//! Credentials as an `Authorization` header value. OAuth tokens come from the
//! cache or the token endpoint; `refresh` drops a token the server refused.

pub mod basic;
pub mod oauth2;
pub mod token_cache;

use crate::config::{AuthConfig, Config};
use crate::ews::error::Error;
use crate::platform::Host;

pub enum Auth {
    Basic {
        header: String,
    },
    OAuth2 {
        creds: OAuthCreds,
        cache_key: String,
        token: Option<String>,
    },
}

pub struct OAuthCreds {
    token_url: String,
    client_id: String,
    client_secret: String,
    scope: &'static str,
    timeout_secs: u64,
}

impl Auth {
    /// Credentials for tokens of `scope`'s audience (`oauth2::SCOPE` for
    /// EWS, `oauth2::GRAPH_SCOPE` for Graph).
    pub fn new(config: &Config, scope: &'static str) -> Auth {
        match &config.auth {
            AuthConfig::Basic { username, password } => Auth::Basic {
                header: basic::header(username, password),
            },
            AuthConfig::OAuth2 {
                tenant,
                client_id,
                client_secret,
                token_url,
            } => Auth::OAuth2 {
                cache_key: token_cache::key(token_url, tenant, client_id, client_secret, scope),
                creds: OAuthCreds {
                    token_url: token_url.clone(),
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    scope,
                    timeout_secs: config.request_timeout_secs,
                },
                token: None,
            },
        }
    }

    /// The `Authorization` header value.
    pub fn header(&mut self, host: &dyn Host) -> Result<String, Error> {
        match self {
            Auth::Basic { header } => Ok(header.clone()),
            Auth::OAuth2 {
                creds,
                cache_key,
                token,
            } => {
                if token.is_none() {
                    *token = token_cache::load(host, cache_key);
                }
                if token.is_none() {
                    let fresh = oauth2::fetch(
                        host,
                        &oauth2::Credentials {
                            token_url: &creds.token_url,
                            client_id: &creds.client_id,
                            client_secret: &creds.client_secret,
                            scope: creds.scope,
                            timeout_secs: creds.timeout_secs,
                        },
                    )?;
                    token_cache::store(host, cache_key, &fresh);
                    *token = Some(fresh.access_token);
                }
                Ok(format!("Bearer {}", token.as_deref().unwrap_or_default()))
            }
        }
    }

    /// After a 401: forget the token so that `header` fetches a new one.
    /// `false` when nothing can change (Basic): retrying would be pointless.
    pub fn refresh(&mut self, host: &dyn Host) -> bool {
        match self {
            Auth::Basic { .. } => false,
            Auth::OAuth2 {
                cache_key, token, ..
            } => {
                token_cache::invalidate(host, cache_key);
                *token = None;
                true
            }
        }
    }

    pub fn refused_message(&self) -> &'static str {
        match self {
            Auth::Basic { .. } => "Exchange refused username/password (HTTP 401)",
            Auth::OAuth2 { .. } => {
                "Exchange refused a freshly issued token (HTTP 401): does the application have the \
                 full_access_as_app permission for Office 365 Exchange Online, with admin consent?"
            }
        }
    }
}
