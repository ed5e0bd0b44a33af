//! `GET /users/{u}/mailFolders/{folder}/messages`: a page of a folder,
//! filtered with `$filter` (sorted by received time) or searched with
//! `$search` (KQL, newest first, no count).

use super::{folder_segment, MAIL};
use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::convert::SIZE_PROPERTY;
use crate::graph::error::Call;
use crate::graph::odata;
use crate::graph::types::{Message, Page};
use crate::mailbox::FolderRef;

/// What a listing reads of each message.
pub const SELECT: &str = "id,changeKey,subject,receivedDateTime,sentDateTime,from,toRecipients,\
ccRecipients,isRead,hasAttachments,importance,categories,internetMessageId,bodyPreview";

pub enum Order {
    /// By received time; `$filter` then starts with `receivedDateTime`
    /// (Graph refuses an `$orderby` not first in the `$filter`).
    Received { newest_first: bool },
    /// `$search`'s own order (newest first); no `$skip`, no count.
    Search(String),
}

pub struct Listing<'a> {
    pub folder: &'a FolderRef,
    /// The terms after the received-time bound, joined with `and`.
    pub filter: Option<String>,
    /// Lower bound of the received time (the epoch when there is none).
    pub received_after: Option<i64>,
    pub order: Order,
    pub top: u32,
    pub skip: u32,
    pub count: bool,
}

/// The first page's URL.
pub fn url(mailbox: &str, l: &Listing) -> String {
    let mut options: Vec<(&str, String)> = Vec::new();
    match &l.order {
        Order::Received { newest_first } => {
            let since = odata::time(l.received_after.unwrap_or(0));
            let mut filter = format!("receivedDateTime ge {since}");
            if let Some(f) = &l.filter {
                filter = format!("{filter} and {f}");
            }
            options.push(("$filter", filter));
            let dir = if *newest_first { "desc" } else { "asc" };
            options.push(("$orderby", format!("receivedDateTime {dir}")));
            if l.skip > 0 {
                options.push(("$skip", l.skip.to_string()));
            }
        }
        Order::Search(kql) => options.push(("$search", odata::search(kql))),
    }
    options.push(("$top", l.top.clamp(1, 1000).to_string()));
    if l.count && matches!(l.order, Order::Received { .. }) {
        options.push(("$count", "true".into()));
    }
    options.push(("$select", SELECT.into()));
    options.push((
        "$expand",
        format!("singleValueExtendedProperties($filter=id eq '{SIZE_PROPERTY}')"),
    ));
    format!(
        "{}/mailFolders/{}/messages{}",
        GraphClient::user(mailbox),
        folder_segment(l.folder),
        odata::query(&options)
    )
}

pub fn page(client: &mut GraphClient, mailbox: &str, url: String) -> Result<Page<Message>, Error> {
    let call = Call {
        what: "read the messages of a folder",
        permission: MAIL,
        mailbox,
    };
    client.json(&call, Req::get(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sort_property_leads_the_filter() {
        let folder = FolderRef::Distinguished {
            name: "inbox".into(),
            mailbox: None,
        };
        let u = url(
            "soc@example.com",
            &Listing {
                folder: &folder,
                filter: Some("isRead eq false".into()),
                received_after: None,
                order: Order::Received {
                    newest_first: false,
                },
                top: 50,
                skip: 100,
                count: false,
            },
        );
        assert!(
            u.starts_with("/users/soc@example.com/mailFolders/inbox/messages?$filter=receivedDateTime%20ge%201970-01-01T00:00:00Z%20and%20isRead%20eq%20false&$orderby=receivedDateTime%20asc&$skip=100&$top=50&$select="),
            "{u}"
        );
    }
}
