//! `mailbox::Mailbox` over Microsoft Graph: each method is one call module's
//! request (docs/graph.md). Where v1.0 has no exact equivalent of what EWS
//! does, the nearest is taken and the action's description says so.

use super::calls::get_message::{self, Shape};
use super::calls::{
    child_folders, contacts, copy_message, delete_attachment, delete_message, folder_mailbox,
    get_attachment, get_mime, mailbox_settings, move_message, reply, send_mail, update_message,
    users,
};
use super::client::{GraphClient, BATCH_MAX};
use super::convert::{attachments, details, importance, item_ref, size, time};
use super::types::Message;
use crate::ews::error::Error;
use crate::mailbox::ids::{ews_form, rest_form};
use crate::mailbox::pack;
use crate::mailbox::{
    Attachments, Contact, DeleteMode, Folder, FolderRef, Found, FoundItem, ItemError, ItemRef,
    JunkReport, MailItem, Mailbox, OutOfOffice, Outgoing, Search, SearchableMailbox, Watch,
    WatchPage,
};
use std::collections::HashMap;

pub struct GraphMailbox<'h> {
    client: GraphClient<'h>,
    /// Which mailbox each folder listed so far lives in: Graph copies within
    /// one mailbox only, and a folder id alone does not say whose it is.
    folder_owners: HashMap<String, String>,
    /// What the last listings said of each email (by the id's EWS form),
    /// taken by `mime` instead of asking Graph again.
    listed: HashMap<String, FoundItem>,
}

/// An email larger than this (its listed size) has its MIME fetched alone,
/// streamed rather than held as base64 inside a batch's JSON.
const BATCHED_MIME_MAX: u64 = 4 * 1024 * 1024;
/// A bound on one `$batch` answer of MIMEs, estimated from the listed sizes.
const BATCH_ANSWER_MAX: u64 = 32 * 1024 * 1024;

/// The properties a listing gave, standing in for a fetch's.
fn listed(f: FoundItem) -> MailItem {
    MailItem {
        id: f.id,
        mime: Err("not fetched".into()),
        subject: f.subject,
        received: f.received,
        size: f.size,
        categories: f.categories,
        importance: f.importance,
        internet_message_id: f.internet_message_id,
        details: None,
    }
}

/// A fetched email's properties, its MIME still to come.
fn read(m: &Message) -> MailItem {
    MailItem {
        id: item_ref(m),
        mime: Err("not fetched".into()),
        subject: m.subject.clone(),
        received: time(&m.received_date_time),
        size: size(m),
        categories: m.categories.clone(),
        importance: importance(&m.importance),
        internet_message_id: m.internet_message_id.clone(),
        details: None,
    }
}

/// An email whose MIME Graph refused (gone since, say) is that error.
fn set_mime(item: &mut Result<MailItem, ItemError>, mime: Result<Vec<u8>, ItemError>) {
    match (item.as_mut(), mime) {
        (Ok(i), Ok(mime)) => i.mime = Ok(mime),
        (Ok(_), Err(e)) => *item = Err(e),
        (Err(_), _) => {}
    }
}

impl<'h> GraphMailbox<'h> {
    pub fn new(client: GraphClient<'h>) -> Self {
        GraphMailbox {
            client,
            folder_owners: HashMap::new(),
            listed: HashMap::new(),
        }
    }

    /// A destination for move and copy: a well-known name or an id.
    fn destination(folder: &FolderRef) -> String {
        match folder {
            FolderRef::Distinguished { name, .. } => name.clone(),
            FolderRef::Id(id) => rest_form(id),
        }
    }

    fn owner_of(&self, folder: &FolderRef) -> Option<String> {
        match folder {
            FolderRef::Distinguished { mailbox, .. } => mailbox.clone(),
            FolderRef::Id(id) => self.folder_owners.get(&rest_form(id)).cloned(),
        }
    }
}

