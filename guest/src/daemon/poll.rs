//! One poll: retry pending mark-reads, then page FindItem oldest first,
//! skip what the checkpoint holds as delivered, finish the filter, stop at
//! the count or byte budget, fetch the chosen emails (`fetch`: as few
//! GetItems as fit), decide on the MIME what FindItem could not, and record
//! each as handed before returning it. Nothing changes on the server.

use super::checkpoint::{Entry, State};
use super::restriction::Verdict;
use super::{ack, fetch, folder, record_id, restriction, Batch, Item, Session};
use crate::ews::error::Error;
use crate::mailbox::{FolderRef, FoundItem, Watch, WatchPage};
use crate::platform::Level;

/// FindItem pages per poll: past this, `more` is set and the next poll goes on.
const MAX_PAGES: usize = 50;

pub fn poll(s: &mut Session, max: u32, page_size: u32) -> Result<Batch, Error> {
    if let Some(id) = s.checkpoint.quarantine_unfinished(s.now())? {
        s.log(
            Level::Error,
            &format!(
                "{id}: parsing it stopped the component in the last poll: quarantined, \
                 it is delivered unparsed with its MIME whole"
            ),
        );
    }
    ack::retry_pending(s);
    let limit = max.min(s.daemon.max_per_poll) as usize;
    if limit == 0 {
        return Ok(Batch {
            items: vec![],
            more: false,
            remaining: None,
        });
    }
    let watch = restriction::watch(&s.daemon);
    let (mut parent, mut cached) = folder::resolve(s, false)?;
    let mut chosen: Vec<(String, FoundItem)> = Vec::new();
    // Indexes into `chosen` that only the MIME can decide.
    let mut undecided: Vec<usize> = Vec::new();
    let mut bytes: u64 = 0;
    let mut more = false;
    let mut total = None;
    let mut offset = 0;
    let mut pages = 0;
    'pages: loop {
        if pages == MAX_PAGES {
            more = true;
            break;
        }
        pages += 1;
        let page = match find_page(s, &parent, offset, page_size, &watch) {
            Err(e) if cached && folder_gone(&e) => {
                s.log(
                    Level::Info,
                    "the cached folder id is refused: resolving the path again",
                );
                s.checkpoint.forget_folder()?;
                (parent, _) = folder::resolve(s, true)?;
                find_page(s, &parent, offset, page_size, &watch)?
            }
            other => other?,
        };
        cached = false;
        total = total.or(page.total);
        let got = page.items.len();
        for found in page.items {
            let id = record_id(&s.mailbox, &found.id.id);
            if let Some(e) = s.checkpoint.get(&id)? {
                let same = e.change_key.is_some() && e.change_key == found.id.change_key;
                match e.state {
                    State::Handed => {}
                    // Looked at already, unchanged since: it still does not match.
                    State::Rejected if !same => {}
                    _ => continue,
                }
            }
            match restriction::judge(&s.daemon, &found) {
                Verdict::Match => {}
                Verdict::Mismatch(why) => {
                    s.log(Level::Debug, &format!("{id} skipped: {why}"));
                    continue;
                }
                Verdict::Undecided(why) => {
                    s.log(Level::Debug, &format!("{id}: decided on its MIME: {why}"));
                    undecided.push(chosen.len());
                }
            }
            if chosen.len() == limit {
                more = true;
                break 'pages;
            }
            let size = found.size.unwrap_or(0);
            if !chosen.is_empty() && bytes.saturating_add(size) > s.daemon.max_batch_bytes {
                more = true;
                break 'pages;
            }
            bytes = bytes.saturating_add(size);
            chosen.push((id, found));
        }
        if page.includes_last || got == 0 || page.next_offset <= offset {
            break;
        }
        offset = page.next_offset;
    }
    if chosen.is_empty() {
        return Ok(Batch {
            items: vec![],
            more,
            remaining: total,
        });
    }
    let records = fetch::records(s, &chosen)?;
    let now = s.now();
    let mut items = Vec::with_capacity(chosen.len());
    let mut entries = Vec::with_capacity(chosen.len());
    for (n, ((id, found), (json, files))) in chosen.iter().zip(records).enumerate() {
        let change_key = json["change_key"]
            .as_str()
            .map(str::to_string)
            .or_else(|| found.id.change_key.clone());
        let rejected = if undecided.contains(&n) {
            restriction::mismatch_in_record(&s.daemon, &json)
        } else {
            None
        };
        let entry = Entry {
            state: if rejected.is_some() {
                State::Rejected
            } else {
                State::Handed
            },
            item_id: found.id.id.clone(),
            change_key,
            received: found.received,
            at: now,
            tries: 0,
        };
        entries.push((id.clone(), entry));
        if let Some(why) = rejected {
            // Remembered with its change key, so that it is not fetched
            // again unless it changes; it stays unread, as it should.
            s.log(Level::Debug, &format!("{id} skipped after GetItem: {why}"));
            more = true;
            continue;
        }
        items.push(Item {
            id: id.clone(),
            json: json.to_string(),
            files,
        });
    }
    // Every one recorded before any is handed out.
    let entries: Vec<(&str, &Entry)> = entries.iter().map(|(id, e)| (id.as_str(), e)).collect();
    s.checkpoint.put_all(&entries)?;
    s.log(
        Level::Info,
        &format!("poll: {} emails, more={more}", items.len()),
    );
    // The server's count of the unread view, less this batch: an upper
    // bound (it counts what the filter or the checkpoint will skip), for a
    // host's progress and nothing else.
    let remaining = if more {
        total.map(|t| t.saturating_sub(items.len() as u64))
    } else {
        Some(0)
    };
    Ok(Batch {
        items,
        more,
        remaining,
    })
}

fn find_page(
    s: &mut Session,
    parent: &FolderRef,
    offset: u32,
    max: u32,
    watch: &Watch,
) -> Result<WatchPage, Error> {
    let mailbox = s.mailbox.clone();
    s.server.watch_page(&mailbox, parent, watch, offset, max)
}

fn folder_gone(e: &Error) -> bool {
    let code = match e {
        Error::Response(d) => d.code.as_str(),
        Error::Fault { detail, .. } => detail.code.as_str(),
        _ => return false,
    };
    matches!(code, "ErrorFolderNotFound" | "ErrorInvalidIdMalformed")
}
