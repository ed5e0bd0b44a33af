//! A `Mailbox` in memory, for the daemon's tests: emails with MIME and read
//! state, the watch filters evaluated as a server would, per-item refusals,
//! answers too large above a count, and a log of the calls. The state is
//! shared (`Rc`) so that a test can look at it after the daemon ran.

use super::*;
use crate::platform::TransportError;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Debug, Clone, Default)]
pub struct FakeEmail {
    pub found: FoundItem,
    pub mime: Vec<u8>,
    pub details: Option<MailDetails>,
    /// Attachment id → bytes, for `attachment`.
    pub attachments: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Default)]
pub struct State {
    pub emails: Vec<FakeEmail>,
    /// Folder id → its children, for `child_folders` from that parent.
    pub children: Vec<(FolderRef, Vec<Folder>)>,
    /// Item id → codes that the next calls on it answer, one per call.
    pub refuse: Vec<(String, String)>,
    /// `mime` of more items than this answers "too large".
    pub max_items_per_answer: Option<usize>,
    /// Ids whose MIME alone is too large.
    pub too_large: Vec<String>,
    /// Every call, as `method:ids`.
    pub calls: Vec<String>,
}

#[derive(Clone, Default)]
pub struct FakeMailbox(pub Rc<RefCell<State>>);

impl FakeMailbox {
    /// An unread email; `from_smtp` None means the store has no SMTP form of From.
    pub fn add(&self, id: &str, subject: &str, from_smtp: Option<&str>, received: i64, mime: &str) {
        self.0.borrow_mut().emails.push(FakeEmail {
            found: FoundItem {
                id: ItemRef {
                    id: id.into(),
                    change_key: Some(format!("CK-{id}")),
                },
                subject: Some(subject.into()),
                received: Some(received),
                size: Some(mime.len() as u64),
                from_smtp: from_smtp.map(Into::into),
                is_read: Some(false),
                ..Default::default()
            },
            mime: mime.as_bytes().to_vec(),
            ..Default::default()
        });
    }

    pub fn is_read(&self, id: &str) -> bool {
        self.0
            .borrow()
            .emails
            .iter()
            .any(|e| e.found.id.id == id && e.found.is_read == Some(true))
    }

    pub fn calls(&self) -> Vec<String> {
        self.0.borrow().calls.clone()
    }

    fn log(&self, method: &str, ids: &[ItemRef]) {
        let ids: Vec<&str> = ids.iter().map(|i| i.id.as_str()).collect();
        self.0
            .borrow_mut()
            .calls
            .push(format!("{method}:{}", ids.join(",")));
    }

    fn refused(&self, id: &str) -> Option<ItemError> {
        let mut s = self.0.borrow_mut();
        let at = s.refuse.iter().position(|(i, _)| i == id)?;
        let (_, code) = s.refuse.remove(at);
        Some(ItemError {
            code,
            message: "refused by the fake".into(),
        })
    }

    fn email(&self, id: &str) -> Option<FakeEmail> {
        self.0
            .borrow()
            .emails
            .iter()
            .find(|e| e.found.id.id == id)
            .cloned()
    }
}

fn not_found() -> ItemError {
    ItemError {
        code: "ErrorItemNotFound".into(),
        message: "The specified object was not found in the store.".into(),
    }
}

fn too_large() -> Error {
    Error::Transport(TransportError::TooLarge { limit: 1 })
}

/// The watch as a server applies it: unread, any keyword, the dates, and
/// the sender prefilter (an email without the SMTP form passes).
fn lets_through(w: &Watch, f: &FoundItem) -> bool {
    let subject = f.subject.as_deref().unwrap_or("").to_lowercase();
    f.is_read != Some(true)
        && (w.keywords.is_empty()
            || w.keywords
                .iter()
                .any(|k| subject.contains(&k.to_lowercase())))
        && w.after.is_none_or(|a| f.received.is_some_and(|r| r >= a))
        && w.before.is_none_or(|b| f.received.is_some_and(|r| r < b))
        && (w.sender_domains.is_empty()
            || f.from_smtp.as_deref().is_none_or(|s| {
                let s = s.to_lowercase();
                w.sender_domains
                    .iter()
                    .any(|d| s.contains(&format!("@{d}")))
            }))
}

impl Mailbox for FakeMailbox {
    fn child_folders(&mut self, _: &str, parent: &FolderRef) -> Result<Vec<Folder>, Error> {
        let s = self.0.borrow();
        Ok(s.children
            .iter()
            .find(|(p, _)| p == parent)
            .map(|(_, c)| c.clone())
            .unwrap_or_default())
    }

    fn watch_page(
        &mut self,
        _: &str,
        _: &FolderRef,
        watch: &Watch,
        offset: u32,
        page_size: u32,
    ) -> Result<WatchPage, Error> {
        self.log("watch_page", &[]);
        let s = self.0.borrow();
        let mut all: Vec<FoundItem> = s
            .emails
            .iter()
            .filter(|e| lets_through(watch, &e.found))
            .map(|e| e.found.clone())
            .collect();
        all.sort_by_key(|f| f.received);
        let start = (offset as usize).min(all.len());
        let end = (start + page_size as usize).min(all.len());
        Ok(WatchPage {
            items: all[start..end].to_vec(),
            includes_last: end == all.len(),
            next_offset: end as u32,
            total: Some(all.len() as u64),
        })
    }

