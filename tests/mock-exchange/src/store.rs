//! A mailbox's folders and messages. Ids are opaque base64 strings shaped like
//! Exchange's (`AAMkAD...` items, `AQMkAD...` folders, `CQAAABYAAAA...` change
//! keys), stable for the life of the item; a move gives a new id, any change a new
//! change key. Folder paths (`Inbox/Phishing`) are display names from the mailbox
//! root, matched case-insensitively; the first segment may also be a distinguished
//! folder id (`inbox`, `junkemail`...).

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::mime::{self, Summary};

/// The distinguished folders every mailbox has under `msgfolderroot`:
/// (distinguished id, display name, folder class).
pub const DISTINGUISHED: &[(&str, &str, &str)] = &[
    ("inbox", "Inbox", "IPF.Note"),
    ("drafts", "Drafts", "IPF.Note"),
    ("sentitems", "Sent Items", "IPF.Note"),
    ("deleteditems", "Deleted Items", "IPF.Note"),
    ("junkemail", "Junk Email", "IPF.Note"),
    ("outbox", "Outbox", "IPF.Note"),
    ("archive", "Archive", "IPF.Note"),
    ("contacts", "Contacts", "IPF.Contact"),
];

/// The distinguished id of the mailbox's root in EWS (Graph has no such name:
/// its top is `msgfolderroot`).
pub const EWS_ROOT: &str = "root";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    pub id: String,
    pub change_key: String,
    /// `None` for EWS's `root`; `msgfolderroot`'s is `root`.
    pub parent: Option<String>,
    pub name: String,
    pub distinguished: Option<String>,
    pub class: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: String,
    pub change_key: String,
    /// The id of the folder holding it.
    pub folder: String,
    pub mime: Vec<u8>,
    pub is_read: bool,
    /// Seconds since the epoch.
    pub received: i64,
    pub categories: Vec<String>,
    pub importance: String,
    /// PidTagSentRepresentingSmtpAddress (what FindItem can say of From's
    /// address); `None` when the store has none.
    pub from_smtp: Option<String>,
    pub summary: Summary,
}

