//! Emails as a listing gives them and as a fetch gives them, transport-neutral.

use super::{Address, AttachmentInfo, ItemRef};

/// One email of a listing (a folder page, a search result).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FoundItem {
    pub id: ItemRef,
    pub subject: Option<String>,
    /// Unix seconds.
    pub received: Option<i64>,
    pub size: Option<u64>,
    /// The sender as a listing gives it (EWS FindItem: the name only).
    pub from: Option<Address>,
    /// The From address's SMTP form, when the server can say it in a listing
    /// (EWS: PidTagSentRepresentingSmtpAddress).
    pub from_smtp: Option<String>,
    pub is_read: Option<bool>,
    pub internet_message_id: Option<String>,
    /// Unix seconds.
    pub sent: Option<i64>,
    pub has_attachments: Option<bool>,
    pub importance: Option<String>,
    pub categories: Vec<String>,
}

/// One email fetched: its MIME (or why there is none) and what the server
/// says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailItem {
    pub id: ItemRef,
    /// The decoded MimeContent; `Err` says why there is none.
    pub mime: Result<Vec<u8>, String>,
    pub subject: Option<String>,
    pub received: Option<i64>,
    pub size: Option<u64>,
    pub categories: Vec<String>,
    pub importance: Option<String>,
    pub internet_message_id: Option<String>,
    /// The header fields and attachments, when asked for (no MIME then).
    pub details: Option<MailDetails>,
}

/// An email's header fields and attachment list, as the server holds them:
/// what stands in for the MIME of an email too large to fetch whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailDetails {
    pub from: Option<Address>,
    pub sender: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub sent: Option<i64>,
    /// InternetMessageHeaders, in order: (name, value).
    pub headers: Vec<(String, String)>,
    pub body_text: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
    pub preview: Option<String>,
}
