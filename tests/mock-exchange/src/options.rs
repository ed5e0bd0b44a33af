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
    /// Microsoft Graph application permissions (roles) by client id, for the
    /// apps that do not hold `DEFAULT_GRAPH_ROLES`.
    pub graph_roles: Vec<(String, Vec<String>)>,
    /// Application Access Policies by client id: the only mailboxes the app
    /// may reach through Graph (lower-cased addresses).
    pub access_policies: Vec<(String, Vec<String>)>,
    /// A fixed delay before every HTTP request is served (a `$batch` is one
    /// request): a model of the network and server latency, for benchmarks.
    pub latency_ms: u64,
    /// Append every HTTP request (method, target, headers, body) to this file
    /// as one JSON line, for a replay (`bench/replay.py`).
    pub record_requests: Option<PathBuf>,
    /// Serve the mock's own control paths `GET /_mock/stats` (request counts,
    /// unread counts): for benchmarks; no Exchange or Graph path starts so.
    pub control: bool,
}

/// The Graph application permissions an app holds unless `graph_roles` says otherwise.
pub const DEFAULT_GRAPH_ROLES: &[&str] = &[
    "Mail.ReadWrite",
    "Mail.Send",
    "MailboxSettings.Read",
    "Contacts.Read",
    "User.Read.All",
];

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            basic_users: Vec::new(),
            oauth_apps: Vec::new(),
            token_lifetime_secs: 3599,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            schema_dir: None,
            log_requests: false,
            graph_roles: Vec::new(),
            access_policies: Vec::new(),
            latency_ms: 0,
            record_requests: None,
            control: false,
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
            .field("graph_roles", &self.graph_roles)
            .field("access_policies", &self.access_policies)
            .field("latency_ms", &self.latency_ms)
            .field("record_requests", &self.record_requests)
            .field("control", &self.control)
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

    pub fn latency_ms(mut self, ms: u64) -> Self {
        self.latency_ms = ms;
        self
    }

    pub fn record_requests(mut self, path: Option<PathBuf>) -> Self {
        self.record_requests = path;
        self
    }

    pub fn control(mut self, on: bool) -> Self {
        self.control = on;
        self
    }

    pub fn log_requests(mut self, on: bool) -> Self {
        self.log_requests = on;
        self
    }

    /// The Graph application permissions `client_id` holds, instead of
    /// `DEFAULT_GRAPH_ROLES` (`&[]`: none, so every Graph call is 403).
    pub fn graph_roles(mut self, client_id: &str, roles: &[&str]) -> Self {
        self.graph_roles
            .retain(|(c, _)| !c.eq_ignore_ascii_case(client_id));
        let roles = roles.iter().map(|r| r.to_string()).collect();
        self.graph_roles.push((client_id.to_string(), roles));
        self
    }

    /// An Application Access Policy (RestrictAccess): through Graph,
    /// `client_id` reaches these mailboxes only; the others answer 403.
    pub fn access_policy(mut self, client_id: &str, mailboxes: &[&str]) -> Self {
        self.access_policies
            .retain(|(c, _)| !c.eq_ignore_ascii_case(client_id));
        let allowed = mailboxes
            .iter()
            .map(|m| m.trim().to_ascii_lowercase())
            .collect();
        self.access_policies.push((client_id.to_string(), allowed));
        self
    }

    /// The Graph roles `client_id` holds.
    pub fn roles_of(&self, client_id: &str) -> Vec<String> {
        match self
            .graph_roles
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(client_id))
        {
            Some((_, roles)) => roles.clone(),
            None => DEFAULT_GRAPH_ROLES.iter().map(|r| r.to_string()).collect(),
        }
    }

    /// Whether an Application Access Policy lets `client_id` reach `mailbox`.
    pub fn policy_allows(&self, client_id: &str, mailbox: &str) -> bool {
        self.access_policies
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(client_id))
            .is_none_or(|(_, allowed)| allowed.contains(&mailbox.trim().to_ascii_lowercase()))
    }
}
