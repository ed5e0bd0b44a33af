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
    /// `IPF.Note` for mail, `IPF.Appointment`, `IPF.Contact`...
    pub class: Option<String>,
}

impl Folder {
    /// A folder of email (or of unknown class, which is searched rather than skipped).
    pub fn holds_mail(&self) -> bool {
        self.class
            .as_deref()
            .is_none_or(|c| c == "IPF" || c.starts_with("IPF.Note"))
    }
}

/// A mailbox an eDiscovery search may cover.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchableMailbox {
    pub guid: String,
    pub primary_smtp_address: String,
    pub display_name: String,
    pub is_external: bool,
    pub external_email_address: Option<String>,
    /// A distribution group rather than a mailbox.
    pub is_membership_group: bool,
    pub reference_id: String,
}

/// A contact of a mailbox's Contacts folder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub item: ItemRef,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub emails: Vec<String>,
    /// (kind such as `BusinessPhone`, number).
    pub phones: Vec<(String, String)>,
}

/// How a delete disposes of an item: into Deleted Items (recoverable by the
/// user), into the recoverable-items dumpster (soft), or purged (hard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteMode {
    MoveToDeletedItems,
    Soft,
    Hard,
}

/// What a junk report does besides marking the sender: move the item to
/// Junk Email (or back to the Inbox when it is not junk) or leave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JunkReport {
    pub is_junk: bool,
    pub move_item: bool,
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
