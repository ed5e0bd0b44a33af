//! The mail-ingest daemon (docs/daemon.md): `poll` hands out new emails of
//! one folder as records, `ack` records them delivered and marks them read.
//! Everything it remembers is in wasi:keyvalue (`checkpoint`), written in an
//! order that leaves a safe state whatever step a crash interrupts.

mod ack;
mod checkpoint;
pub mod config;
mod fetch;
mod folder;
mod oversize;
mod poll;
mod record;
mod restriction;

#[cfg(test)]
mod fake_tests;
#[cfg(test)]
mod tests;

use crate::config::{AuthConfig, Config};
use crate::ews::error::{Error, Failure, Identity};
use crate::mailbox::Mailbox;
use crate::platform::{File, Host, Level};
use checkpoint::Checkpoint;
use config::DaemonConfig;
use sha2::{Digest, Sha256};

const LOG: &str = "daemon";

/// FindItem/FindFolder page size, and Graph's `$top`: the most either
/// serves (Exchange Online's EWSFindCountLimit, Graph's limit for messages),
/// so that a folder of new mail is listed in one request per 1,000 emails.
const PAGE_SIZE: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub json: String,
    pub files: Vec<File>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub items: Vec<Item>,
    pub more: bool,
    /// Emails still waiting after this batch, by the server's count.
    pub remaining: Option<u64>,
}

pub fn poll(host: &dyn Host, max: u32) -> Result<Batch, Failure> {
    run(host, "poll", |s| poll::poll(s, max, PAGE_SIZE))
}

pub fn ack(host: &dyn Host, ids: &[String]) -> Result<(), Failure> {
    run(host, "ack", |s| ack::ack(s, ids))
}

/// The scope of the state `poll` and `ack` keep for this configuration (the
/// contract's `daemon.scope`): a host leases it to share the state safely.
pub fn state_scope(host: &dyn Host) -> Result<String, Failure> {
    let mut identity = Identity::default();
    let result = Config::load(host).and_then(|config| {
        identity = config.identity();
        let daemon = DaemonConfig::load(host)?;
        Ok(scope(&mailbox_of(&config), &daemon.folder))
    });
    result.map_err(|e| e.into_failure(&identity))
}

/// What one poll or ack works with.
pub struct Session<'h> {
    pub host: &'h dyn Host,
    pub config: Config,
    pub daemon: DaemonConfig,
    /// Lowercased: the mailbox part of every record id.
    pub mailbox: String,
    /// The transport: the daemon speaks to it, never to SOAP.
    pub server: Box<dyn Mailbox + 'h>,
    pub checkpoint: Checkpoint<'h>,
}

impl<'h> Session<'h> {
    fn open(host: &'h dyn Host) -> Result<Session<'h>, Error> {
        Self::open_with(host, |config| crate::transport::open(host, config))
    }

    /// A session on another transport (the tests' fake mailbox).
    fn open_with(
        host: &'h dyn Host,
        server: impl FnOnce(&Config) -> Box<dyn Mailbox + 'h>,
    ) -> Result<Session<'h>, Error> {
        let config = Config::load(host)?;
        let daemon = DaemonConfig::load(host)?;
        let mailbox = mailbox_of(&config);
        let now = host.now_unix_secs() as i64;
        let checkpoint = Checkpoint::open(host, &scope(&mailbox, &daemon.folder), now)?;
        Ok(Session {
            host,
            server: server(&config),
            config,
            daemon,
            mailbox,
            checkpoint,
        })
    }

    pub fn now(&self) -> i64 {
        self.host.now_unix_secs() as i64
    }

    pub fn log(&self, level: Level, message: &str) {
        self.host.log(level, LOG, message);
    }
}

fn run<T>(
    host: &dyn Host,
    what: &str,
    f: impl FnOnce(&mut Session) -> Result<T, Error>,
) -> Result<T, Failure> {
    let mut identity = Identity::default();
    let result = Session::open(host).and_then(|mut s| {
        identity = s.config.identity();
        f(&mut s)
    });
    result.map_err(|e| {
        let failure = e.into_failure(&identity);
        let level = if matches!(failure, Failure::Internal(_)) {
            Level::Error
        } else {
            Level::Warn
        };
        host.log(level, LOG, &format!("{what}: {failure}"));
        failure
    })
}

/// The mailbox the daemon reads: primary_smtp_address, else the Basic user's own.
fn mailbox_of(config: &Config) -> String {
    let m = match (&config.primary_smtp_address, &config.auth) {
        (Some(m), _) => m.clone(),
        (None, AuthConfig::Basic { username, .. }) => username.clone(),
        (None, AuthConfig::OAuth2 { client_id, .. }) => client_id.clone(),
    };
    m.to_lowercase()
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The record id: stable across polls, restarts and transports
/// (docs/daemon.md): it hashes the EWS form of the item id, which a Graph id
/// converts to.
pub fn record_id(mailbox: &str, item_id: &str) -> String {
    let item_id = crate::mailbox::ids::ews_form(item_id);
    let h = sha256_hex(&format!("{}\n{item_id}", mailbox.to_lowercase()));
    format!("ews-{}", &h[..32])
}

/// The checkpoint's scope: one per mailbox and folder. Paths are matched
/// case-insensitively, so `Inbox/X` and `inbox/x` share one; ids do not.
fn scope(mailbox: &str, folder: &str) -> String {
    let folder = if folder.starts_with("id:") {
        folder.to_string()
    } else {
        folder.to_lowercase()
    };
    sha256_hex(&format!("{}\n{folder}", mailbox.to_lowercase()))[..16].to_string()
}
