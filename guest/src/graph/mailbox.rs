//! `mailbox::Mailbox` over Microsoft Graph: each method is one call module's
//! request (docs/graph.md). Where v1.0 has no exact equivalent of what EWS
//! does, the nearest is taken and the action's description says so.

use super::calls::get_message::{self, Shape};
use super::calls::{
    child_folders, contacts, copy_message, delete_attachment, delete_message, folder_mailbox,
    get_attachment, get_mime, mailbox_settings, move_message, reply, send_mail, update_message,
    users,
};
use super::client::GraphClient;
use super::convert::{attachments, details, importance, item_ref, size, time};
use crate::ews::error::Error;
use crate::mailbox::ids::rest_form;
use crate::mailbox::{
    Attachments, Contact, DeleteMode, Folder, FolderRef, Found, ItemError, ItemRef, JunkReport,
    MailItem, Mailbox, OutOfOffice, Outgoing, Search, SearchableMailbox, Watch, WatchPage,
};
use std::collections::HashMap;

pub struct GraphMailbox<'h> {
    client: GraphClient<'h>,
    /// Which mailbox each folder listed so far lives in: Graph copies within
    /// one mailbox only, and a folder id alone does not say whose it is.
    folder_owners: HashMap<String, String>,
}

impl<'h> GraphMailbox<'h> {
    pub fn new(client: GraphClient<'h>) -> Self {
        GraphMailbox {
            client,
            folder_owners: HashMap::new(),
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
        let summaries = get_message::summaries(&mut self.client, mailbox, ids)?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, summary) in ids.iter().zip(summaries) {
            let m = match summary {
                Ok(m) => m,
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            };
            let got = get_mime::get(&mut self.client, mailbox, &id.id)?;
            out.push(got.map(|mime| MailItem {
                id: item_ref(&m),
                mime: Ok(mime),
                subject: m.subject.clone(),
                received: time(&m.received_date_time),
                size: size(&m),
                categories: m.categories.clone(),
                importance: importance(&m.importance),
                internet_message_id: m.internet_message_id.clone(),
                details: None,
            }));
        }
        Ok(out)
    }

    fn details(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
        body: bool,
    ) -> Result<Result<MailItem, ItemError>, Error> {
        let got = get_message::get(&mut self.client, mailbox, &id.id, Shape::Details { body })?;
        Ok(got.map(|m| MailItem {
            id: item_ref(&m),
            mime: Err("not fetched: the email's properties stand in for it".into()),
            subject: m.subject.clone(),
            received: time(&m.received_date_time),
            size: None,
            categories: m.categories.clone(),
            importance: importance(&m.importance),
            internet_message_id: m.internet_message_id.clone(),
            details: Some(details(&m)),
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
        super::search::watch_page(&mut self.client, mailbox, folder, watch, offset, page_size)
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
