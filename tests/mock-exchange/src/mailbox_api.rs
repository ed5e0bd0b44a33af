//! The test API over mailbox contents: folders, messages, read state, moves and
//! per-item faults. Mailboxes named here that do not exist yet are created (with
//! the address as display name).

use crate::mime::{format_datetime, parse_datetime};
use crate::store::StoredMessage;
use crate::MockExchange;

/// How `add_message` files a message. `Default`: unread, received
/// `2026-11-20T10:00:00Z`, no categories, Normal importance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage<'a> {
    pub is_read: bool,
    /// RFC 3339.
    pub received: &'a str,
    pub categories: Vec<String>,
    /// `Low`, `Normal` or `High`.
    pub importance: &'a str,
}

impl Default for NewMessage<'_> {
    fn default() -> Self {
        NewMessage {
            is_read: false,
            received: "2026-11-20T10:00:00Z",
            categories: Vec::new(),
            importance: "Normal",
        }
    }
}

/// A message as the mock holds it now.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageState {
    pub item_id: String,
    pub change_key: String,
    pub mailbox: String,
    /// `Inbox/Phishing`.
    pub folder_path: String,
    pub is_read: bool,
    /// `2026-11-20T10:00:00Z`.
    pub received: String,
    pub categories: Vec<String>,
    pub importance: String,
    /// `item:Size`: the store size (attachments decoded), below the MIME length.
    pub size: usize,
    /// Decoded subject.
    pub subject: String,
}

impl MockExchange {
    fn ensure_mailbox(model: &mut crate::Model, mailbox: &str) {
        if !model.contains(mailbox) {
            model.add_mailbox(mailbox, mailbox);
        }
    }

    /// Creates the folders of `path` (`Inbox/Phishing`) that are missing, and
    /// returns the id of the last one. The first segment may be a distinguished id.
    pub fn add_folder(&self, mailbox: &str, path: &str) -> String {
        let mut state = self.shared.lock();
        Self::ensure_mailbox(&mut state.model, mailbox);
        let mb = state.model.mailbox_mut(mailbox).expect("just added");
        mb.store.ensure(path)
    }

    /// The id of the folder at `path`, if it exists.
    pub fn folder_id(&self, mailbox: &str, path: &str) -> Option<String> {
        let state = self.shared.lock();
        Some(
            state
                .model
                .mailbox(mailbox)?
                .store
                .resolve(path)?
                .id
                .clone(),
        )
    }

    /// Files a message (creating the folder if needed); returns its item id.
    /// Panics if `new.received` is not RFC 3339.
    pub fn add_message(
        &self,
        mailbox: &str,
        folder_path: &str,
        mime: &[u8],
        new: NewMessage,
    ) -> String {
        let received = parse_datetime(new.received)
            .unwrap_or_else(|| panic!("received {:?} is not RFC 3339", new.received));
        let mut state = self.shared.lock();
        Self::ensure_mailbox(&mut state.model, mailbox);
        let store = &mut state.model.mailbox_mut(mailbox).expect("just added").store;
        let folder = store.ensure(folder_path);
        store.add_message(
            &folder,
            mime,
            new.is_read,
            received,
            new.categories,
            new.importance,
        )
    }

    /// Files a contact in the mailbox's Contacts folder; returns its item id.
    pub fn add_contact(&self, mailbox: &str, contact: crate::contacts::NewContact) -> String {
        let mut state = self.shared.lock();
        Self::ensure_mailbox(&mut state.model, mailbox);
        let store = &mut state.model.mailbox_mut(mailbox).expect("just added").store;
        store.add_contact(contact)
    }

    /// A message's current state.
    pub fn message(&self, item_id: &str) -> Option<MessageState> {
        let state = self.shared.lock();
        let (mb, m) = state.model.find_message(item_id)?;
        Some(message_state(&mb.address, &mb.store.path_of(&m.folder), m))
    }

    /// The names of a message's attachments as GetItem lists them, in order.
    pub fn attachment_names(&self, item_id: &str) -> Option<Vec<String>> {
        let state = self.shared.lock();
        let (_, m) = state.model.find_message(item_id)?;
        Some(
            m.summary
                .attachments
                .iter()
                .map(|a| a.name.clone())
                .collect(),
        )
    }

    /// A message's stored MIME.
    pub fn mime(&self, item_id: &str) -> Option<Vec<u8>> {
        let state = self.shared.lock();
        Some(state.model.find_message(item_id)?.1.mime.clone())
    }

