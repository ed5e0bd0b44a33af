//! A mail search, transport-neutral: which folders, which filters, which page.

use super::{Address, FolderRef, ItemRef};

/// Every filter is optional; those given must all match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Substrings, case-insensitive.
    pub subject: Option<String>,
    pub body: Option<String>,
    /// Part of the sender's SMTP address.
    pub from: Option<String>,
    /// Part of the To / Cc line as displayed (names, or addresses without one).
    pub to: Option<String>,
    pub cc: Option<String>,
    /// The Internet Message-ID, exactly (angle brackets optional).
    pub message_id: Option<String>,
    /// Unix seconds: received at or after, before.
    pub received_after: Option<i64>,
    pub received_before: Option<i64>,
    pub is_read: Option<bool>,
    pub has_attachments: Option<bool>,
    /// Low, Normal or High.
    pub importance: Option<String>,
    /// Any of these.
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The folders searched, each with the path shown in results.
    pub folders: Vec<(FolderRef, String)>,
    pub filter: Filter,
    /// A server-side query string (AQS for EWS), instead of `filter`.
    pub query: Option<String>,
    pub offset: u32,
    pub limit: u32,
    pub newest_first: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FoundEmail {
    pub item: ItemRef,
    /// The folder's path as the search named it.
    pub folder: String,
    pub subject: Option<String>,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub received: Option<i64>,
    pub sent: Option<i64>,
    pub message_id: Option<String>,
    pub is_read: Option<bool>,
    pub has_attachments: Option<bool>,
    pub importance: Option<String>,
    pub categories: Vec<String>,
    pub size: Option<u64>,
    /// The start of the text body, where the server offers one.
    pub preview: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found {
    pub emails: Vec<FoundEmail>,
    /// Every match in the searched folders.
    pub total: u64,
}

/// What the daemon asks the server for: unread mail with any of `keywords`
/// in the subject (case-insensitive), received in `[after, before)`, and
/// from `sender_domains` as a prefilter (the exact match is the daemon's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Watch {
    pub keywords: Vec<String>,
    pub sender_domains: Vec<String>,
    pub after: Option<i64>,
    pub before: Option<i64>,
}

/// One page of a watched folder, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchPage {
    pub items: Vec<super::FoundItem>,
    pub includes_last: bool,
    pub next_offset: u32,
    /// Every unread email of the view, as the server counts it (EWS's
    /// TotalItemsInView, Graph's `@odata.count`), when it says.
    pub total: Option<u64>,
}

/// The page `s` asks for out of several folders' results merged (each
/// folder was asked for its first `offset + limit`): sorted by received
/// time as `s` wants, then the window. One folder's results are already
/// the page.
pub fn merged_window<T>(
    mut found: Vec<T>,
    s: &Search,
    received: impl Fn(&T) -> Option<i64>,
) -> Vec<T> {
    found.sort_by_key(|t| received(t));
    if s.newest_first {
        found.reverse();
    }
    found
        .into_iter()
        .skip(s.offset as usize)
        .take(s.limit as usize)
        .collect()
}
