//! `Mailbox::search` and the daemon's watch over Graph. A filter that
//! `$filter` can say is sent as one, sorted by received time and counted;
//! one that needs text search (`query`, `body`, `to`, `cc`, part of the
//! sender's address) goes as `$search` (KQL), which Graph will not combine
//! with `$filter`, `$orderby` or `$skip`: the rest of the filter is then
//! applied here to the first `SEARCH_WINDOW` results, newest first.

use super::calls::list_messages::{self, Listing, Order};
use super::client::GraphClient;
use super::convert::{addresses, found_item};
use super::odata::{self, literal};
use super::types::Message;
use crate::ews::error::Error;
use crate::mailbox::{
    merged_window, Filter, FolderRef, Found, FoundEmail, Search, Watch, WatchPage,
};

/// How many results of a `$search` are read (Graph's own ceiling for one).
const SEARCH_WINDOW: usize = 1000;
/// `$search` page size.
const SEARCH_PAGE: u32 = 250;

/// The `$filter` terms after the received-time lower bound.
fn filter_terms(f: &Filter) -> Vec<String> {
    let mut all = Vec::new();
    if let Some(t) = f.received_before {
        all.push(format!("receivedDateTime lt {}", odata::time(t)));
    }
    if let Some(s) = &f.subject {
        all.push(format!("contains(subject,{})", literal(s)));
    }
    if let Some(id) = &f.message_id {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        all.push(format!(
            "internetMessageId eq {}",
            literal(&format!("<{id}>"))
        ));
    }
    if let Some(b) = f.is_read {
        all.push(format!("isRead eq {b}"));
    }
    if let Some(b) = f.has_attachments {
        all.push(format!("hasAttachments eq {b}"));
    }
    if let Some(i) = &f.importance {
        all.push(format!("importance eq {}", literal(&i.to_lowercase())));
    }
    let any: Vec<String> = f
        .categories
        .iter()
        .map(|c| format!("categories/any(c:c eq {})", literal(c)))
        .collect();
    all.extend(odata::any(any));
    all
}

/// The KQL for what `$filter` cannot say; `None` when `$filter` suffices.
fn kql(f: &Filter, query: Option<&str>) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    for (key, v) in [
        ("body", &f.body),
        ("from", &f.from),
        ("to", &f.to),
        ("cc", &f.cc),
    ] {
        if let Some(v) = v {
            terms.push(format!("{key}:{}", odata::phrase(v)));
        }
    }
    match (query, terms.is_empty()) {
        (Some(q), true) => Some(q.to_string()),
        // Its own ORs must not bind the terms after it.
        (Some(q), false) => Some(format!("({q}) AND {}", terms.join(" AND "))),
        (None, false) => Some(terms.join(" AND ")),
        (None, true) => None,
    }
}

/// What a `$search` cannot be asked: the filter's other terms, applied here.
fn keeps(f: &Filter, m: &Message) -> bool {
    let received = super::convert::time(&m.received_date_time);
    let lower = |s: &Option<String>| s.as_deref().unwrap_or_default().to_lowercase();
    f.subject
        .as_ref()
        .is_none_or(|s| lower(&m.subject).contains(&s.to_lowercase()))
        && f.message_id.as_ref().is_none_or(|id| {
            let id = id.trim().trim_start_matches('<').trim_end_matches('>');
            m.internet_message_id.as_deref() == Some(&format!("<{id}>"))
        })
        && f.is_read.is_none_or(|b| m.is_read == Some(b))
        && f.has_attachments
            .is_none_or(|b| m.has_attachments == Some(b))
        && f.importance
            .as_ref()
            .is_none_or(|i| lower(&m.importance) == i.to_lowercase())
        && (f.categories.is_empty() || f.categories.iter().any(|c| m.categories.contains(c)))
        && f.received_after
            .is_none_or(|t| received.is_some_and(|r| r >= t))
        && f.received_before
            .is_none_or(|t| received.is_some_and(|r| r < t))
}

fn email(m: Message, folder: &str) -> FoundEmail {
    let to = addresses(&m.to_recipients);
    let cc = addresses(&m.cc_recipients);
    let preview = m.body_preview.clone().filter(|p| !p.is_empty());
    let i = found_item(m);
    FoundEmail {
        item: i.id,
        folder: folder.to_string(),
        subject: i.subject,
        from: i.from,
        to,
        cc,
        received: i.received,
        sent: i.sent,
        message_id: i.internet_message_id,
        is_read: i.is_read,
        has_attachments: i.has_attachments,
        importance: i.importance,
        categories: i.categories,
        size: i.size,
        preview,
    }
}

