//! The one place that picks the transport from `api`: the actions and the
//! daemon get a `Mailbox` and never know which.

use crate::config::{Api, Config};
use crate::ews::client::Client;
use crate::ews::mailbox::EwsMailbox;
use crate::graph::client::GraphClient;
use crate::graph::mailbox::GraphMailbox;
use crate::mailbox::Mailbox;
use crate::platform::Host;

pub fn open<'h>(host: &'h dyn Host, config: &Config) -> Box<dyn Mailbox + 'h> {
    match config.api {
        Api::Ews => Box::new(EwsMailbox::new(Client::new(host, config))),
        Api::Graph => Box::new(GraphMailbox::new(GraphClient::new(host, config))),
    }
}
