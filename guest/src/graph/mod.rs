//! The Microsoft Graph v1.0 transport (docs/graph.md): the same
//! `mailbox::Mailbox` as `ews`, over JSON and REST, for Exchange Online
//! once EWS is switched off there.

pub mod calls;
pub mod client;
mod convert;
pub mod error;
pub mod mailbox;
mod odata;
mod search;
mod types;
