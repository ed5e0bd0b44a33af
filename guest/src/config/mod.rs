//! The connection settings, read through wasi:config and secrets once per
//! call, defaulted and checked, so that a mistake is reported by key name
//! before anything goes on the network.

pub mod fields;

use crate::ews::error::{Error, Identity};
use crate::ews::types::is_email_address;
use crate::platform::{url, Host};
use fields::{default_of, APIS, AUTH_METHODS, SERVER_VERSIONS};

/// Which protocol reaches the mailboxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Ews,
    Graph,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthConfig {
    OAuth2 {
        tenant: String,
        client_id: String,
        client_secret: String,
        token_url: String,
    },
    Basic {
        username: String,
        password: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub api: Api,
    pub ews_url: String,
    pub graph_url: String,
    pub auth: AuthConfig,
    pub primary_smtp_address: Option<String>,
    pub server_version: String,
    pub request_timeout_secs: u64,
}

impl Config {
    pub fn load(host: &dyn Host) -> Result<Config, Error> {
        let api = match value(host, "api")?.unwrap_or_default().as_str() {
            "ews" => Api::Ews,
            "graph" => Api::Graph,
            other => return Err(invalid("api", &APIS.join(" or "), other)),
        };
        let ews_url = value(host, "ews_url")?.unwrap_or_default();
        let graph_url = value(host, "graph_url")?
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string();
        // Only the endpoint in use must be right: a stale ews_url must not
        // stop a mailbox that moved to Graph.
        match api {
            Api::Ews => check_url("ews_url", &ews_url)?,
            Api::Graph => check_url("graph_url", &graph_url)?,
        }
        let primary_smtp_address = value(host, "primary_smtp_address")?;
        if let Some(a) = &primary_smtp_address {
            if !is_email_address(a) {
                return Err(invalid(
                    "primary_smtp_address",
                    "an email address such as soc@example.com",
                    a,
                ));
            }
        }
        let server_version = value(host, "server_version")?.unwrap_or_default();
        if !SERVER_VERSIONS.contains(&server_version.as_str()) {
            return Err(invalid(
                "server_version",
                &format!("one of {}", SERVER_VERSIONS.join(", ")),
                &server_version,
            ));
        }
        let timeout = value(host, "request_timeout_secs")?.unwrap_or_default();
        let request_timeout_secs = match timeout.parse::<u64>() {
            Ok(n @ 1..=3600) => n,
            _ => {
                return Err(invalid(
                    "request_timeout_secs",
                    "an integer from 1 to 3600",
                    &timeout,
                ))
            }
        };
        let method = value(host, "auth_method")?.unwrap_or_default();
        let auth =
            match method.as_str() {
                "oauth2" => oauth2(host, primary_smtp_address.is_some())?,
                "basic" if api == Api::Graph => return Err(Error::InvalidInput(
                    "auth_method: basic cannot be used with api = graph (Microsoft Graph accepts \
                     only OAuth 2.0 tokens): set auth_method = oauth2 with tenant, client_id and \
                     client_secret, or api = ews for an on-premises Exchange server"
                        .into(),
                )),
                "basic" => AuthConfig::Basic {
                    username: required(host, "username", "basic")?,
                    password: secret(host, "password", "basic")?,
                },
                other => return Err(invalid("auth_method", &AUTH_METHODS.join(" or "), other)),
            };
        Ok(Config {
            api,
            ews_url,
            graph_url,
            auth,
            primary_smtp_address,
            server_version,
            request_timeout_secs,
        })
    }

    /// The mailbox for ExchangeImpersonation. App-only OAuth tokens have no
    /// mailbox of their own, so they always impersonate; a Basic user only
    /// when acting on a mailbox other than its own.
    pub fn identity(&self) -> Identity {
        let account = match &self.auth {
            AuthConfig::OAuth2 { client_id, .. } => client_id.clone(),
            AuthConfig::Basic { username, .. } => username.clone(),
        };
        Identity {
            account,
            mailbox: self.primary_smtp_address.clone(),
            graph: self.api == Api::Graph,
        }
    }
}

fn oauth2(host: &dyn Host, has_mailbox: bool) -> Result<AuthConfig, Error> {
    let tenant = required(host, "tenant", "oauth2")?;
    // It goes into the token URL's path: a GUID or a domain, nothing else.
    if !tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(invalid(
            "tenant",
            "a tenant id (GUID) or domain such as contoso.onmicrosoft.com",
            &tenant,
        ));
    }
    let client_id = required(host, "client_id", "oauth2")?;
    if !has_mailbox {
        return Err(Error::InvalidInput(
            "primary_smtp_address: required for auth_method oauth2 (an app-only token has no mailbox \
             of its own: it acts on this one, by impersonation over EWS, as /users/{address} over Graph)"
                .into(),
        ));
    }
    let token_url = value(host, "token_url")?
        .unwrap_or_default()
        .replace("{tenant}", &tenant);
    check_url("token_url", &token_url)?;
    let client_secret = secret(host, "client_secret", "oauth2")?;
    Ok(AuthConfig::OAuth2 {
        tenant,
        client_id,
        client_secret,
        token_url,
    })
}

/// The configured value, else the manifest's default; blank counts as unset.
pub(crate) fn value(host: &dyn Host, key: &str) -> Result<Option<String>, Error> {
    let v = host
        .config_get(key)
        .map_err(|e| Error::Host(format!("reading configuration {key}: {e}")))?
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    Ok(v.or_else(|| default_of(key).map(str::to_string)))
}

fn required(host: &dyn Host, key: &str, method: &str) -> Result<String, Error> {
    value(host, key)?
        .ok_or_else(|| Error::InvalidInput(format!("{key}: required for auth_method {method}")))
}

fn secret(host: &dyn Host, key: &str, method: &str) -> Result<String, Error> {
    match host.secret(key) {
        Ok(Some(v)) if !v.is_empty() => Ok(v),
        Ok(_) => Err(Error::InvalidInput(format!(
            "{key}: a secret required for auth_method {method} is not set \
             (the reference host reads EWS_{} or {key}_file)",
            key.to_ascii_uppercase()
        ))),
        Err(e) => Err(Error::Host(format!("revealing secret {key}: {e}"))),
    }
}

fn check_url(key: &str, value: &str) -> Result<(), Error> {
    let u =
        url::parse(value).map_err(|e| invalid(key, &format!("an https:// URL ({e})"), value))?;
    if !u.https && !u.is_loopback() {
        return Err(invalid(
            key,
            "an https:// URL (http:// only for 127.0.0.0/8, localhost or [::1])",
            value,
        ));
    }
    Ok(())
}

pub(crate) fn invalid(key: &str, expected: &str, got: &str) -> Error {
    let got: String = got.chars().take(200).collect();
    Error::InvalidInput(format!("{key}: expected {expected}, got {got:?}"))
}

#[cfg(test)]
mod tests;
