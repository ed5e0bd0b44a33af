//! `Mailbox::search` over EWS: the filter as a FindItem Restriction (or the
//! query as a QueryString), one FindItem per folder, then one GetItem per
//! hundred results for what FindItem never returns (recipients, preview).

use super::client::{Client, Target};
use super::error::Error;
use super::operations::find_item::{self, Expr, FoundItem, Prop, Query, FROM_SMTP_TAG};
use super::operations::get_item::{self, Shape};
use crate::mailbox::{merged_window, Filter, Found, FoundEmail, ItemRef, Search};
use crate::time::format_rfc3339_utc;

/// GetItem batch size for the details of a page.
const DETAILS_BATCH: usize = 100;

/// The filter as a Restriction; `None` when there is nothing to filter.
pub fn restriction(f: &Filter) -> Option<Expr> {
    let mut all = Vec::new();
    let contains = |all: &mut Vec<Expr>, prop: Prop, v: &Option<String>| {
        if let Some(v) = v {
            all.push(Expr::Contains(prop, v.clone()));
        }
    };
    contains(&mut all, "item:Subject".into(), &f.subject);
    contains(&mut all, "item:Body".into(), &f.body);
    contains(&mut all, Prop::StringTag(FROM_SMTP_TAG), &f.from);
    contains(&mut all, "item:DisplayTo".into(), &f.to);
    contains(&mut all, "item:DisplayCc".into(), &f.cc);
    if let Some(id) = &f.message_id {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        all.push(Expr::IsEqualTo(
            "message:InternetMessageId",
            format!("<{id}>"),
        ));
    }
    if let Some(t) = f.received_after {
        all.push(Expr::IsGreaterThanOrEqualTo(
            "item:DateTimeReceived",
            format_rfc3339_utc(t),
        ));
    }
    if let Some(t) = f.received_before {
        all.push(Expr::IsLessThan(
            "item:DateTimeReceived",
            format_rfc3339_utc(t),
        ));
    }
    if let Some(b) = f.is_read {
        all.push(Expr::IsEqualTo("message:IsRead", b.to_string()));
    }
    if let Some(b) = f.has_attachments {
        all.push(Expr::IsEqualTo("item:HasAttachments", b.to_string()));
    }
    if let Some(i) = &f.importance {
        all.push(Expr::IsEqualTo("item:Importance", i.clone()));
    }
    let any: Vec<Expr> = f
        .categories
        .iter()
        .map(|c| Expr::IsEqualTo("item:Categories", c.clone()))
        .collect();
    all.extend(Expr::any(any));
    Expr::all(all)
}

pub fn search(client: &mut Client, target: &Target, s: &Search) -> Result<Found, Error> {
    let filter = restriction(&s.filter);
    // One folder pages on the server; several are merged here, so each
    // gives its first offset + limit and the merge takes the window.
    let single = s.folders.len() == 1;
    let (offset, max) = if single {
        (s.offset, s.limit)
    } else {
        (0, s.offset.saturating_add(s.limit))
    };
    let mut found: Vec<(FoundItem, &str)> = Vec::new();
    let mut total: u64 = 0;
    for (folder, path) in &s.folders {
        let q = Query {
            parent: folder,
            offset,
            max_entries: max.max(1),
            restriction: filter.as_ref(),
            properties: find_item::SEARCH_PROPERTIES,
            newest_first: s.newest_first,
            query_string: s.query.as_deref(),
        };
        let answer = client.call_as(target, find_item::NAME, |x| find_item::write(x, &q))?;
        let page = find_item::read(&answer, offset)?;
        total += u64::from(page.total.unwrap_or(page.items.len() as u32));
        found.extend(page.items.into_iter().map(|i| (i, path.as_str())));
    }
    if !single {
        found = merged_window(found, s, |(i, _)| i.received);
    }
    found.truncate(s.limit as usize);
    let mut emails: Vec<FoundEmail> = found.into_iter().map(|(i, path)| email(i, path)).collect();
    details(client, target, &mut emails)?;
    Ok(Found { emails, total })
}

