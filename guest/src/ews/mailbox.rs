//! `mailbox::Mailbox` over EWS: each method is one operation module's
//! request and answer, sent as the target mailbox (impersonation and
//! X-AnchorMailbox per call).

use super::client::{Client, Target};
use super::envelope::Xml;
use super::error::{CodeDetail, Error};
use super::operations::create_item::{self, Disposition};
use super::operations::get_item::{self, Shape};
use super::operations::{
    contacts, copy_item, create_attachment, delete_attachment, delete_item, find_folder, find_item,
    get_attachment, get_searchable_mailboxes, get_user_oof_settings, mark_as_junk, send_item,
    update_item,
};
use super::types::Mailbox as OofMailbox;
use super::xml::Element;
use crate::mailbox::{
    Attachments, Contact, DeleteMode, Folder, FolderRef, Found, ItemError, ItemRef, JunkReport,
    MailItem, Mailbox, OutOfOffice, Outgoing, Search, SearchableMailbox, Watch, WatchPage,
};

/// FindFolder page size.
const FOLDER_PAGE: u32 = 100;

pub struct EwsMailbox<'h> {
    client: Client<'h>,
}

impl<'h> EwsMailbox<'h> {
    pub fn new(client: Client<'h>) -> Self {
        EwsMailbox { client }
    }

    /// One batched operation on `mailbox`, its per-item codes made neutral.
    fn per_item<T>(
        &mut self,
        mailbox: &str,
        operation: &str,
        write: impl FnOnce(&mut Xml),
        read: impl FnOnce(&Element) -> Result<Vec<Result<T, CodeDetail>>, Error>,
    ) -> Result<Vec<Result<T, ItemError>>, Error> {
        let target = self.client.target(mailbox);
        let answer = self.client.call_as(&target, operation, write)?;
        Ok(read(&answer)?
            .into_iter()
            .map(|r| r.map_err(item_error))
            .collect())
    }
}

/// Every direct child of `parent`, page by page. Bounded: a folder with
/// more than 100 pages of subfolders is not a path anyone types.
pub fn child_folders(
    client: &mut Client,
    target: &Target,
    parent: &FolderRef,
) -> Result<Vec<Folder>, Error> {
    let mut all = Vec::new();
    let mut offset = 0;
    for _ in 0..100 {
        let answer = client.call_as(target, find_folder::NAME, |x| {
            find_folder::write(x, parent, offset, FOLDER_PAGE)
        })?;
        let page = find_folder::read(&answer, offset)?;
        let got = page.folders.len();
        all.extend(page.folders);
        if page.includes_last || got == 0 || page.next_offset <= offset {
            break;
        }
        offset = page.next_offset;
    }
    Ok(all)
}

/// eDiscovery needs a role that impersonation rights do not give: say which.
fn discovery_hint(e: Error) -> Error {
    match e {
        Error::Response(mut d) if d.code == "ErrorAccessDenied" => {
            d.text = format!(
                "{} Listing searchable mailboxes needs the Discovery Management role: \
                 Add-RoleGroupMember \"Discovery Management\" -Member <the account>",
                d.text.trim()
            );
            Error::Response(d)
        }
        other => other,
    }
}

fn item_error(d: CodeDetail) -> ItemError {
    ItemError {
        code: d.code,
        message: d.text,
    }
}

