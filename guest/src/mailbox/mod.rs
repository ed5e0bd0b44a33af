//! The seam between what the actions (and the daemon) want of a mailbox and
//! how a transport does it: EWS (`ews::mailbox`) or Microsoft Graph
//! (`graph::mailbox`).
//! Nothing here names SOAP or OData; parameters are checked and outputs
//! shaped once, in the actions, whichever transport serves them.
//!
//! Every method takes the mailbox it acts on (an SMTP address), because the
//! target is per call: one action may read one mailbox and copy into
//! another. Calls that act on several items answer one result per item, in
//! order, so that some can fail while the others succeed.

#[cfg(test)]
pub mod fake;
pub mod folders;
pub mod ids;
mod items;
pub mod pack;
mod search;
mod types;

pub use crate::ews::error::Error;
pub use items::*;
pub use search::*;
pub use types::*;

pub trait Mailbox {
    /// The direct children of a folder.
    fn child_folders(&mut self, mailbox: &str, parent: &FolderRef) -> Result<Vec<Folder>, Error>;

    /// One page of the emails that match, newest or oldest first.
    fn search(&mut self, mailbox: &str, search: &Search) -> Result<Found, Error>;

    /// A page of the contacts of `mailbox`'s Contacts folder, by display
    /// name, and how many there are in all.
    fn contacts(
        &mut self,
        mailbox: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<Contact>, u64), Error>;

    /// The mailboxes an eDiscovery search may cover, asked as `mailbox`;
    /// `filter` matches names and addresses.
    fn searchable_mailboxes(
        &mut self,
        mailbox: &str,
        filter: Option<&str>,
        expand_groups: bool,
    ) -> Result<Vec<SearchableMailbox>, Error>;

    /// The automatic-reply settings of `of`, read as `mailbox`.
    fn out_of_office(&mut self, mailbox: &str, of: &str) -> Result<OutOfOffice, Error>;

    /// Each item's MIME exactly as the server holds it, with what the server
    /// says of it. An answer too large to read is `Err` with
    /// `Error::is_too_large`: ask for fewer.
    fn mime(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<MailItem, ItemError>>, Error>;

    /// An item's header fields and attachment list without its MIME (for an
    /// email too large to fetch whole); its text body too when `body`.
    fn details(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
        body: bool,
    ) -> Result<Result<MailItem, ItemError>, Error>;

    /// A page of the unread emails of `folder` that `watch` lets through,
    /// oldest first.
    fn watch_page(
        &mut self,
        mailbox: &str,
        folder: &FolderRef,
        watch: &Watch,
        offset: u32,
        page_size: u32,
    ) -> Result<WatchPage, Error>;

    /// Marks the items read, without sending read receipts.
    fn mark_read(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<(), ItemError>>, Error>;

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

    // containment
    /// Deletes items in one request; one result per id, in order.
    fn delete(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        mode: DeleteMode,
    ) -> Result<Vec<Result<(), ItemError>>, Error>;

    /// Copies items into `to` (possibly another mailbox's folder) in one
    /// request; per id, the copy's id where the server gives one.
    fn copy(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        to: &FolderRef,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error>;

    /// Reports items as junk (or not) in one request; per id, where the
    /// item moved, when it did.
    fn report_junk(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        report: JunkReport,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error>;

    /// Deletes attachments (of one item or several) in one request; per
    /// attachment id, the item that held it as it is now.
    fn delete_attachments(
        &mut self,
        mailbox: &str,
        attachment_ids: &[String],
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error>;

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

/// Every folder below `root` (whose path is `root_path`), depth first, with
/// its path; at most `max`, so that a huge tree is refused rather than walked.
pub fn folder_tree(
    mb: &mut dyn Mailbox,
    mailbox: &str,
    root: FolderRef,
    root_path: &str,
    max: usize,
) -> Result<Vec<(FolderRef, String)>, Error> {
    let mut out = vec![(root, root_path.to_string())];
    let mut next = 0;
    while next < out.len() {
        let (parent, path) = out[next].clone();
        next += 1;
        for child in mb.child_folders(mailbox, &parent)? {
            if !child.holds_mail() {
                continue;
            }
            if out.len() >= max {
                return Err(Error::InvalidInput(format!(
                    "params.deep: {root_path:?} holds more than {max} folders; search a folder below it"
                )));
            }
            let child_path = if path.is_empty() {
                child.display_name.clone()
            } else {
                format!("{path}/{}", child.display_name)
            };
            out.push((FolderRef::Id(child.id), child_path));
        }
    }
    Ok(out)
}
