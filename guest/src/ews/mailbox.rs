//! `mailbox::Mailbox` over EWS: each method is one operation module's
//! request and answer, sent as the target mailbox (impersonation and
//! X-AnchorMailbox per call).

use super::client::{Client, Target};
use super::error::{CodeDetail, Error};
use super::operations::create_item::{self, Disposition};
use super::operations::get_item::{self, Shape};
use super::operations::{
    create_attachment, find_folder, get_attachment, get_user_oof_settings, send_item,
};
use super::types::Mailbox as OofMailbox;
use crate::mailbox::{
    Attachments, Folder, FolderRef, ItemError, ItemRef, Mailbox, MimeItem, OutOfOffice, Outgoing,
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
    ) -> Result<Vec<Result<MimeItem, ItemError>>, Error> {
        let target = self.client.target(mailbox);
        let answer = self.client.call_as(&target, get_item::NAME, |x| {
            get_item::write(x, ids, Shape::Mime)
        })?;
        Ok(get_item::read(answer, ids.len(), Shape::Mime)?
            .into_iter()
            .map(|r| {
                let item = r.map_err(item_error)?;
                let mime = item.mime.map_err(|why| ItemError {
                    code: "ErrorMimeContentConversionFailed".into(),
                    message: why,
                })?;
                Ok(MimeItem {
                    item: item.id,
                    mime,
                    subject: item.subject,
                    internet_message_id: item.internet_message_id,
                })
            })
            .collect())
    }

    fn attachments(
        &mut self,
        mailbox: &str,
        id: &ItemRef,
    ) -> Result<Result<Attachments, ItemError>, Error> {
        let target = self.client.target(mailbox);
        let shape = Shape::Metadata { body: false };
        let ids = std::slice::from_ref(id);
        let answer = self
            .client
            .call_as(&target, get_item::NAME, |x| get_item::write(x, ids, shape))?;
        let mut results = get_item::read(answer, 1, shape)?;
        Ok(results
            .remove(0)
            .map_err(item_error)
            .map(|item| Attachments {
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