impl Mailbox for EwsMailbox<'_> {
    fn child_folders(&mut self, mailbox: &str, parent: &FolderRef) -> Result<Vec<Folder>, Error> {
        let target = self.client.target(mailbox);
        child_folders(&mut self.client, &target, parent)
    }

    fn search(&mut self, mailbox: &str, search: &Search) -> Result<Found, Error> {
        let target = self.client.target(mailbox);
        super::search::search(&mut self.client, &target, search)
    }

    fn contacts(
        &mut self,
        mailbox: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<Contact>, u64), Error> {
        let target = self.client.target(mailbox);
        let folder = FolderRef::Distinguished {
            name: "contacts".into(),
            mailbox: Some(mailbox.to_string()),
        };
        let answer = self.client.call_as(&target, contacts::FIND, |x| {
            contacts::write_find(x, &folder, offset, limit)
        })?;
        let page = contacts::read_find(&answer)?;
        let total = page
            .total
            .unwrap_or(u64::from(offset) + page.contacts.len() as u64);
        let mut list = page.contacts;
        for chunk in list.chunks_mut(100) {
            let ids: Vec<ItemRef> = chunk.iter().map(|c| c.item.clone()).collect();
            let answer = self
                .client
                .call_as(&target, contacts::GET, |x| contacts::write_get(x, &ids))?;
            for (c, got) in chunk
                .iter_mut()
                .zip(contacts::read_get(&answer, ids.len())?)
            {
                // A contact deleted since FindItem keeps its names.
                if let Ok(d) = got {
                    c.emails = d.emails;
                    c.phones = d.phones;
                }
            }
        }
        Ok((list, total))
    }

    fn searchable_mailboxes(
        &mut self,
        mailbox: &str,
        filter: Option<&str>,
        expand_groups: bool,
    ) -> Result<Vec<SearchableMailbox>, Error> {
        let target = self.client.target(mailbox);
        let answer = self
            .client
            .call_as(&target, get_searchable_mailboxes::NAME, |x| {
                get_searchable_mailboxes::write(x, filter, expand_groups)
            })?;
        get_searchable_mailboxes::read(&answer).map_err(discovery_hint)
    }

    fn out_of_office(&mut self, mailbox: &str, of: &str) -> Result<OutOfOffice, Error> {
        let target = self.client.target(mailbox);
        let of = OofMailbox {
            address: of.to_string(),
        };
        let answer = self
            .client
            .call_as(&target, get_user_oof_settings::NAME, |x| {
                get_user_oof_settings::write(x, &of)
            })?;
        get_user_oof_settings::read(&answer)
            .map_err(|e| e.about(&format!("mailbox {}", of.address)))
    }

    fn mime(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<MailItem, ItemError>>, Error> {
        let target = self.client.target(mailbox);
        let answer = self.client.call_as(&target, get_item::NAME, |x| {
            get_item::write(x, ids, Shape::Mime)
        })?;
        Ok(get_item::read(answer, ids.len(), Shape::Mime)?
            .into_iter()
            .map(|r| r.map_err(item_error))
            .collect())
    }

    fn details(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
        body: bool,
    ) -> Result<Result<MailItem, ItemError>, Error> {
        let target = self.client.target(mailbox);
        let shape = Shape::Metadata { body };
        let ids = std::slice::from_ref(id);
        let answer = self
            .client
            .call_as(&target, get_item::NAME, |x| get_item::write(x, ids, shape))?;
        let mut results = get_item::read(answer, 1, shape)?;
        Ok(results.remove(0).map_err(item_error))
    }

    fn watch_page(
        &mut self,
        mailbox: &str,
        folder: &FolderRef,
        watch: &Watch,
        offset: u32,
        page_size: u32,
    ) -> Result<WatchPage, Error> {
        let target = self.client.target(mailbox);
        let restriction = super::watch::restriction(watch);
        let q = find_item::Query {
            parent: folder,
            offset,
            max_entries: page_size,
            restriction: Some(&restriction),
            properties: find_item::PROPERTIES,
            newest_first: false,
            query_string: None,
        };
        let answer = self
            .client
            .call_as(&target, find_item::NAME, |x| find_item::write(x, &q))?;
        let page = find_item::read(&answer, offset)?;
        Ok(WatchPage {
            items: page.items,
            includes_last: page.includes_last,
            next_offset: page.next_offset,
            total: page.total.map(u64::from),
        })
    }

    fn mark_read(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<(), ItemError>>, Error> {
        let target = self.client.target(mailbox);
        let version = self.client.server_version().to_string();
        let answer = self.client.call_as(&target, update_item::NAME, |x| {
            update_item::write_mark_read(x, ids, &version)
        })?;
        Ok(update_item::read(&answer, ids.len())?
            .into_iter()
            .map(|r| r.map_err(item_error))
            .collect())
    }

    fn attachments(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
    ) -> Result<Result<Attachments, ItemError>, Error> {
        Ok(self.details(mailbox, id, false)?.map(|item| Attachments {
            attachments: item.details.map(|d| d.attachments).unwrap_or_default(),
            item: item.id,
        }))
    }

    fn attachment(
        &mut self,
        mailbox: &str,
        attachment_id: &str,
    ) -> Result<Result<Vec<u8>, ItemError>, Error> {
        let target = self.client.target(mailbox);
        let answer = self.client.call_as(&target, get_attachment::NAME, |x| {
            get_attachment::write(x, attachment_id)
        })?;
        Ok(get_attachment::read(answer)?.map_err(item_error))
    }

    // containment
    fn delete(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        mode: DeleteMode,
    ) -> Result<Vec<Result<(), ItemError>>, Error> {
        self.per_item(
            mailbox,
            delete_item::NAME,
            |x| delete_item::write(x, ids, mode),
            |a| delete_item::read(a, ids.len()),
        )
    }

    fn copy(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        to: &FolderRef,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        let version = self.client.server_version().to_string();
        self.per_item(
            mailbox,
            copy_item::NAME,
            |x| copy_item::write(x, ids, to, &version),
            |a| copy_item::read(a, ids.len()),
        )
    }

    fn report_junk(
        &mut self,
        mailbox: &str,
        ids: &[ItemRef],
        report: JunkReport,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        // Sent to an older server it would be a schema fault naming nothing
        // the user can change; this names the key.
        let version = self.client.server_version();
        if !mark_as_junk::supported(version) {
            return Err(Error::InvalidInput(format!(
                "server_version: junk reports (EWS MarkAsJunk) need Exchange2013 or later, \
                 and server_version is {version}"
            )));
        }
        self.per_item(
            mailbox,
            mark_as_junk::NAME,
            |x| mark_as_junk::write(x, ids, report),
            |a| mark_as_junk::read(a, ids.len()),
        )
    }

    fn delete_attachments(
        &mut self,
        mailbox: &str,
        attachment_ids: &[String],
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        self.per_item(
            mailbox,
            delete_attachment::NAME,
            |x| delete_attachment::write(x, attachment_ids),
            |a| delete_attachment::read(a, attachment_ids.len()),
        )
    }

    // notification
    fn send(&mut self, mailbox: &str, message: &Outgoing) -> Result<(), Error> {
        let target = self.client.target(mailbox);
        let answer = self.client.call_as(&target, create_item::NAME, |x| {
            create_item::write_send(x, message)
        })?;
        create_item::read(&answer).map(|_| ())
    }

    fn reply(
        &mut self,
        mailbox: &str,
        original: &ItemRef,
        all: bool,
        message: &Outgoing,
    ) -> Result<(), Error> {
        let target = self.client.target(mailbox);
        let disposition = if message.attachments.is_empty() {
            Disposition::SendAndSaveCopy
        } else {
            Disposition::SaveOnly
        };
        let answer = self.client.call_as(&target, create_item::NAME, |x| {
            create_item::write_reply(x, original, all, message, disposition)
        })?;
        let draft = create_item::read(&answer)?;
        if disposition == Disposition::SendAndSaveCopy {
            return Ok(());
        }
        // The schema's reply element has no Attachments: the reply is a
        // draft, which gets the files one request each and is then sent.
        let mut draft = draft.ok_or_else(|| {
            Error::Malformed("CreateItem (SaveOnly) returned no id for the reply draft".into())
        })?;
        for file in &message.attachments {
            let answer = self.client.call_as(&target, create_attachment::NAME, |x| {
                create_attachment::write(x, &draft, file)
            })?;
            draft = create_attachment::read(&answer, &draft)?;
        }
        let answer = self
            .client
            .call_as(&target, send_item::NAME, |x| send_item::write(x, &draft))?;
        send_item::read(&answer)
    }
}