pub fn search(client: &mut GraphClient, mailbox: &str, s: &Search) -> Result<Found, Error> {
    let text = kql(&s.filter, s.query.as_deref());
    let single = s.folders.len() == 1 && text.is_none();
    let (skip, top) = if single {
        (s.offset, s.limit)
    } else {
        (0, s.offset.saturating_add(s.limit))
    };
    let mut found: Vec<FoundEmail> = Vec::new();
    let mut total: u64 = 0;
    for (folder, path) in &s.folders {
        match &text {
            Some(kql) => {
                let got = searched(client, mailbox, folder, kql, &s.filter)?;
                total += got.len() as u64;
                found.extend(got.into_iter().map(|m| email(m, path)));
            }
            None => {
                let filter = odata::all(filter_terms(&s.filter));
                let listing = Listing {
                    folder,
                    filter,
                    received_after: s.filter.received_after,
                    order: Order::Received {
                        newest_first: s.newest_first,
                    },
                    top: top.max(1),
                    skip,
                    count: true,
                };
                let url = list_messages::url(mailbox, &listing);
                let page = list_messages::page(client, mailbox, url)?;
                total += page.count.unwrap_or(page.value.len() as u64);
                found.extend(page.value.into_iter().map(|m| email(m, path)));
            }
        }
    }
    if !single {
        found = merged_window(found, s, |e| e.received);
    }
    found.truncate(s.limit as usize);
    Ok(Found {
        emails: found,
        total,
    })
}

/// The first `SEARCH_WINDOW` results of a `$search` in `folder` that the
/// rest of the filter keeps.
fn searched(
    client: &mut GraphClient,
    mailbox: &str,
    folder: &FolderRef,
    kql: &str,
    filter: &Filter,
) -> Result<Vec<Message>, Error> {
    let listing = Listing {
        folder,
        filter: None,
        received_after: None,
        order: Order::Search(kql.to_string()),
        top: SEARCH_PAGE,
        skip: 0,
        count: false,
    };
    let mut next = Some(list_messages::url(mailbox, &listing));
    let mut read = 0;
    let mut out = Vec::new();
    while let Some(url) = next.take() {
        let page = list_messages::page(client, mailbox, url)?;
        read += page.value.len();
        out.extend(page.value.into_iter().filter(|m| keeps(filter, m)));
        if read < SEARCH_WINDOW {
            next = page.next_link;
        }
    }
    Ok(out)
}