    /// Every message of a folder, in the order they were added.
    pub fn messages(&self, mailbox: &str, folder_path: &str) -> Vec<MessageState> {
        let state = self.shared.lock();
        let Some(mb) = state.model.mailbox(mailbox) else {
            return Vec::new();
        };
        let Some(folder) = mb.store.resolve(folder_path) else {
            return Vec::new();
        };
        let path = mb.store.path_of(&folder.id);
        mb.store
            .in_folder(&folder.id)
            .map(|m| message_state(&mb.address, &path, m))
            .collect()
    }

    /// The MIME of every message of a folder, in the order they were added:
    /// `mimes(mailbox, "sentitems")` is what the mailbox sent, as sent.
    pub fn mimes(&self, mailbox: &str, folder_path: &str) -> Vec<Vec<u8>> {
        let state = self.shared.lock();
        let Some(mb) = state.model.mailbox(mailbox) else {
            return Vec::new();
        };
        let Some(folder) = mb.store.resolve(folder_path) else {
            return Vec::new();
        };
        mb.store
            .in_folder(&folder.id)
            .map(|m| m.mime.clone())
            .collect()
    }

    /// The largest message the organization sends, in MIME bytes; larger
    /// ones are ErrorMessageSizeExceeded. `None`: no limit (the default).
    pub fn set_max_send_size(&self, bytes: Option<usize>) {
        self.shared.lock().model.max_send_bytes = bytes;
    }

    /// Puts a mailbox over its send quota: what it sends is ErrorQuotaExceeded.
    pub fn set_over_quota(&self, mailbox: &str) {
        let key = mailbox.trim().to_ascii_lowercase();
        self.shared.lock().model.over_quota.push(key);
    }

    /// Unread messages in a folder (0 if there is no such folder).
    pub fn unread_count(&self, mailbox: &str, folder_path: &str) -> usize {
        let state = self.shared.lock();
        state
            .model
            .mailbox(mailbox)
            .and_then(|mb| {
                mb.store
                    .resolve(folder_path)
                    .map(|f| mb.store.counts(&f.id).1)
            })
            .unwrap_or(0)
    }

    fn with_store<R>(
        &self,
        item_id: &str,
        f: impl FnOnce(&mut crate::store::Store) -> R,
    ) -> Option<R> {
        let mut state = self.shared.lock();
        let address = state.model.find_message(item_id)?.0.address.clone();
        Some(f(&mut state.model.mailbox_mut(&address)?.store))
    }

    /// Marks a message read or unread (a new change key, as any change).
    pub fn set_read(&self, item_id: &str, is_read: bool) -> bool {
        self.with_store(item_id, |s| {
            if let Some(m) = s.message_mut(item_id) {
                m.is_read = is_read;
            }
            s.touch(item_id);
        })
        .is_some()
    }

    /// Changes a message's DateTimeReceived (RFC 3339).
    pub fn set_received(&self, item_id: &str, received: &str) -> bool {
        let Some(ts) = parse_datetime(received) else {
            return false;
        };
        self.with_store(item_id, |s| {
            if let Some(m) = s.message_mut(item_id) {
                m.received = ts;
            }
            s.touch(item_id);
        })
        .is_some()
    }

    /// Sets what the store holds as the message's PidTagSentRepresentingSmtpAddress,
    /// independently of its MIME: the SMTP address of an Exchange-internal (EX)
    /// sender, or `None` for a store that has no such property.
    pub fn set_from_smtp(&self, item_id: &str, address: Option<&str>) -> bool {
        self.with_store(item_id, |s| {
            if let Some(m) = s.message_mut(item_id) {
                m.from_smtp = address.map(str::to_string);
            }
        })
        .is_some()
    }

    /// Moves a message to `folder_path` (created if missing); returns its new id.
    pub fn move_message(&self, item_id: &str, folder_path: &str) -> Option<String> {
        self.with_store(item_id, |s| {
            let folder = s.ensure(folder_path);
            s.move_message(item_id, &folder)
        })
        .flatten()
    }

    /// The next `times` GetItem/UpdateItem answers for this item are an error
    /// response message with this code (`ErrorItemNotFound`...); the other items of
    /// the same request still succeed.
    pub fn fail_item(&self, item_id: &str, response_code: &str, times: usize) {
        self.shared
            .lock()
            .model
            .fail_item(item_id, response_code, times);
    }
}

fn message_state(mailbox: &str, folder_path: &str, m: &StoredMessage) -> MessageState {
    MessageState {
        item_id: m.id.clone(),
        change_key: m.change_key.clone(),
        mailbox: mailbox.to_string(),
        folder_path: folder_path.to_string(),
        is_read: m.is_read,
        received: format_datetime(m.received),
        categories: m.categories.clone(),
        importance: m.importance.clone(),
        size: m.size(),
        subject: m.summary.subject.clone(),
    }
}
