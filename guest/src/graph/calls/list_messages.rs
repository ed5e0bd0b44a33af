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
use crate::platform::Level;

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

/// One page. A message whose JSON is not what Graph documents is kept with
/// its id alone (and a warning), so that it is still fetched and delivered:
/// one odd email never stalls a folder.
pub fn page(client: &mut GraphClient, mailbox: &str, url: String) -> Result<Page<Message>, Error> {
    let call = Call {
        what: "read the messages of a folder",
        permission: MAIL,
        mailbox,
    };
    let raw: Page<serde_json::Value> = client.json(&call, Req::get(url))?;
    let mut value = Vec::with_capacity(raw.value.len());
    for v in raw.value {
        match serde_json::from_value::<Message>(v.clone()) {
            Ok(m) => value.push(m),
            Err(e) => {
                let Some(id) = v["id"].as_str() else {
                    return Err(Error::Malformed(format!(
                        "a message without an id in a listing of {mailbox}: {e}"
                    )));
                };
                client.host().log(
                    Level::Warn,
                    "graph.list_messages",
                    &format!("{id}: listed with properties Graph does not document ({e}); fetched by id alone"),
                );
                value.push(Message {
                    id: id.to_string(),
                    ..Message::default()
                });
            }
        }
    }
    Ok(Page {
        value,
        next_link: raw.next_link,
        count: raw.count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_graph_describes_oddly_is_kept_by_its_id() {
        let host = crate::platform::fake::FakeHost::with_config(&[
            ("api", "graph"),
            ("tenant", "t"),
            ("client_id", "c"),
            ("primary_smtp_address", "soc@example.com"),
            ("graph_url", "http://127.0.0.1:9/v1.0"),
            ("token_url", "http://127.0.0.1:9/t"),
        ])
        .secret("client_secret", "s");
        host.respond(200, &[], r#"{"access_token":"a","expires_in":3600}"#);
        host.respond(
            200,
            &[],
            r#"{"value":[{"id":"A","subject":"fine","isRead":false},{"id":"B","isRead":"yes","categories":7}]}"#,
        );
        let config = crate::config::Config::load(&host).unwrap();
        let mut client = GraphClient::new(&host, &config);
        let page = page(&mut client, "soc@example.com", "/x".into()).unwrap();
        let ids: Vec<&str> = page.value.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["A", "B"]);
        assert_eq!(page.value[0].subject.as_deref(), Some("fine"));
        assert_eq!(page.value[1].is_read, None);
    }

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