/// A page of the unread mail of `folder` that the watch's keywords and
/// bounds let through, oldest first. The sender's domain is decided by the
/// daemon on the listing's From address, which Graph (unlike EWS's FindItem)
/// gives.
pub fn watch_page(
    client: &mut GraphClient,
    mailbox: &str,
    folder: &FolderRef,
    w: &Watch,
    offset: u32,
    page_size: u32,
) -> Result<WatchPage, Error> {
    let mut terms = Vec::new();
    if let Some(t) = w.before {
        terms.push(format!("receivedDateTime lt {}", odata::time(t)));
    }
    terms.push("isRead eq false".to_string());
    let any: Vec<String> = w
        .keywords
        .iter()
        .map(|k| format!("contains(subject,{})", literal(k)))
        .collect();
    terms.extend(odata::any(any));
    let listing = Listing {
        folder,
        filter: odata::all(terms),
        received_after: w.after,
        order: Order::Received {
            newest_first: false,
        },
        top: page_size,
        skip: offset,
        // The backlog, for the host's progress: asked on the first page only.
        count: offset == 0,
    };
    let url = list_messages::url(mailbox, &listing);
    let page = list_messages::page(client, mailbox, url)?;
    let items: Vec<_> = page.value.into_iter().map(found_item).collect();
    Ok(WatchPage {
        includes_last: page.next_link.is_none() || items.is_empty(),
        next_offset: offset + items.len() as u32,
        items,
        total: page.count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The query string's `$filter` value as Graph reads it back.
    fn decoded_filter(url: &str) -> String {
        let value = url
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("$filter="))
            .expect("a $filter");
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&value[i + 1..i + 3], 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("UTF-8")
    }

    /// The OData string literal that starts at `from` in `filter`, unquoted.
    fn literal_at(filter: &str, from: usize) -> String {
        let mut out = String::new();
        let mut chars = filter[from..].chars().peekable();
        assert_eq!(chars.next(), Some('\''));
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return out;
                }
            } else {
                out.push(c);
            }
        }
        panic!("an unterminated literal in {filter}")
    }

    proptest! {
        #![proptest_config(crate::properties::config(1_000))]

        /// Any subject, category or Message-ID a user gives stays inside its
        /// literal: the URL carries no raw delimiter, and Graph reads back
        /// exactly the value.
        #[test]
        fn prop_filter_values_stay_in_their_literals(subject in any::<String>(), category in any::<String>(), id in any::<String>()) {
            let f = Filter {
                subject: Some(subject.clone()),
                categories: vec![category.clone()],
                message_id: Some(id.clone()),
                ..Filter::default()
            };
            let folder = FolderRef::Distinguished { name: "inbox".into(), mailbox: None };
            let url = list_messages::url("soc@example.com", &Listing {
                folder: &folder,
                filter: odata::all(filter_terms(&f)),
                received_after: None,
                order: Order::Received { newest_first: true },
                top: 10,
                skip: 0,
                count: true,
            });
            prop_assert!(!url.contains([' ', '#', '+', '"']), "{}", url);
            prop_assert_eq!(url.matches('&').count(), 5, "one & per option: {}", url);
            let filter = decoded_filter(&url);
            let at = filter.find("contains(subject,").unwrap() + "contains(subject,".len();
            prop_assert_eq!(literal_at(&filter, at), subject);
            let at = filter.find("categories/any(c:c eq ").unwrap() + "categories/any(c:c eq ".len();
            prop_assert_eq!(literal_at(&filter, at), category);
            let at = filter.find("internetMessageId eq ").unwrap() + "internetMessageId eq ".len();
            let want = format!("<{}>", id.trim().trim_start_matches('<').trim_end_matches('>'));
            prop_assert_eq!(literal_at(&filter, at), want);
        }

        /// A `$search` value is one quoted string whatever the words.
        #[test]
        fn prop_search_text_stays_one_quoted_string(body in any::<String>(), query in any::<String>()) {
            let f = Filter { body: Some(body), ..Filter::default() };
            let kql = kql(&f, Some(&query)).expect("text to search");
            let v = odata::search(&kql);
            prop_assert!(v.starts_with('"') && v.ends_with('"'));
            let inner = &v[1..v.len() - 1];
            // Every quote inside is escaped, so the value cannot end early.
            let mut escaped = false;
            for c in inner.chars() {
                if !escaped && c == '"' {
                    prop_assert!(false, "an unescaped quote in {}", v);
                }
                escaped = !escaped && c == '\\';
            }
            prop_assert!(!escaped, "a trailing backslash escapes the closing quote: {}", v);
        }
    }

    #[test]
    fn text_filters_go_to_kql_the_rest_to_filter() {
        let f = Filter {
            subject: Some("Invoice 'Q4'".into()),
            is_read: Some(false),
            categories: vec!["Phish".into(), "Red".into()],
            ..Filter::default()
        };
        assert_eq!(kql(&f, None), None);
        assert_eq!(
            filter_terms(&f),
            vec![
                "contains(subject,'Invoice ''Q4''')".to_string(),
                "isRead eq false".into(),
                "(categories/any(c:c eq 'Phish') or categories/any(c:c eq 'Red'))".into()
            ]
        );
        let f = Filter {
            body: Some("wire \"now\"".into()),
            from: Some("evil".into()),
            ..f
        };
        assert_eq!(
            kql(&f, Some("urgent")).unwrap(),
            "(urgent) AND body:\"wire  now \" AND from:\"evil\""
        );
        let m: Message = serde_json::from_str(
            r#"{"id":"a","subject":"Re: invoice 'q4'","isRead":false,"categories":["Red"]}"#,
        )
        .unwrap();
        assert!(keeps(&f, &m));
        let read: Message = serde_json::from_str(
            r#"{"id":"a","subject":"invoice 'q4'","isRead":true,"categories":["Red"]}"#,
        )
        .unwrap();
        assert!(!keeps(&f, &read));
    }
}