    fn mime(
        &mut self,
        _: &str,
        ids: &[ItemRef],
    ) -> Result<Vec<Result<MailItem, ItemError>>, Error> {
        self.log("mime", ids);
        {
            let s = self.0.borrow();
            let over = s.max_items_per_answer.is_some_and(|m| ids.len() > m);
            if over || ids.iter().any(|i| s.too_large.contains(&i.id)) {
                return Err(too_large());
            }
        }
        Ok(ids
            .iter()
            .map(|id| {
                if let Some(e) = self.refused(&id.id) {
                    return Err(e);
                }
                let e = self.email(&id.id).ok_or_else(not_found)?;
                Ok(MailItem {
                    id: e.found.id.clone(),
                    mime: Ok(e.mime),
                    subject: e.found.subject,
                    received: e.found.received,
                    size: e.found.size,
                    categories: vec![],
                    importance: Some("Normal".into()),
                    internet_message_id: None,
                    details: None,
                })
            })
            .collect())
    }

    fn details(
        &mut self,
        _: &str,
        id: &ItemRef,
        _body: bool,
    ) -> Result<Result<MailItem, ItemError>, Error> {
        self.log("details", std::slice::from_ref(id));
        let Some(e) = self.email(&id.id) else {
            return Ok(Err(not_found()));
        };
        Ok(Ok(MailItem {
            id: e.found.id.clone(),
            mime: Err("not asked for".into()),
            subject: e.found.subject,
            received: e.found.received,
            size: e.found.size,
            categories: vec![],
            importance: None,
            internet_message_id: None,
            details: Some(e.details.unwrap_or_default()),
        }))
    }

    fn attachment(
        &mut self,
        _: &str,
        attachment_id: &str,
    ) -> Result<Result<Vec<u8>, ItemError>, Error> {
        self.log("attachment", &[ItemRef::new(attachment_id)]);
        let s = self.0.borrow();
        Ok(s.emails
            .iter()
            .flat_map(|e| e.attachments.iter())
            .find(|(i, _)| i == attachment_id)
            .map(|(_, d)| d.clone())
            .ok_or_else(not_found))
    }

    fn mark_read(&mut self, _: &str, ids: &[ItemRef]) -> Result<Vec<Result<(), ItemError>>, Error> {
        self.log("mark_read", ids);
        Ok(ids
            .iter()
            .map(|id| {
                if let Some(e) = self.refused(&id.id) {
                    return Err(e);
                }
                let mut s = self.0.borrow_mut();
                let e = s
                    .emails
                    .iter_mut()
                    .find(|e| e.found.id.id == id.id)
                    .ok_or_else(not_found)?;
                e.found.is_read = Some(true);
                Ok(())
            })
            .collect())
    }

    // What the daemon never calls.
    fn search(&mut self, _: &str, _: &Search) -> Result<Found, Error> {
        Err(unused())
    }
    fn contacts(&mut self, _: &str, _: u32, _: u32) -> Result<(Vec<Contact>, u64), Error> {
        Err(unused())
    }
    fn searchable_mailboxes(
        &mut self,
        _: &str,
        _: Option<&str>,
        _: bool,
    ) -> Result<Vec<SearchableMailbox>, Error> {
        Err(unused())
    }
    fn out_of_office(&mut self, _: &str, _: &str) -> Result<OutOfOffice, Error> {
        Err(unused())
    }
    fn attachments(
        &mut self,
        _: &str,
        _: &ItemRef,
    ) -> Result<Result<Attachments, ItemError>, Error> {
        Err(unused())
    }
    fn delete(
        &mut self,
        _: &str,
        _: &[ItemRef],
        _: DeleteMode,
    ) -> Result<Vec<Result<(), ItemError>>, Error> {
        Err(unused())
    }
    fn copy(
        &mut self,
        _: &str,
        _: &[ItemRef],
        _: &FolderRef,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        Err(unused())
    }
    fn report_junk(
        &mut self,
        _: &str,
        _: &[ItemRef],
        _: JunkReport,
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        Err(unused())
    }
    fn delete_attachments(
        &mut self,
        _: &str,
        _: &[String],
    ) -> Result<Vec<Result<Option<ItemRef>, ItemError>>, Error> {
        Err(unused())
    }
    fn send(&mut self, _: &str, _: &Outgoing) -> Result<(), Error> {
        Err(unused())
    }
    fn reply(&mut self, _: &str, _: &ItemRef, _: bool, _: &Outgoing) -> Result<(), Error> {
        Err(unused())
    }
}

fn unused() -> Error {
    Error::Host("the fake mailbox serves the daemon's calls only".into())
}
