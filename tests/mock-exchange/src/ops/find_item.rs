//! FindItem: the messages of one or more folders (Shallow), filtered by a
//! Restriction, ordered by SortOrder (`item:DateTimeReceived`, `item:Subject`,
//! `item:Size`, `item:DateTimeSent`; newest first without one), paged by
//! IndexedPageItemView, each shaped by ItemShape.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem-operation>
//!
//! Held to what Exchange documents, where a naive reading differs:
//! - Properties (item_xml.rs): `From`/`Sender` carry the Name only, text is
//!   cut at 255 characters, and Body, Attachments, recipients and
//!   InternetMessageHeaders are refused (ErrorInvalidPropertyRequest): "FindItem
//!   returns only the first 512 bytes of any streamable property... only the
//!   Name property of the Mailbox" (FindItem operation).
//! - Paging: `m:RootFolder` has `IndexedPagingOffset` (where the next page
//!   starts), `TotalItemsInView` (all matches, not this page's) and
//!   `IncludesLastItemInRange`; an offset past the end is an empty last page.
//!   <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/rootfolder-finditemresponsemessage>
//! - `item:Size` is the store's size, smaller than the MIME when attachments
//!   are base64 in it (store.rs).
//! - `DateTimeReceived` is written to the second, in UTC (`2006-10-26T21:32:52Z`
//!   in Microsoft's samples); a restriction compares the stored instant, so
//!   `IsGreaterThanOrEqualTo` a second includes that whole second here, as a
//!   client that filters by whole seconds expects.
//! - `message:IsRead` in a restriction compares the Boolean; `IsEqualTo
//!   "false"` is how clients ask for unread mail (exchangelib's `is_read=False`).
//! - Extended properties: `t:ExtendedFieldURI` in AdditionalProperties gives
//!   `t:ExtendedProperty` (only when the item has a value), and in a
//!   Restriction (Contains, Exists) it is evaluated like a field; the mock
//!   knows PidTagSentRepresentingSmtpAddress (0x5D02).

use std::cmp::Ordering;

use super::common::{self, EwsError, Page};
use super::item_xml::{write_message, ItemShape, GET_ITEM_ONLY};
use super::{Call, Reply};
use crate::dom::Element;
use crate::restriction::{self, Field, Value, MESSAGE_FIELDS};
use crate::soap::{XmlOut, MESSAGES_NS, TYPES_NS};
use crate::store::StoredMessage;

pub const ELEMENT: &str = "FindItem";
const MESSAGE: &str = "FindItemResponseMessage";

/// A property's value for the Restriction evaluator.
pub fn value(m: &StoredMessage, field: Field) -> Option<Value> {
    let s = &m.summary;
    Some(match field {
        Field::IsRead => Value::Bool(m.is_read),
        Field::Subject => Value::Text(vec![s.subject.clone()]),
        Field::DateTimeReceived => Value::Date(m.received),
        Field::DateTimeSent => Value::Date(s.sent.unwrap_or(m.received)),
        Field::From => {
            let v: Vec<String> = [&s.from_address, &s.from_name]
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            if v.is_empty() {
                return None;
            }
            Value::Text(v)
        }
        Field::HasAttachments => Value::Bool(s.has_attachments()),
        Field::InternetMessageId => Value::Text(vec![s.internet_message_id.clone()?]),
        Field::Body => Value::Text(vec![s.body_text.clone()]),
        Field::Categories => Value::Text(m.categories.clone()),
        Field::Importance => Value::Text(vec![m.importance.clone()]),
        Field::Size => Value::Int(m.size() as i64),
        Field::ItemClass => Value::Text(vec!["IPM.Note".into()]),
        Field::FromSmtp => Value::Text(vec![m.from_smtp.clone()?]),
        Field::DisplayTo => Value::Text(vec![display(&s.to)]),
        Field::DisplayCc => Value::Text(vec![display(&s.cc)]),
        _ => return None,
    })
}

