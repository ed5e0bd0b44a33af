//! The actions the manifest lists, each a module implementing `Action`: it
//! declares its name, kind and schemas (which the manifest publishes) and
//! runs on a `Context` that loads configuration and the client only when
//! the parameters are good.

mod get_out_of_office;
mod params;

use crate::config::Config;
use crate::ews::client::Client;
use crate::ews::error::{Error, Failure, Identity};
use crate::platform::{File, Host, Level};
use serde_json::{Map, Value};

pub struct Output {
    pub json: String,
    pub files: Vec<File>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // containment and notification actions come with later issues
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

pub trait Action: Sync {
    fn name(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn kind(&self) -> Kind;
    fn description(&self) -> &'static str;
    /// JSON Schema of `params`.
    fn params_schema(&self) -> Value;
    /// JSON Schema of the output document.
    fn output_schema(&self) -> Value;
    fn run(
        &self,
        ctx: &mut Context,
        params: &Map<String, Value>,
        files: Vec<File>,
    ) -> Result<Output, Error>;
}

pub static ALL: &[&dyn Action] = &[&get_out_of_office::GetOutOfOffice];

pub struct Context<'h> {
    pub host: &'h dyn Host,
    config: Option<Config>,
    client: Option<Client<'h>>,
}

impl<'h> Context<'h> {
    pub fn new(host: &'h dyn Host) -> Self {
        Context {
            host,
            config: None,
            client: None,
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

    pub fn client(&mut self) -> Result<&mut Client<'h>, Error> {
        if self.client.is_none() {
            let client = Client::new(self.host, self.config()?);
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| Error::Host("client unavailable".into()))
    }

    fn identity(&self) -> Identity {
        self.config
            .as_ref()
            .map(Config::identity)
            .unwrap_or_default()
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
    let mut ctx = Context::new(host);
    host.log(Level::Info, "actions", &format!("{name}: started"));
    match action.run(&mut ctx, &params, files) {
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
            host.log(level, "actions", &format!("{name}: {failure:?}"));
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
