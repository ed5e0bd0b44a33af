//! The transport-neutral values the `Mailbox` methods take and give.

/// An item, and the version of it the caller saw (EWS ChangeKey; Graph's
/// changeKey). Ids are opaque strings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemRef {
    pub id: String,
    pub change_key: Option<String>,
}

impl ItemRef {
    pub fn new(id: &str) -> ItemRef {
        ItemRef {
            id: id.to_string(),
            change_key: None,
        }
    }
}

/// A display name and an SMTP address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub name: Option<String>,
    pub address: Option<String>,
}

/// Why one item of a call failed, while the others may have succeeded: the
/// server's code (`ErrorItemNotFound`...) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemError {
    pub code: String,
    pub message: String,
}

impl ItemError {
    /// "ErrorItemNotFound: The specified object was not found in the store."
    pub fn describe(&self) -> String {
        let text = self.message.trim();
        if text.is_empty() {
            self.code.clone()
        } else {
            format!("{}: {text}", self.code)
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(
            self.code.as_str(),
            "ErrorItemNotFound" | "ErrorAttachmentNotFound" | "ErrorInvalidIdNotAnItemAttachmentId"
        )
    }
}

/// A mailbox's automatic-reply settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfOffice {
    /// Enabled, Disabled or Scheduled.
    pub state: String,
    /// None, Known or All.
    pub external_audience: String,
    /// (start, end) in Unix seconds.
    pub duration: Option<(i64, i64)>,
    pub internal_reply: String,
    pub external_reply: String,
    pub allow_external_oof: Option<String>,
}

/// An item's MIME and what the server says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimeItem {
    pub item: ItemRef,
    pub mime: Vec<u8>,
    pub subject: Option<String>,
    pub internet_message_id: Option<String>,
}

/// One attachment as its item lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachmentInfo {
    pub id: String,
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub content_id: Option<String>,
    pub size: Option<u64>,
    pub inline: bool,
    /// An attached item (an email), not a file.
    pub is_item: bool,
}

/// An item's attachments, and the item as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachments {
    pub item: ItemRef,
    pub attachments: Vec<AttachmentInfo>,
}

/// A folder: a well-known one by name (`inbox`, `junkemail`...), in the
/// given mailbox or the caller's, or one by the server's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderRef {
    Distinguished {
        name: String,
        mailbox: Option<String>,
    },
    Id(String),
}

/// A child folder as a listing gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub id: String,
    pub display_name: String,
}

/// A message body: EWS carries one, plain text or HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Text(String),
    Html(String),
}

/// A file to attach, its bytes moved in from the invocation's input files
/// (not copied: a 25 MB attachment is already large once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingFile {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A message to send. Addresses are already checked (addr-spec); text is
/// already refused where XML cannot carry it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outgoing {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Vec<String>,
    /// Send as this address instead of the mailbox's own.
    pub from: Option<String>,
    pub subject: Option<String>,
    pub body: Option<Body>,
    /// Low, Normal or High.
    pub importance: Option<String>,
    pub attachments: Vec<OutgoingFile>,
    /// Keep a copy in Sent Items.
    pub save_copy: bool,
    /// The Message-ID to send with, so the caller knows it without reading
    /// the sent copy back.
    pub internet_message_id: Option<String>,
}