/// A To or Cc line as Exchange displays it: names, or addresses without one.
pub fn display(list: &[(Option<String>, String)]) -> String {
    list.iter()
        .map(|(name, address)| name.clone().unwrap_or_else(|| address.clone()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A QueryString (AQS), the subset the mock understands: terms that must
/// all match, each `key:value` or `key:"quoted value"` (subject, from, to,
/// cc, body) or free text (subject or body), compared case-insensitively.
fn query_matches(m: &StoredMessage, query: &str) -> bool {
    let s = &m.summary;
    let mut rest = query.trim();
    while !rest.is_empty() {
        let (key, after) = match rest.split_once(':') {
            Some((k, a)) if !k.contains([' ', '"']) => (Some(k.to_lowercase()), a),
            _ => (None, rest),
        };
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            match q.split_once('"') {
                Some((v, n)) => (v, n),
                None => (q, ""),
            }
        } else {
            match after.split_once(' ') {
                Some((v, n)) => (v, n),
                None => (after, ""),
            }
        };
        rest = next.trim_start();
        let v = value.to_lowercase();
        let has = |text: &str| text.to_lowercase().contains(&v);
        let from = format!(
            "{} {}",
            s.from_name.as_deref().unwrap_or(""),
            m.from_smtp.as_deref().unwrap_or("")
        );
        let ok = match key.as_deref() {
            Some("subject") => has(&s.subject),
            Some("from") => has(&from),
            Some("to") => {
                s.to.iter()
                    .any(|(n, a)| has(a) || n.as_deref().is_some_and(has))
            }
            Some("cc") => {
                s.cc.iter()
                    .any(|(n, a)| has(a) || n.as_deref().is_some_and(has))
            }
            Some("body") => has(&s.body_text),
            _ => has(&s.subject) || has(&s.body_text),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// (field, descending) pairs of SortOrder; newest received first by default.
fn sort_order(request: &Element) -> Vec<(String, bool)> {
    let order: Vec<(String, bool)> = request
        .child(MESSAGES_NS, "SortOrder")
        .map(|s| {
            s.children_named(TYPES_NS, "FieldOrder")
                .filter_map(|o| {
                    let uri = o.child(TYPES_NS, "FieldURI")?.attr("FieldURI")?;
                    Some((uri.to_string(), o.attr("Order") == Some("Descending")))
                })
                .collect()
        })
        .unwrap_or_default();
    if order.is_empty() {
        vec![("item:DateTimeReceived".into(), true)]
    } else {
        order
    }
}

fn compare(a: &StoredMessage, b: &StoredMessage, order: &[(String, bool)]) -> Ordering {
    for (uri, desc) in order {
        let o = match uri.as_str() {
            "item:DateTimeReceived" | "item:DateTimeCreated" => a.received.cmp(&b.received),
            "item:DateTimeSent" => a.summary.sent.cmp(&b.summary.sent),
            "item:Subject" => a
                .summary
                .subject
                .to_lowercase()
                .cmp(&b.summary.subject.to_lowercase()),
            "item:Size" => a.size().cmp(&b.size()),
            _ => Ordering::Equal,
        };
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn unsupported_xml(x: &mut XmlOut, uri: Option<&str>) {
    if let Some(uri) = uri {
        x.start("m:MessageXml", &[]);
        x.empty("t:FieldURI", &[("FieldURI", uri)]);
        x.end("m:MessageXml");
    }
}

pub fn handle(call: &mut Call) -> Reply {
    let request = &call.envelope.operation;
    let shape = ItemShape::read(request);
    let page = Page::read(request.child(MESSAGES_NS, "IndexedPageItemView"));
    let filter = request
        .child(MESSAGES_NS, "Restriction")
        .map(|r| restriction::parse(r, MESSAGE_FIELDS))
        .transpose();
    let order = sort_order(request);
    let query = request
        .child(MESSAGES_NS, "QueryString")
        .map(|q| q.trimmed().to_string());
    let parents = common::folder_ids(request, "ParentFolderIds");
    let refused = shape
        .extra
        .iter()
        .find(|p| GET_ITEM_ONLY.contains(&p.as_str()))
        .cloned();
    let call = &*call;
    Reply::Ok(common::response("FindItemResponse", |x| {
        for parent in parents {
            if let Some(uri) = &refused {
                let err = EwsError::new(
                    "ErrorInvalidPropertyRequest",
                    "One or more of the properties requested for this request can't be used in FindItem. Use GetItem instead.",
                );
                common::error_message(x, MESSAGE, &err, |x| unsupported_xml(x, Some(uri)));
                continue;
            }
            let filter = match &filter {
                Ok(f) => f,
                Err(e) => {
                    let err = EwsError::new(e.code, &e.message);
                    common::error_message(x, MESSAGE, &err, |x| {
                        unsupported_xml(x, e.field_uri.as_deref())
                    });
                    continue;
                }
            };
            let (address, folder_id) = match common::resolve_folder(call, parent) {
                Ok(r) => r,
                Err(e) => {
                    common::error_message(x, MESSAGE, &e, |_| {});
                    continue;
                }
            };
            let store = &call.model.mailbox(&address).expect("resolved").store;
            if store
                .folder(&folder_id)
                .is_some_and(|f| f.class == "IPF.Contact")
            {
                contacts_page(x, store, &folder_id, &shape, &page);
                continue;
            }
            let mut found: Vec<&StoredMessage> = store
                .in_folder(&folder_id)
                .filter(|m| match filter {
                    Some(expr) => restriction::eval(expr, &|f| value(m, f)),
                    None => true,
                })
                .filter(|m| query.as_deref().is_none_or(|q| query_matches(m, q)))
                .collect();
            found.sort_by(|a, b| compare(a, b, &order));
            write_page(x, &found, &page, |x, m| {
                write_message(x, store, m, &shape, false)
            });
        }
    }))
}

/// One folder's page of `found` (already ordered) as a FindItemResponseMessage.
fn write_page<T>(x: &mut XmlOut, found: &[T], page: &Page, mut item: impl FnMut(&mut XmlOut, &T)) {
    let (range, next, last) = page.window(found.len());
    let tag = common::success_start(x, MESSAGE);
    let attrs = common::root_folder_attrs(next, found.len(), last);
    let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    x.start("m:RootFolder", &attrs);
    x.start("t:Items", &[]);
    for one in &found[range] {
        item(x, one);
    }
    x.end("t:Items");
    x.end("m:RootFolder");
    x.end(&tag);
}

/// A contacts folder's page: contacts by display name, as Exchange sorts them.
fn contacts_page(
    x: &mut XmlOut,
    store: &crate::store::Store,
    folder: &str,
    shape: &ItemShape,
    page: &Page,
) {
    let mut found: Vec<_> = store
        .contacts
        .iter()
        .filter(|c| c.folder == folder)
        .collect();
    found.sort_by_key(|c| c.contact.display_name.to_lowercase());
    write_page(x, &found, page, |x, c| {
        crate::contacts::write_contact(x, c, &|uri| shape.wants(uri), false)
    });
}