fn email(i: FoundItem, folder: &str) -> FoundEmail {
    let from = i.from.map(|mut a| {
        a.address = a.address.or(i.from_smtp.clone());
        a
    });
    FoundEmail {
        item: i.id,
        folder: folder.to_string(),
        subject: i.subject,
        from,
        to: vec![],
        cc: vec![],
        received: i.received,
        sent: i.sent,
        message_id: i.internet_message_id,
        is_read: i.is_read,
        has_attachments: i.has_attachments,
        importance: i.importance,
        categories: i.categories,
        size: i.size,
        preview: None,
    }
}

/// Recipients (and the preview, on servers that have one) by GetItem.
fn details(client: &mut Client, target: &Target, emails: &mut [FoundEmail]) -> Result<(), Error> {
    // Asking an older server for item:Preview would be a schema error.
    let preview = super::operations::exchange_2013_or_later(client.server_version());
    let shape = Shape::Recipients { preview };
    for chunk in emails.chunks_mut(DETAILS_BATCH) {
        let ids: Vec<ItemRef> = chunk.iter().map(|e| e.item.clone()).collect();
        let answer = client.call_as(target, get_item::NAME, |x| get_item::write(x, &ids, shape))?;
        for (e, got) in chunk
            .iter_mut()
            .zip(get_item::read(answer, ids.len(), shape)?)
        {
            // An email moved or deleted since FindItem keeps what FindItem said.
            let Ok(item) = got else { continue };
            if let Some(d) = item.details {
                e.to = d.to;
                e.cc = d.cc;
                e.preview = d.preview;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;
    use crate::mailbox::FolderRef;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(any::<String>())
    }

    proptest! {
        // Each case runs xmllint on the request: few in CI, many in scripts/fuzz.
        #![proptest_config(crate::properties::config_costly(12))]

        /// Any filter a user can give makes a FindItem that Microsoft's
        /// schema accepts (the values' escaping is envelope.rs's property).
        #[test]
        fn prop_any_filter_makes_a_request_the_schema_accepts(
            subject in text(), body in text(), from in text(), to in text(),
            message_id in text(), after in proptest::option::of(0i64..4_000_000_000),
            is_read in proptest::option::of(any::<bool>()),
            categories in proptest::collection::vec(any::<String>(), 0..3),
        ) {
            let f = Filter {
                subject, body, from, to, message_id,
                received_after: after,
                is_read,
                categories,
                ..Filter::default()
            };
            let Some(r) = restriction(&f) else {
                return Ok(());
            };
            let parent = FolderRef::Id("AAMk".into());
            let q = Query {
                parent: &parent,
                offset: 0,
                max_entries: 50,
                restriction: Some(&r),
                properties: find_item::SEARCH_PROPERTIES,
                newest_first: true,
                query_string: None,
            };
            schema_check::validate("prop-filter", "Exchange2013", None, |x| find_item::write(x, &q), "m:FindItem", false);
        }
    }

    #[test]
    fn every_filter_gives_a_request_exchange_accepts() {
        let f = Filter {
            subject: Some("</t:Subject><t:Body>]]>&".into()),
            body: Some("x".into()),
            from: Some("evil".into()),
            to: Some("alice".into()),
            cc: Some("bob".into()),
            message_id: Some("a@b".into()),
            received_after: Some(1_700_000_000),
            received_before: Some(1_800_000_000),
            is_read: Some(false),
            has_attachments: Some(true),
            importance: Some("High".into()),
            categories: vec!["Phish".into(), "Red".into()],
        };
        let r = restriction(&f).unwrap();
        let parent = FolderRef::Id("AAMk".into());
        for (name, query) in [("se-filter", None), ("se-query", Some("from:x"))] {
            schema_check::validate(
                name,
                "Exchange2013",
                Some("soc@example.com"),
                |x| {
                    find_item::write(
                        x,
                        &Query {
                            parent: &parent,
                            offset: 0,
                            max_entries: 50,
                            restriction: query.is_none().then_some(&r),
                            properties: find_item::SEARCH_PROPERTIES,
                            newest_first: true,
                            query_string: query,
                        },
                    )
                },
                "m:FindItem",
                true,
            );
        }
        assert!(restriction(&Filter::default()).is_none());
        let Expr::And(all) = r else { panic!() };
        assert!(all.contains(&Expr::IsEqualTo(
            "message:InternetMessageId",
            "<a@b>".into()
        )));
    }
}
