//! The in-memory Exchange organisation: mailboxes and what they hold.
//!
//! Addresses are matched case-insensitively, as Exchange matches SMTP addresses.
//! Each mailbox has a folder tree and messages (`store`); per-item faults live here
//! too, so that GetItem and UpdateItem can fail one item while the others succeed.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::store::{Store, StoredMessage};

/// `t:OofState`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OofState {
    #[default]
    Disabled,
    Enabled,
    Scheduled,
}

impl OofState {
    pub fn as_str(self) -> &'static str {
        match self {
            OofState::Disabled => "Disabled",
            OofState::Enabled => "Enabled",
            OofState::Scheduled => "Scheduled",
        }
    }
}

/// `t:ExternalAudience`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExternalAudience {
    None,
    Known,
    #[default]
    All,
}

impl ExternalAudience {
    pub fn as_str(self) -> &'static str {
        match self {
            ExternalAudience::None => "None",
            ExternalAudience::Known => "Known",
            ExternalAudience::All => "All",
        }
    }
}

/// A mailbox's out-of-office settings (`t:UserOofSettings`). `start` and `end` are
/// `xs:dateTime` values such as `2026-11-20T08:00:00Z`; Exchange always reports a
/// duration, even when the state is not `Scheduled`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OofSettings {
    pub state: OofState,
    pub external_audience: ExternalAudience,
    pub start: String,
    pub end: String,
    pub internal_reply: String,
    pub external_reply: String,
}

impl Default for OofSettings {
    fn default() -> Self {
        OofSettings {
            state: OofState::Disabled,
            external_audience: ExternalAudience::All,
            start: "2026-01-01T00:00:00Z".into(),
            end: "2026-01-02T00:00:00Z".into(),
            internal_reply: String::new(),
            external_reply: String::new(),
        }
    }
}

/// One mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub address: String,
    pub display_name: String,
    pub oof: OofSettings,
    pub store: Store,
}

/// All mailboxes, keyed by lower-cased primary SMTP address.
#[derive(Debug, Default)]
pub struct Model {
    mailboxes: BTreeMap<String, Mailbox>,
    /// Item id → response codes to answer for it, one per request touching it.
    item_faults: HashMap<String, VecDeque<String>>,
    /// Accounts (lower-cased) holding the Discovery Management role.
    discovery_managers: Vec<String>,
    /// Drafts waiting for SendItem (a reply with attachments), by item id:
    /// what the mock will send, kept whole rather than read back from MIME.
    pub drafts: HashMap<String, crate::compose::Mail>,
    /// The organization's maximum message size (ErrorMessageSizeExceeded above it).
    pub max_send_bytes: Option<usize>,
    /// Mailboxes over their send quota (ErrorQuotaExceeded), lower-cased.
    pub over_quota: Vec<String>,
}

fn key(address: &str) -> String {
    address.trim().to_ascii_lowercase()
}

impl Model {
    /// Gives `account` the Discovery Management role (eDiscovery operations).
    pub fn grant_discovery(&mut self, account: &str) {
        self.discovery_managers.push(key(account));
    }

    pub fn is_discovery_manager(&self, account: &str) -> bool {
        self.discovery_managers.contains(&key(account))
    }

    /// Adds a mailbox, or renames an existing one (its contents are kept).
    pub fn add_mailbox(&mut self, address: &str, display_name: &str) {
        let entry = self
            .mailboxes
            .entry(key(address))
            .or_insert_with(|| Mailbox {
                address: address.trim().to_string(),
                display_name: String::new(),
                oof: OofSettings::default(),
                store: Store::new(address),
            });
        entry.display_name = display_name.to_string();
    }

    pub fn mailbox(&self, address: &str) -> Option<&Mailbox> {
        self.mailboxes.get(&key(address))
    }

    pub fn mailbox_mut(&mut self, address: &str) -> Option<&mut Mailbox> {
        self.mailboxes.get_mut(&key(address))
    }

    pub fn contains(&self, address: &str) -> bool {
        self.mailboxes.contains_key(&key(address))
    }

    pub fn mailboxes(&self) -> impl Iterator<Item = &Mailbox> {
        self.mailboxes.values()
    }

    /// The mailbox holding an item, and the item.
    pub fn find_message(&self, item_id: &str) -> Option<(&Mailbox, &StoredMessage)> {
        self.mailboxes
            .values()
            .find_map(|m| m.store.message(item_id).map(|msg| (m, msg)))
    }

    /// The address of the mailbox holding a folder.
    pub fn folder_owner(&self, folder_id: &str) -> Option<String> {
        self.mailboxes
            .values()
            .find(|m| m.store.folder(folder_id).is_some())
            .map(|m| m.address.clone())
    }

    /// Makes the next `times` GetItem/UpdateItem answers for this item an error.
    pub fn fail_item(&mut self, item_id: &str, response_code: &str, times: usize) {
        let queue = self.item_faults.entry(item_id.to_string()).or_default();
        queue.extend(std::iter::repeat_n(response_code.to_string(), times));
    }

    /// The injected response code for this item, if any (consumed).
    pub fn take_item_fault(&mut self, item_id: &str) -> Option<String> {
        self.item_faults.get_mut(item_id)?.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_match_case_insensitively() {
        let mut model = Model::default();
        model.add_mailbox("Analyst@Contoso.example", "Analyst");
        assert!(model.contains("analyst@contoso.example"));
        model
            .mailbox_mut("ANALYST@contoso.example")
            .unwrap()
            .oof
            .state = OofState::Enabled;
        let mailbox = model.mailbox("analyst@contoso.example").unwrap();
        assert_eq!(mailbox.address, "Analyst@Contoso.example");
        assert_eq!(mailbox.oof.state, OofState::Enabled);
    }
}
