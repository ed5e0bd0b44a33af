//! The actions the manifest lists, each a module implementing `Action`: it
//! declares its name, kind, parameter table and output schema (which the
//! manifest publishes) and runs on a `Context` that loads configuration and
//! the mailbox transport only when the parameters are good. Actions speak to
//! `mailbox::Mailbox`, never to SOAP.

mod batch;
mod copy_email;
mod delete_attachments;
mod delete_email;
mod download_mail_as_eml;
mod get_attachments;
mod get_contacts;
mod get_out_of_office;
mod get_searchable_mailboxes;
mod junk_mail;
pub mod params;
mod reply_to_email;
mod search_emails_extended;
mod send_email;

use crate::config::Config;
use crate::ews::error::{Error, Failure, Identity};
use crate::mailbox::Mailbox;
use crate::platform::{File, Host, Level};
use params::{Checked, Param};
use serde_json::{Map, Value};

pub struct Output {
    pub json: String,
    pub files: Vec<File>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Enrichment,
    Containment,
    Notification,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Enrichment => "enrichment",
            Kind::Containment => "containment",
            Kind::Notification => "notification",
        }
    }
}

/// What the manifest says of an action besides its schemas.
pub struct About {
    pub name: &'static str,
    pub title: &'static str,
    pub kind: Kind,
    pub description: &'static str,
}

pub trait Action: Sync {
    fn about(&self) -> &'static About;
    fn name(&self) -> &'static str {
        self.about().name
    }
    fn title(&self) -> &'static str {
        self.about().title
    }
    fn kind(&self) -> Kind {
        self.about().kind
    }
    fn description(&self) -> &'static str {
        self.about().description
    }
    /// The parameters: the published JSON Schema and the checks both come
    /// from this table.
    fn params(&self) -> &'static [Param];
    /// JSON Schema of the output document.
    fn output_schema(&self) -> Value;
    /// Runs with parameters that passed the table's checks.
    fn run(&self, ctx: &mut Context, params: &Checked, files: Vec<File>) -> Result<Output, Error>;
}

pub static ALL: &[&dyn Action] = &[
    &copy_email::CopyEmail,
    &delete_attachments::DeleteAttachments,
    &delete_email::DeleteEmail,
    &download_mail_as_eml::DownloadMailAsEml,
    &get_attachments::GetAttachments,
    &get_contacts::GetContacts,
    &get_out_of_office::GetOutOfOffice,
    &get_searchable_mailboxes::GetSearchableMailboxes,
    &junk_mail::JunkMail,
    &reply_to_email::ReplyToEmail,
    &search_emails_extended::SearchEmailsExtended,
    &send_email::SendEmail,
];

pub struct Context<'h> {
    pub host: &'h dyn Host,
    config: Option<Config>,
    mailbox: Option<Box<dyn Mailbox + 'h>>,
}

impl<'h> Context<'h> {
    pub fn new(host: &'h dyn Host) -> Self {
        Context {
            host,
            config: None,
            mailbox: None,
        }
    }

    /// The mailbox transport, built on first use.
    pub fn mailbox(&mut self) -> Result<&mut dyn Mailbox, Error> {
        if self.mailbox.is_none() {
            let host = self.host;
            self.mailbox = Some(crate::transport::open(host, self.config()?));
        }
        self.mailbox
            .as_deref_mut()
            .map(|m| m as &mut dyn Mailbox)
            .ok_or_else(|| Error::Host("mailbox unavailable".into()))
    }

    /// `params.mailbox`, else `primary_smtp_address` (else the Basic user).
    pub fn target_mailbox(&mut self, p: &Checked) -> Result<String, Error> {
        if let Some(m) = p.str("mailbox") {
            return Ok(m);
        }
        self.primary_mailbox()
    }

    /// `primary_smtp_address`, else the Basic user's own mailbox.
    pub fn primary_mailbox(&mut self) -> Result<String, Error> {
        let config = self.config()?;
        match (&config.primary_smtp_address, &config.auth) {
            (Some(m), _) => Ok(m.clone()),
            (None, crate::config::AuthConfig::Basic { username, .. }) => Ok(username.clone()),
            (None, crate::config::AuthConfig::OAuth2 { .. }) => Err(Error::InvalidInput(
                "params.mailbox: required when primary_smtp_address is not set".into(),
            )),
        }
    }

    pub fn config(&mut self) -> Result<&Config, Error> {
        if self.config.is_none() {
            self.config = Some(Config::load(self.host)?);
        }
        self.config
            .as_ref()
            .ok_or_else(|| Error::Host("configuration unavailable".into()))
    }

    fn identity(&self) -> Identity {
        self.config
            .as_ref()
            .map(Config::identity)
            .unwrap_or_default()
    }
}

/// The failure for one email the server refused: not-found naming the id
/// and the mailbox, or the server's code.
pub fn email_not_found(
    id: &crate::mailbox::ItemRef,
    mailbox: &str,
    e: crate::mailbox::ItemError,
) -> Error {
    if e.is_not_found() || e.code == "ErrorInvalidIdMalformed" {
        Error::NotFound(format!(
            "item_id {}: no such email in mailbox {mailbox} ({})",
            id.id,
            e.describe()
        ))
    } else {
        Error::Response(crate::ews::error::CodeDetail {
            code: e.code,
            text: format!("item_id {}: {}", id.id, e.message),
            message_xml: vec![],
        })
    }
}

/// Runs the action `name`; every error becomes a failure with a message a
/// person can act on.
pub fn invoke(
    host: &dyn Host,
    name: &str,
    params: &str,
    files: Vec<File>,
) -> Result<Output, Failure> {
    let Some(action) = ALL.iter().find(|a| a.name() == name) else {
        let known: Vec<&str> = ALL.iter().map(|a| a.name()).collect();
        return Err(Failure::InvalidInput(format!(
            "unknown action {name:?}; known actions: {}",
            known.join(", ")
        )));
    };
    let params = parse_params(params)?;
    let checked = params::check(action.params(), &params)
        .map_err(|e| e.into_failure(&Identity::default()))?;
    let mut ctx = Context::new(host);
    host.log(Level::Info, "actions", &format!("{name}: started"));
    match action.run(&mut ctx, &checked, files) {
        Ok(out) => {
            host.log(Level::Info, "actions", &format!("{name}: done"));
            Ok(out)
        }
        Err(e) => {
            let failure = e.into_failure(&ctx.identity());
            let level = if matches!(failure, Failure::Internal(_)) {
                Level::Error
            } else {
                Level::Warn
            };
            host.log(level, "actions", &format!("{name}: {failure}"));
            Err(failure)
        }
    }
}

fn parse_params(params: &str) -> Result<Map<String, Value>, Failure> {
    if params.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(params) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::InvalidInput(
            "params: expected a JSON object".into(),
        )),
        Err(e) => Err(Failure::InvalidInput(format!(
            "params: not valid JSON ({e})"
        ))),
    }
}

#[cfg(test)]
mod tests;
