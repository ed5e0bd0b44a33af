//! Search Emails Extended: the emails of a folder (or a folder and all its
//! subfolders, or the whole mailbox) that match every filter given, a page
//! at a time, newest first by default.

use super::params::{param, Checked, Param, Ty};
use super::{About, Action, Context, Kind, Output};
use crate::ews::error::Error;
use crate::mailbox::{folder_tree, resolve_folder, Address, Filter, FolderRef, Search};
use crate::platform::File;
use crate::time::{format_rfc3339_utc, parse_rfc3339};
use serde_json::{json, Value};

/// Folders a deep search walks at most.
const MAX_FOLDERS: usize = 300;

/// A deep search merges the folders here, each asked for `offset + limit`
/// results: past this, the answers would pass what one call may hold.
const MAX_DEEP_WINDOW: i64 = 10_000;

/// The filters, which a `query` cannot be combined with.
const FILTERS: &[&str] = &[
    "subject",
    "body",
    "from",
    "to",
    "cc",
    "message_id",
    "received_after",
    "received_before",
    "is_read",
    "has_attachments",
    "importance",
    "categories",
];

pub struct SearchEmailsExtended;

impl Action for SearchEmailsExtended {
    fn about(&self) -> &'static About {
        &About {
            name: "search-emails-extended",
            title: "Search Emails Extended",
            kind: Kind::Enrichment,
            description: "The emails of a folder (with deep: and its subfolders; deep without folder: the whole mailbox) matching every filter given, or an AQS query, a page at a time. from matches part of the sender's SMTP address; to and cc part of the To/Cc line as displayed (names, or addresses without one). With api = graph, query (as KQL), body, from, to and cc use Graph's $search: newest first, the other filters applied to its first 1,000 results, total counting those",
        }
    }

    fn params(&self) -> &'static [Param] {
        const LINE: Ty = Ty::Text {
            max: 255,
            line: true,
        };
        static P: &[Param] = &[
            param("folder", Ty::Text { max: 1024, line: true }, "A path such as Inbox/Phishing, or a well-known folder such as inbox or junkemail (default: inbox; with deep and no folder: the whole mailbox)"),
            param("deep", Ty::Bool, "The folder and all its subfolders").default("false"),
            param("subject", LINE, "Part of the subject"),
            param("body", Ty::Text { max: 1024, line: false }, "Part of the body"),
            param("from", LINE, "Part of the sender's SMTP address"),
            param("to", LINE, "Part of the To line"),
            param("cc", LINE, "Part of the Cc line"),
            param("message_id", Ty::Text { max: 998, line: true }, "The Internet Message-ID"),
            param("received_after", Ty::DateTime, "Received at or after (inclusive)"),
            param("received_before", Ty::DateTime, "Received before (exclusive)"),
            param("is_read", Ty::Bool, "Read (true) or unread (false) only"),
            param("has_attachments", Ty::Bool, "With (true) or without (false) attachments"),
            param("importance", Ty::OneOf(&["Low", "Normal", "High"]), "The importance"),
            param("categories", Ty::Strings { max: 255 }, "Any of these categories"),
            param("query", Ty::Text { max: 1000, line: true }, "An AQS query string (Exchange's search syntax), instead of the filters"),
            param("limit", Ty::Int { min: 1, max: 1000 }, "Emails per page").default("50"),
            param("offset", Ty::Int { min: 0, max: 100_000 }, "Emails to skip").default("0"),
            param("sort", Ty::OneOf(&["received-desc", "received-asc"]), "The order").default("\"received-desc\""),
            param("mailbox", Ty::Email, "The mailbox searched (default: primary_smtp_address)"),
        ];
        P
    }

    fn output_schema(&self) -> Value {
        let address = json!({"type": "object", "properties": {"name": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]}}});
        let text = json!({"type": ["string", "null"]});
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "emails": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "item_id": {"type": "string"}, "change_key": text, "folder": {"type": "string"},
                        "subject": text, "from": {"oneOf": [address, {"type": "null"}]},
                        "to": {"type": "array", "items": address}, "cc": {"type": "array", "items": address},
                        "received": text, "sent": text, "message_id": text,
                        "is_read": {"type": ["boolean", "null"]}, "has_attachments": {"type": ["boolean", "null"]},
                        "importance": text, "categories": {"type": "array", "items": {"type": "string"}},
                        "size": {"type": ["integer", "null"]}, "preview": text
                    },
                    "required": ["item_id", "change_key", "folder", "subject", "from", "to", "cc", "received", "sent", "message_id", "is_read", "has_attachments", "importance", "categories", "size", "preview"]
                }},
                "total": {"type": "integer", "description": "Every match in the folders searched"},
                "more": {"type": "boolean", "description": "More matches after this page"}
            },
            "required": ["emails", "total", "more"]
        })
    }

    fn run(&self, ctx: &mut Context, p: &Checked, _files: Vec<File>) -> Result<Output, Error> {
        let query = p.raw_str("query").filter(|q| !q.trim().is_empty());
        if query.is_some() {
            if let Some(f) = FILTERS.iter().find(|f| p.given(f)) {
                return Err(Error::InvalidInput(format!(
                    "params.query: cannot be combined with params.{f}; put it in the query, or use the filters alone"
                )));
            }
        }
        let filter = filter(p)?;
        let mailbox = ctx.target_mailbox(p)?;
        let deep = p.bool("deep").unwrap_or(false);
        let window = p.int("offset").unwrap_or(0) + p.int("limit").unwrap_or(50);
        if deep && window > MAX_DEEP_WINDOW {
            return Err(Error::InvalidInput(format!(
                "params.offset: with deep, offset + limit may be at most {MAX_DEEP_WINDOW}; \
                 narrow the search (a folder, dates) to page further"
            )));
        }
        let path = p.str("folder");
        let mb = ctx.mailbox()?;
        let root = match (&path, deep) {
            (Some(path), _) => (resolve_folder(mb, &mailbox, path)?, path.clone()),
            (None, false) => (
                FolderRef::Distinguished {
                    name: "inbox".into(),
                    mailbox: Some(mailbox.clone()),
                },
                "inbox".into(),
            ),
            (None, true) => (
                FolderRef::Distinguished {
                    name: "msgfolderroot".into(),
                    mailbox: Some(mailbox.clone()),
                },
                String::new(),
            ),
        };
        let folders = if deep {
            folder_tree(mb, &mailbox, root.0, &root.1, MAX_FOLDERS)?
        } else {
            vec![root]
        };
        let search = Search {
            folders,
            filter,
            query,
            offset: p.int("offset").unwrap_or(0) as u32,
            limit: p.int("limit").unwrap_or(50) as u32,
            newest_first: p.str("sort").as_deref() != Some("received-asc"),
        };
        let found = mb.search(&mailbox, &search)?;
        let shown = u64::from(search.offset) + found.emails.len() as u64;
        let emails: Vec<Value> = found
            .emails
            .iter()
            .map(|e| {
                json!({
                    "item_id": e.item.id, "change_key": e.item.change_key, "folder": e.folder,
                    "subject": e.subject, "from": e.from.as_ref().map(address),
                    "to": e.to.iter().map(address).collect::<Vec<_>>(),
                    "cc": e.cc.iter().map(address).collect::<Vec<_>>(),
                    "received": e.received.map(format_rfc3339_utc), "sent": e.sent.map(format_rfc3339_utc),
                    "message_id": e.message_id, "is_read": e.is_read, "has_attachments": e.has_attachments,
                    "importance": e.importance, "categories": e.categories, "size": e.size, "preview": e.preview,
                })
            })
            .collect();
        let json = json!({"emails": emails, "total": found.total, "more": shown < found.total});
        Ok(Output {
            json: json.to_string(),
            files: vec![],
        })
    }
}

fn address(a: &Address) -> Value {
    json!({"name": a.name, "address": a.address})
}

fn filter(p: &Checked) -> Result<Filter, Error> {
    let date = |k: &str| p.str(k).and_then(|s| parse_rfc3339(&s));
    let f = Filter {
        subject: p.raw_str("subject"),
        body: p.raw_str("body"),
        from: p.str("from"),
        to: p.str("to"),
        cc: p.str("cc"),
        message_id: p.str("message_id"),
        received_after: date("received_after"),
        received_before: date("received_before"),
        is_read: p.bool("is_read"),
        has_attachments: p.bool("has_attachments"),
        importance: p.str("importance"),
        categories: p.strings("categories"),
    };
    if let (Some(a), Some(b)) = (f.received_after, f.received_before) {
        if a >= b {
            return Err(Error::InvalidInput(
                "params.received_before: must be later than received_after".into(),
            ));
        }
    }
    Ok(f)
}
