//! One module per EWS operation (as exchangelib's `services/`): each has `ELEMENT`
//! (the request element in the messages namespace) and `handle`, which reads the
//! request and writes the response. The server does auth, impersonation and schema
//! validation before an operation runs.

pub mod common;
pub mod copy_item;
pub mod create_attachment;
pub mod create_item;
pub mod delete_attachment;
pub mod delete_item;
pub mod find_folder;
pub mod find_item;
pub mod get_attachment;
pub mod get_folder;
pub mod get_item;
pub mod get_searchable_mailboxes;
pub mod get_user_oof_settings;
pub mod item_xml;
pub mod mark_as_junk;
pub mod send_item;
pub mod sending;
pub mod update_item;

use crate::model::Model;
use crate::soap::{Envelope, SoapFault};

/// Who is calling, and on which mailbox.
pub struct Call<'a> {
    pub envelope: &'a Envelope,
    /// The mailbox the request acts as: the impersonated one, or the Basic user's own.
    pub mailbox: &'a str,
    /// An OAuth app (full_access_as_app): may read any mailbox it impersonates.
    pub app_only: bool,
    pub model: &'a mut Model,
}

/// An operation's answer.
pub enum Reply {
    /// HTTP 200 with this SOAP envelope (which may hold error response messages).
    Ok(Vec<u8>),
    /// HTTP 500 with this SOAP fault.
    Fault(SoapFault),
}

pub type Handler = fn(&mut Call) -> Reply;

/// The operations the mock implements, by request element name.
pub const OPERATIONS: &[(&str, Handler)] = &[
    (
        get_user_oof_settings::ELEMENT,
        get_user_oof_settings::handle,
    ),
    (find_folder::ELEMENT, find_folder::handle),
    (get_folder::ELEMENT, get_folder::handle),
    (find_item::ELEMENT, find_item::handle),
    (get_item::ELEMENT, get_item::handle),
    (get_attachment::ELEMENT, get_attachment::handle),
    (
        get_searchable_mailboxes::ELEMENT,
        get_searchable_mailboxes::handle,
    ),
    (update_item::ELEMENT, update_item::handle),
    (delete_item::ELEMENT, delete_item::handle),
    (copy_item::ELEMENT, copy_item::handle),
    (mark_as_junk::ELEMENT, mark_as_junk::handle),
    (delete_attachment::ELEMENT, delete_attachment::handle),
    (create_item::ELEMENT, create_item::handle),
    (create_attachment::ELEMENT, create_attachment::handle),
    (send_item::ELEMENT, send_item::handle),
];

/// The handler for a request element, if the mock implements it.
pub fn find(element: &str) -> Option<Handler> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == element)
        .map(|(_, h)| *h)
}
