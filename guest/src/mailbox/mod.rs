//! The seam between what the actions (and the daemon) want of a mailbox and
//! how a transport does it: EWS today (`ews::mailbox`), Microsoft Graph next.
//! Nothing here names SOAP or OData; parameters are checked and outputs
//! shaped once, in the actions, whichever transport serves them.
//!
//! Every method takes the mailbox it acts on (an SMTP address), because the
//! target is per call: one action may read one mailbox and copy into
//! another. Calls that act on several items answer one result per item, in
//! order, so that some can fail while the others succeed.

pub mod folders;
mod types;

pub use crate::ews::error::Error;
pub use types::*;

pub trait Mailbox {
    /// The direct children of a folder.
    fn child_folders(&mut self, mailbox: &str, parent: &FolderRef) -> Result<Vec<Folder>, Error>;

    /// The automatic-reply settings of `of`, read as `mailbox`.
    fn out_of_office(&mut self, mailbox: &str, of: &str) -> Result<OutOfOffice, Error>;

    /// Each item's MIME exactly as the server holds it, with its summary.
    fn mime(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<MimeItem, ItemError>>, Error>;

    /// An item's attachments, listed (no content), and its current change key.
    fn attachments(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
    ) -> Result<Result<Attachments, ItemError>, Error>;

    /// One attachment's bytes: a file's content, an attached email's MIME.
    fn attachment(
        &mut self,
        mailbox: &str,
        attachment_id: &str,
    ) -> Result<Result<Vec<u8>, ItemError>, Error>;

    // notification
    /// Sends `message` from `mailbox`.
    fn send(&mut self, mailbox: &str, message: &Outgoing) -> Result<(), Error>;

    /// Replies (to the sender, or to all when `all`) to `original` in
    /// `mailbox`, quoting it as the server does; `message` adds recipients,
    /// the new body and attachments (its subject, from and reply_to are not
    /// used: a reply's are the server's).
    fn reply(
        &mut self,
        mailbox: &str,
        original: &ItemRef,
        all: bool,
        message: &Outgoing,
    ) -> Result<(), Error>;
}

/// `path` (`Inbox/Phishing`, `junkemail`) in `mailbox`, or `id:<folder id>`;
/// not-found names the first missing level.
pub fn resolve_folder(mb: &mut dyn Mailbox, mailbox: &str, path: &str) -> Result<FolderRef, Error> {
    if let Some(id) = path.strip_prefix("id:") {
        return Ok(FolderRef::Id(id.trim().to_string()));
    }
    folders::resolve(path, Some(mailbox), &mut |parent| {
        mb.child_folders(mailbox, parent)
    })
}