impl Mailbox for GraphMailbox<'_> {
    fn child_folders(&mut self, mailbox: &str, parent: &FolderRef) -> Result<Vec<Folder>, Error> {
        let owner = folder_mailbox(parent, mailbox).to_string();
        let folders = child_folders::list(&mut self.client, mailbox, parent)?;
        for f in &folders {
            self.folder_owners.insert(rest_form(&f.id), owner.clone());
        }
        Ok(folders)
    }

    fn search(&mut self, mailbox: &str, search: &Search) -> Result<Found, Error> {
        super::search::search(&mut self.client, mailbox, search)
    }

    fn contacts(
        &mut self,
        mailbox: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<Contact>, u64), Error> {
        contacts::list(&mut self.client, mailbox, offset, limit)
    }

    fn searchable_mailboxes(
        &mut self,
        mailbox: &str,
        filter: Option<&str>,
        _expand_groups: bool,
    ) -> Result<Vec<SearchableMailbox>, Error> {
        users::mailboxes(&mut self.client, mailbox, filter)
    }

    fn out_of_office(&mut self, _mailbox: &str, of: &str) -> Result<OutOfOffice, Error> {
        mailbox_settings::out_of_office(&mut self.client, of)
    }

    fn mime(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<MailItem, ItemError>>, Error> {
        // The properties: from this session's listing (the daemon's poll
        // listed every id it fetches), else one batched GET each.
        let mut items: Vec<Option<Result<MailItem, ItemError>>> = ids
            .iter()
            .map(|id| self.listed.remove(&ews_form(&id.id)).map(|f| Ok(listed(f))))
            .collect();
        let missing: Vec<usize> = (0..ids.len()).filter(|&i| items[i].is_none()).collect();
        if !missing.is_empty() {
            let asked: Vec<ItemRef> = missing.iter().map(|&i| ids[i].clone()).collect();
            let got = get_message::summaries(&mut self.client, mailbox, &asked)?;
            for (&i, summary) in missing.iter().zip(got) {
                items[i] = Some(summary.map(|m| read(&m)));
            }
        }
        let mut items: Vec<Result<MailItem, ItemError>> = items
            .into_iter()
            .map(|i| i.expect("every id has its properties"))
            .collect();
        // The MIME: small emails 20 to a `$batch`, each batch's answer
        // bounded; a large one (or one the batch did not answer) alone.
        let mut alone: Vec<usize> = Vec::new();
        let mut batched: Vec<usize> = Vec::new();
        // Each one's share of a batch's answer: base64 of a MIME whose
        // attachments are base64 already (16/9), and the JSON around it.
        let mut answers: Vec<u64> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Ok(item) = item else { continue };
            match item.size.filter(|&s| s <= BATCHED_MIME_MAX) {
                None => alone.push(i),
                Some(size) => {
                    batched.push(i);
                    answers.push(size.saturating_mul(16) / 9 + 4096);
                }
            }
        }
        for run in pack::runs(&answers, BATCH_MAX, BATCH_ANSWER_MAX) {
            let group = &batched[run];
            let asked: Vec<ItemRef> = group.iter().map(|&i| ids[i].clone()).collect();
            let got = get_mime::batched(&mut self.client, mailbox, &asked)?;
            for (&i, mime) in group.iter().zip(got) {
                match mime {
                    Some(mime) => set_mime(&mut items[i], mime),
                    None => alone.push(i),
                }
            }
        }
        alone.sort_unstable();
        for i in alone {
            let mime = get_mime::get(&mut self.client, mailbox, &ids[i].id)?;
            set_mime(&mut items[i], mime);
        }
        Ok(items)
    }

    fn details(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
        body: bool,
    ) -> Result<Result<MailItem, ItemError>, Error> {
        let got = get_message::get(&mut self.client, mailbox, &id.id, Shape::Details { body })?;
        Ok(got.map(|m| MailItem {
            mime: Err("not fetched: the email's properties stand in for it".into()),
            size: None,
            details: Some(details(&m)),
            ..read(&m)
        }))
    }

    fn watch_page(
        &mut self,
        mailbox: &str,
        folder: &FolderRef,
        watch: &Watch,
        offset: u32,
        page_size: u32,
    ) -> Result<WatchPage, Error> {
        let page =
            super::search::watch_page(&mut self.client, mailbox, folder, watch, offset, page_size)?;
        for f in &page.items {
            self.listed.insert(ews_form(&f.id.id), f.clone());
        }
        Ok(page)
    }

    fn mark_read(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<(), ItemError>>, Error> {
        update_message::mark_read(&mut self.client, mailbox, ids)
    }

    fn attachments(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
    ) -> Result<Result<Attachments, ItemError>, Error> {
        let got = get_message::get(&mut self.client, mailbox, &id.id, Shape::Attachments)?;
        Ok(got.map(|m| Attachments {
            item: item_ref(&m),
            attachments: attachments(&m),
        }))
    }

    fn attachment(
        &mut self,
        mailbox: &str,
        attachment_id: &str,
    ) -> Result<Result<Vec<u8>, ItemError>, Error> {
        get_attachment::get(&mut self.client, mailbox, attachment_id)
    }

    fn delete(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        mode: DeleteMode,
    ) -> Result<Vec<Result<(), ItemError>>, Error> {
        match mode {
            DeleteMode::MoveToDeletedItems => {
                Ok(
                    move_message::move_to(&mut self.client, mailbox, ids, "deleteditems")?
                        .into_iter()
                        .map(|r| r.map(|_| ()))
                        .collect(),
                )
            }
            DeleteMode::Soft => delete_message::delete(&mut self.client, mailbox, ids, false),
            DeleteMode::Hard => delete_message::delete(&mut self.client, mailbox, ids, true),
        }
    }

    fn copy(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        to: &FolderRef,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        if let Some(owner) = self.owner_of(to) {
            if !owner.eq_ignore_ascii_case(mailbox) {
                return Err(Error::InvalidInput(format!(
                    "params.destination_mailbox: Microsoft Graph copies an email only within its own \
                     mailbox ({mailbox}), not into {owner}; with api = graph, copy within the \
                     mailbox, or forward the email with send-email and its EML"
                )));
            }
        }
        let destination = Self::destination(to);
        copy_message::copy(&mut self.client, mailbox, ids, &destination)
    }

    fn report_junk(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        report: JunkReport,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        if !report.move_item {
            return Err(Error::InvalidInput(
                "params.move: Microsoft Graph v1.0 reports junk only by moving the email (to \
                 Junk Email, or back to the Inbox when it is not junk) and cannot add the sender \
                 to the blocked senders list; set move to true with api = graph"
                    .into(),
            ));
        }
        let destination = if report.is_junk { "junkemail" } else { "inbox" };
        move_message::move_to(&mut self.client, mailbox, ids, destination)
    }

    fn delete_attachments(
        &mut self,
        mailbox: &str,
        attachment_ids: &[String],
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        delete_attachment::delete(&mut self.client, mailbox, attachment_ids)
    }

    fn send(&mut self, mailbox: &str, message: &Outgoing) -> Result<(), Error> {
        send_mail::send(&mut self.client, mailbox, message)
    }

    fn reply(
        &mut self,
        mailbox: &str,
        original: &ItemRef,
        all: bool,
        message: &Outgoing,
    ) -> Result<(), Error> {
        reply::reply(&mut self.client, mailbox, &original.id, all, message)
    }
}
