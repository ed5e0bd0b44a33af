//! How a mock is started: users, OAuth apps, token lifetime, listen address.
//! `Debug` never shows a password or a client secret.

use std::net::SocketAddr;
use std::path::PathBuf;

/// An OAuth 2.0 app registration (client credentials) in a tenant.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthApp {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// How to start the mock. `Default` listens on `127.0.0.1:0` with no users.
#[derive(Clone)]
pub struct MockOptions {
    /// (user, password) pairs accepted with Basic auth; the user is also the
    /// address of the mailbox it owns.
    pub basic_users: Vec<(String, String)>,
    pub oauth_apps: Vec<OAuthApp>,
    /// `expires_in` of issued tokens, and how long they stay valid (default 3599).
    pub token_lifetime_secs: u64,
    /// Must be a loopback address.
    pub listen: SocketAddr,
    /// Defaults to this crate's `schema/`.
    pub schema_dir: Option<PathBuf>,
    /// One line per request on stderr (never a credential).
    pub log_requests: bool,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            basic_users: Vec::new(),
            oauth_apps: Vec::new(),
            token_lifetime_secs: 3599,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            schema_dir: None,
            log_requests: false,
        }
    }
}

impl std::fmt::Debug for MockOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let users: Vec<&str> = self.basic_users.iter().map(|(u, _)| u.as_str()).collect();
        f.debug_struct("MockOptions")
            .field("basic_users", &users)
            .field("oauth_apps", &self.oauth_apps)
            .field("token_lifetime_secs", &self.token_lifetime_secs)
            .field("listen", &self.listen)
            .field("schema_dir", &self.schema_dir)
            .field("log_requests", &self.log_requests)
            .finish()
    }
}

impl MockOptions {
    pub fn basic_user(mut self, user: &str, password: &str) -> Self {
        self.basic_users
            .push((user.to_string(), password.to_string()));
        self
    }

    pub fn oauth_app(mut self, tenant: &str, client_id: &str, client_secret: &str) -> Self {
        self.oauth_apps.push(OAuthApp {
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
        });
        self
    }

    pub fn token_lifetime_secs(mut self, secs: u64) -> Self {
        self.token_lifetime_secs = secs;
        self
    }

    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    pub fn log_requests(mut self, on: bool) -> Self {
        self.log_requests = on;
        self
    }
}