impl StoredMessage {
    /// `item:Size`: the store's size, not the MIME's (see `Summary::store_size`).
    pub fn size(&self) -> usize {
        match self.summary.store_size {
            0 => self.mime.len(),
            n => n,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// 32 hex digits derived from the address: the "mailbox guid" inside ids.
    guid: String,
    counter: u64,
    pub folders: Vec<Folder>,
    /// In the order they were added.
    pub messages: Vec<StoredMessage>,
    pub contacts: Vec<crate::contacts::StoredContact>,
}

impl Store {
    pub fn new(address: &str) -> Store {
        let digest = Sha256::digest(address.trim().to_ascii_lowercase().as_bytes());
        let guid = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let mut store = Store {
            guid,
            counter: 0,
            folders: Vec::new(),
            messages: Vec::new(),
            contacts: Vec::new(),
        };
        let root = store.new_folder(
            None,
            "Top of Information Store",
            Some("msgfolderroot"),
            "IPF.Note",
        );
        for (id, name, class) in DISTINGUISHED {
            store.new_folder(Some(root.clone()), name, Some(id), class);
        }
        // EWS's `root` (the mailbox's root, above "Top of Information Store"),
        // which exchangelib asks for first (GetFolder root). Its ids take
        // number 0, unused by the counter: every other id is as it was.
        let id = store.make_id_numbered(0x01, 8, 0);
        let change_key = store.change_key_numbered(0);
        store.folders.push(Folder {
            id: id.clone(),
            change_key,
            parent: None,
            name: "Root".to_string(),
            distinguished: Some(EWS_ROOT.to_string()),
            class: String::new(),
        });
        store.folders[0].parent = Some(id);
        store
    }

    /// The mailbox's user id as Graph writes it (a GUID from the address).
    pub fn user_id(&self) -> String {
        let g = &self.guid;
        format!(
            "{}-{}-{}-{}-{}",
            &g[..8],
            &g[8..12],
            &g[12..16],
            &g[16..20],
            &g[20..32]
        )
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn make_id(&mut self, kind: u8, len: usize) -> String {
        let n = self.next();
        self.make_id_numbered(kind, len, n)
    }

    fn make_id_numbered(&self, kind: u8, len: usize, n: u64) -> String {
        let mut bytes = vec![kind, 0x03, 0x24, 0x00];
        bytes.extend_from_slice(self.guid.as_bytes());
        bytes.extend_from_slice(&[0x00, 0x46, 0x00, 0x00, 0x00, 0x00]);
        let filler = Sha256::digest(format!("{}:{n}", self.guid).as_bytes());
        bytes.extend_from_slice(&filler[..len]);
        bytes.extend_from_slice(&n.to_be_bytes());
        bytes.extend_from_slice(&[0x00, 0x00]);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// A fresh change key.
    pub fn change_key(&mut self) -> String {
        let n = self.next();
        self.change_key_numbered(n)
    }

    fn change_key_numbered(&self, n: u64) -> String {
        let mut bytes = vec![0x09, 0, 0, 0, 0x16, 0, 0, 0];
        bytes.extend_from_slice(&Sha256::digest(self.guid.as_bytes())[..14]);
        bytes.extend_from_slice(&n.to_be_bytes());
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn new_folder(
        &mut self,
        parent: Option<String>,
        name: &str,
        dist: Option<&str>,
        class: &str,
    ) -> String {
        let id = self.make_id(0x01, 8);
        let change_key = self.change_key();
        self.folders.push(Folder {
            id: id.clone(),
            change_key,
            parent,
            name: name.to_string(),
            distinguished: dist.map(str::to_string),
            class: class.to_string(),
        });
        id
    }

    pub fn root(&self) -> &Folder {
        &self.folders[0]
    }

    pub fn folder(&self, id: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.id == id)
    }

    pub fn distinguished(&self, name: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| {
            f.distinguished
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(name))
        })
    }

    pub fn children<'a>(&'a self, parent: &str) -> impl Iterator<Item = &'a Folder> + 'a {
        let parent = parent.to_string();
        self.folders
            .iter()
            .filter(move |f| f.parent.as_deref() == Some(parent.as_str()))
    }

    /// Every folder below `parent`, depth first.
    pub fn descendants(&self, parent: &str) -> Vec<&Folder> {
        let mut out = Vec::new();
        for child in self.children(parent) {
            out.push(child);
            out.extend(self.descendants(&child.id));
        }
        out
    }

    fn child_named(&self, parent: &str, name: &str) -> Option<&Folder> {
        self.children(parent)
            .find(|f| f.name.to_lowercase() == name.to_lowercase())
    }

    /// The folder at `path` (`Inbox/Phishing`, `junkemail`, `` for the root).
    pub fn resolve(&self, path: &str) -> Option<&Folder> {
        let mut current = self.root();
        for (i, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
            current = match self.child_named(&current.id, segment) {
                Some(f) => f,
                None if i == 0 => self.distinguished(segment)?,
                None => return None,
            };
        }
        Some(current)
    }

    /// Creates the folders of `path` that are missing; returns the last one's id.
    pub fn ensure(&mut self, path: &str) -> String {
        let mut current = self.root().id.clone();
        for (i, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
            let found = self
                .child_named(&current, segment)
                .or_else(|| {
                    if i == 0 {
                        self.distinguished(segment)
                    } else {
                        None
                    }
                })
                .map(|f| f.id.clone());
            current = match found {
                Some(id) => id,
                None => self.new_folder(Some(current), segment, None, "IPF.Note"),
            };
        }
        current
    }

    /// `Inbox/Phishing` for a folder id (display names from below the root).
    pub fn path_of(&self, id: &str) -> String {
        let mut parts = Vec::new();
        let mut current = self.folder(id);
        while let Some(f) = current {
            if f.parent.is_none() || f.id == self.root().id {
                break;
            }
            parts.push(f.name.clone());
            current = f.parent.as_deref().and_then(|p| self.folder(p));
        }
        parts.reverse();
        parts.join("/")
    }

    pub fn add_message(
        &mut self,
        folder: &str,
        mime: &[u8],
        is_read: bool,
        received: i64,
        categories: Vec<String>,
        importance: &str,
    ) -> String {
        let id = self.make_id(0x00, 24);
        let change_key = self.change_key();
        let summary = mime::summarize(mime);
        self.messages.push(StoredMessage {
            from_smtp: summary.from_address.clone(),
            id: id.clone(),
            change_key,
            folder: folder.to_string(),
            mime: mime.to_vec(),
            is_read,
            received,
            categories,
            importance: importance.to_string(),
            summary,
        });
        id
    }

    /// Files a contact in the Contacts folder; returns its item id.
    pub fn add_contact(&mut self, contact: crate::contacts::NewContact) -> String {
        let id = self.make_id(0x00, 24);
        let change_key = self.change_key();
        let folder = self
            .distinguished("contacts")
            .map(|f| f.id.clone())
            .unwrap_or_default();
        self.contacts.push(crate::contacts::StoredContact {
            id: id.clone(),
            change_key,
            folder,
            contact,
        });
        id
    }

    pub fn contact(&self, id: &str) -> Option<&crate::contacts::StoredContact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    pub fn message(&self, id: &str) -> Option<&StoredMessage> {
        self.messages.iter().find(|m| m.id == id)
    }

    pub fn message_mut(&mut self, id: &str) -> Option<&mut StoredMessage> {
        self.messages.iter_mut().find(|m| m.id == id)
    }

    /// Marks a message changed: a new change key.
    pub fn touch(&mut self, id: &str) -> Option<String> {
        let key = self.change_key();
        let m = self.message_mut(id)?;
        m.change_key = key.clone();
        Some(key)
    }

    /// Moves a message; it gets a new id (and change key), as in Exchange.
    pub fn move_message(&mut self, id: &str, folder: &str) -> Option<String> {
        let new_id = self.make_id(0x00, 24);
        let key = self.change_key();
        let m = self.message_mut(id)?;
        m.id = new_id.clone();
        m.change_key = key;
        m.folder = folder.to_string();
        Some(new_id)
    }

    /// Copies a message into `folder`: a new message with the same MIME and
    /// flags, and a new id. Returns the copy's id.
    pub fn copy_message(&mut self, id: &str, folder: &str) -> Option<String> {
        let m = self.message(id)?.clone();
        Some(self.add_copy(folder, m))
    }

    /// Files a copy of `m` (from this mailbox or another) in `folder`.
    pub fn add_copy(&mut self, folder: &str, m: StoredMessage) -> String {
        let new_id = self.add_message(
            folder,
            &m.mime,
            m.is_read,
            m.received,
            m.categories,
            &m.importance,
        );
        if let Some(copy) = self.message_mut(&new_id) {
            copy.from_smtp = m.from_smtp;
        }
        new_id
    }

    /// Removes a message (a draft that was sent).
    pub fn remove_message(&mut self, id: &str) -> bool {
        let before = self.messages.len();
        self.messages.retain(|m| m.id != id);
        self.messages.len() != before
    }

    pub fn in_folder<'a>(&'a self, folder: &str) -> impl Iterator<Item = &'a StoredMessage> + 'a {
        let folder = folder.to_string();
        self.messages.iter().filter(move |m| m.folder == folder)
    }

    /// (total, unread) of a folder.
    pub fn counts(&self, folder: &str) -> (usize, usize) {
        let total = self.in_folder(folder).count();
        let unread = self.in_folder(folder).filter(|m| !m.is_read).count();
        (total, unread)
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
