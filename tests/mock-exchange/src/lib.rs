//! A mock Microsoft Exchange server for tests: EWS (SOAP over HTTP/1.1),
//! Microsoft Graph v1.0 (`graph`, under `/v1.0`) and the Microsoft Entra ID
//! token endpoint on loopback, with an in-memory organisation,
//! Basic and OAuth 2.0 authentication, ExchangeImpersonation, validation of every
//! request against Microsoft's EWS schema, and fault injection.
//!
//! The API is synchronous: the server runs its own tokio runtime on a background
//! thread, so plain `#[test]` functions can start it and spawn a host against it.
//!
//! ```no_run
//! use mock_exchange::{MockExchange, MockOptions};
//! let mock = MockExchange::start(MockOptions::default().basic_user("user@contoso.example", "pw")).unwrap();
//! mock.add_mailbox("user@contoso.example", "User");
//! println!("{}", mock.ews_url());
//! assert_eq!(mock.schema_failures(), 0);
//! ```

pub mod auth;
mod background;
pub mod bench_seed;
pub mod compose;
pub mod contacts;
mod control;
pub mod demo;
pub mod dom;
pub mod engine;
mod ews;
pub mod faults;
pub mod graph;
pub mod impersonation;
mod mailbox_api;
pub mod mime;
pub mod model;
pub mod ops;
mod options;
pub mod restriction;
pub mod schema;
mod server;
pub mod soap;
pub mod store;
#[cfg(test)]
mod test_support;

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;

pub use contacts::NewContact;
pub use engine::{EngineFault, EngineOptions, MockEngine};
pub use faults::Fault;
pub use mailbox_api::{MessageState, NewMessage};
pub use model::{ExternalAudience, Model, OofSettings, OofState};
pub use options::{MockOptions, OAuthApp};
pub use server::{Framing, ItemTrail};

/// One request as the mock saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The EWS operation (`GetUserOofSettings`, `FindItem`...), `token` for the token
    /// endpoint, empty when the body could not be read.
    pub operation: String,
    /// `Basic` or `Bearer` once authenticated; `None` for a 401 or the token endpoint.
    pub auth_scheme: Option<String>,
    /// The address named by ExchangeImpersonation.
    pub impersonated: Option<String>,
    /// The `X-AnchorMailbox` header.
    pub anchor_mailbox: Option<String>,
    /// The `client-request-id` header.
    pub client_request_id: Option<String>,
    /// `t:RequestServerVersion/@Version`.
    pub server_version: Option<String>,
    /// The HTTP status answered; 0 when the connection was dropped.
    pub status: u16,
    /// Why the body failed schema validation (empty when it passed).
    pub schema_errors: Vec<String>,
    /// The item ids of a GetItem (`ItemIds`) or UpdateItem (`ItemChanges`); 0 otherwise.
    pub item_count: usize,
    /// How the body was delimited on the wire.
    pub framing: Framing,
    /// The body's length as read; `None` when it was not read (refused first).
    pub body_len: Option<usize>,
    /// The request's place in the order of arrival, from 1 (the requests of
    /// one Graph `$batch` share their batch's).
    pub arrival: u64,
    /// Graph: the method and the URL below `/v1.0` (`GET /users/a@b/messages?...`).
    pub url: Option<String>,
    /// Graph: the mailbox of `/users/{u}`, as the model spells it.
    pub mailbox: Option<String>,
    /// Graph: the message the request addressed (its EWS id, as `fail_item`
    /// and `item_trails` name it).
    pub item_id: Option<String>,
    /// Graph: `error.code` of an error answer.
    pub error_code: Option<String>,
    /// Graph: the request's `id` inside its `$batch`.
    pub batch_id: Option<String>,
}

/// A running mock. Dropping it shuts the server down.
pub struct MockExchange {
    shared: Arc<server::Shared>,
    server: background::Background,
}

impl MockExchange {
    /// Binds `options.listen` (loopback only), compiles the schema (once per process
    /// for the default one) and starts serving on a background thread.
    pub fn start(options: MockOptions) -> anyhow::Result<MockExchange> {
        if !options.listen.ip().is_loopback() {
            anyhow::bail!(
                "refusing to listen on {}: the mock serves loopback only",
                options.listen.ip()
            );
        }
        let schema = match &options.schema_dir {
            Some(dir) => Arc::new(schema::Schema::load(dir)?),
            None => schema::shared()?,
        };
        let listener = TcpListener::bind(options.listen)
            .with_context(|| format!("cannot listen on {}", options.listen))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mock-exchange")
            .enable_all()
            .build()?;
        let recorder = match &options.record_requests {
            Some(path) => Some(Mutex::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            ))),
            None => None,
        };
        let shared = Arc::new(server::Shared {
            recorder,
            options,
            schema,
            state: Mutex::new(server::State::default()),
        });
        let server = background::Background::start(
            "mock-exchange",
            listener,
            runtime,
            shared.clone(),
            server::route,
        )?;
        Ok(MockExchange { shared, server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// `{base}/EWS/Exchange.asmx`.
    pub fn ews_url(&self) -> String {
        format!("{}/EWS/Exchange.asmx", self.base_url())
    }

    /// `{base}/v1.0`: Microsoft Graph's root on this mock.
    pub fn graph_url(&self) -> String {
        format!("{}/v1.0", self.base_url())
    }

    /// `{base}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.base_url())
    }

    /// Adds a mailbox (or renames an existing one).
    pub fn add_mailbox(&self, address: &str, display_name: &str) {
        self.shared.lock().model.add_mailbox(address, display_name);
    }

    /// Sets a mailbox's out-of-office settings.
    pub fn set_oof(&self, address: &str, oof: OofSettings) -> anyhow::Result<()> {
        let mut state = self.shared.lock();
        let mailbox = state
            .model
            .mailbox_mut(address)
            .with_context(|| format!("no mailbox {address}"))?;
        mailbox.oof = oof;
        Ok(())
    }

    /// Reads or changes the model directly.
    pub fn with_model<R>(&self, f: impl FnOnce(&mut Model) -> R) -> R {
        f(&mut self.shared.lock().model)
    }

    /// How many requests reached the token endpoint.
    pub fn token_requests(&self) -> usize {
        self.shared.lock().token_requests
    }

    /// Every request so far, in order (EWS and token endpoint).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.clone()
    }

    /// Graph requests (a `$batch`'s own requests too) answered 400: a query
    /// option, filter, id or body real Graph would refuse. E2e tests assert 0.
    pub fn graph_bad_requests(&self) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.operation.starts_with("graph") && r.status == 400)
            .count()
    }

    /// The Graph requests recorded so far.
    pub fn graph_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.operation.starts_with("graph"))
            .cloned()
            .collect()
    }

    /// How many requests failed schema validation.
    pub fn schema_failures(&self) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| !r.schema_errors.is_empty())
            .count()
    }

    /// Invalidates every token issued so far: EWS answers 401 `invalid_token`.
    pub fn revoke_tokens(&self) {
        self.shared.lock().tokens.revoke_all();
    }

    /// Queues `fault` for the next `times` requests of `operation` (`GetUserOofSettings`,
    /// `token` for the token endpoint, `*` for any EWS operation).
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        self.shared.lock().faults.inject(operation, fault, times);
    }
}
