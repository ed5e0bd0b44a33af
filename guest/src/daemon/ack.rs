//! ack(ids): every id recorded delivered first, then ONE UpdateItem marking
//! them (and earlier pending ones) read, then each success recorded done.
//! A mark-read that fails stays pending, retried at the next poll or ack;
//! the emails are delivered all the same, so ack succeeds and poll never
//! hands them out again.

use super::checkpoint::{Entry, State};
use super::Session;
use crate::ews::error::Error;
use crate::ews::operations::ItemId;
use crate::platform::Level;

/// Earlier pending mark-reads retried along with one ack or poll.
const RETRY_BATCH: usize = 200;
/// A mark-read refused this many times is given up (logged as an error).
const MAX_TRIES: u32 = 10;
/// ... and, when the whole request failed, pending this long as well.
const GIVE_UP_AFTER_SECS: i64 = 7 * 86_400;

/// Codes after which marking read again is pointless: the item is gone
/// (moved, deleted) or its id cannot be one.
const GONE: &[&str] = &[
    "ErrorItemNotFound",
    "ErrorInvalidIdMalformed",
    "ErrorInvalidIdNotAnItemAttachmentId",
    "ErrorMessageDispositionNotFound",
];

pub fn ack(s: &mut Session, ids: &[String]) -> Result<(), Error> {
    let mut unique: Vec<&String> = Vec::new();
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    // Every id must be one this daemon handed out, before anything is written.
    let mut entries = Vec::with_capacity(unique.len());
    for id in &unique {
        match s.checkpoint.get(id)? {
            Some(e) => entries.push(e),
            None => {
                let shown: String = id.chars().take(80).collect();
                return Err(Error::InvalidInput(format!(
                    "ids: unknown id {shown:?}: not handed out by poll for mailbox {} folder {}",
                    s.mailbox, s.daemon.folder
                )));
            }
        }
    }
    let now = s.now();
    // The pending keys are written first: a crash after them leaves every id
    // pending (mark_read treats a pending id as delivered), whereas a crash
    // between "delivered" and "pending" would leave an email delivered but
    // never marked read. This ack's ids go first in the mark-read, then
    // older pending ones.
    let mut batch: Vec<String> = Vec::new();
    for (id, e) in unique.iter().zip(&entries) {
        if e.state != State::Done {
            s.checkpoint.add_pending(id, now)?;
            batch.push(id.to_string());
        }
    }
    let mut fresh = Vec::new();
    for (id, mut e) in unique.iter().zip(entries) {
        if e.state == State::Handed {
            e.state = State::Delivered;
            e.at = now;
            s.checkpoint.put(id, &e)?;
            fresh.push(id.to_string());
        }
    }
    // Delivered is durable before the server hears anything.
    s.log(Level::Info, &format!("ack: {} delivered", fresh.len()));
    let acked: std::collections::HashSet<String> = batch.iter().cloned().collect();
    let older: Vec<String> = s
        .checkpoint
        .pending()?
        .into_iter()
        .filter(|p| !acked.contains(p))
        .take(RETRY_BATCH)
        .collect();
    batch.extend(older);
    mark_read(s, &batch)?;
    s.checkpoint.prune(now)?;
    Ok(())
}

/// Before a poll: retries what is pending. Failures are logged only: the
/// poll goes on, and the ids stay pending.
pub fn retry_pending(s: &mut Session) {
    let result = s.checkpoint.pending().and_then(|p| {
        if p.is_empty() {
            return Ok(());
        }
        let batch: Vec<String> = p.into_iter().take(RETRY_BATCH).collect();
        mark_read(s, &batch)
    });
    if let Err(e) = result {
        s.log(Level::Warn, &format!("retrying pending mark-reads: {e}"));
    }
}

/// One UpdateItem for `ids` (all pending); each success or pointless one
/// recorded done and taken off the pending list. Only a keyvalue failure is
/// an error: a refused UpdateItem leaves the ids pending, with a warning.
fn mark_read(s: &mut Session, ids: &[String]) -> Result<(), Error> {
    let mut targets: Vec<(String, Entry)> = Vec::new();
    let mut settled: Vec<String> = Vec::new();
    for id in ids {
        match s.checkpoint.get(id)? {
            Some(e) if e.state == State::Delivered => targets.push((id.clone(), e)),
            // Only ack puts ids on the pending list, so the host has stored
            // this one: a crash cut ack short before it recorded delivered.
            Some(mut e) if e.state == State::Handed => {
                e.state = State::Delivered;
                e.at = s.now();
                s.checkpoint.put(id, &e)?;
                targets.push((id.clone(), e));
            }
            // Gone from the checkpoint or already done: nothing to send.
            _ => settled.push(id.clone()),
        }
    }
    if !targets.is_empty() {
        let item_ids: Vec<ItemId> = targets
            .iter()
            .map(|(_, e)| ItemId {
                id: e.item_id.clone(),
                change_key: e.change_key.clone(),
            })
            .collect();
        let mailbox = s.mailbox.clone();
        let outcome = s
            .server
            .mark_read(&mailbox, &item_ids)
            .map(|results| again_if_stale(s, &mailbox, &item_ids, results));
        let now = s.now();
        match outcome {
            Err(e) => {
                let failure = e.into_failure(&s.config.identity());
                s.log(
                    Level::Warn,
                    &format!(
                        "marking {} emails read failed, kept pending for the next poll or ack: {failure}",
                        targets.len()
                    ),
                );
                settled.extend(count_failed_try(s, targets, now, &failure.to_string())?);
            }
            Ok(results) => {
                for ((id, mut e), r) in targets.into_iter().zip(results) {
                    match r {
                        Ok(()) => {
                            e.state = State::Done;
                        }
                        Err(d) if GONE.contains(&d.code.as_str()) => {
                            s.log(
                                Level::Info,
                                &format!("{id}: not marked read ({}): the email is gone", d.code),
                            );
                            e.state = State::Done;
                        }
                        Err(d) => {
                            e.tries += 1;
                            if e.tries >= MAX_TRIES {
                                s.log(
                                    Level::Error,
                                    &format!(
                                        "{id}: marking read refused {} times ({}): given up",
                                        e.tries, d.code
                                    ),
                                );
                                e.state = State::Done;
                            } else {
                                s.log(
                                    Level::Warn,
                                    &format!(
                                        "{id}: marking read refused ({}): kept pending",
                                        d.code
                                    ),
                                );
                            }
                        }
                    }
                    e.at = now;
                    s.checkpoint.put(&id, &e)?;
                    if e.state == State::Done {
                        settled.push(id);
                    }
                }
            }
        }
    }
    for id in &settled {
        s.checkpoint.remove_pending(id)?;
    }
    Ok(())
}

/// A whole UpdateItem that failed counts a try for each of its emails, so
/// that a request Exchange will never accept (a missing right, an id it
/// cannot parse) does not stay pending for ever; an outage does not give
/// anything up, since an email is given up only once it has been pending for
/// GIVE_UP_AFTER_SECS as well. Returns the ids given up.
fn count_failed_try(
    s: &mut Session,
    targets: Vec<(String, Entry)>,
    now: i64,
    why: &str,
) -> Result<Vec<String>, Error> {
    let mut given_up = Vec::new();
    for (id, mut e) in targets {
        e.tries = e.tries.saturating_add(1);
        let since = s.checkpoint.pending_since(&id)?.unwrap_or(now);
        if e.tries >= MAX_TRIES && now - since >= GIVE_UP_AFTER_SECS {
            s.log(
                Level::Error,
                &format!(
                    "{id}: marking read failed {} times over {} hours ({why}): given up",
                    e.tries,
                    (now - since) / 3600
                ),
            );
            e.state = State::Done;
            e.at = now;
            given_up.push(id.clone());
        }
        s.checkpoint.put(&id, &e)?;
    }
    Ok(given_up)
}

/// The codes of a write refused because the item changed since its change
/// key was read (someone flagged or moved it meanwhile).
const STALE: &[&str] = &["ErrorIrresolvableConflict", "ErrorStaleObject"];

/// Marks read once more, without a change key (the server's current
/// version), what was refused for a stale one; a second refusal stays.
fn again_if_stale(
    s: &mut Session,
    mailbox: &str,
    ids: &[ItemId],
    mut results: Vec<Result<(), crate::mailbox::ItemError>>,
) -> Vec<Result<(), crate::mailbox::ItemError>> {
    let stale: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Err(d) if STALE.contains(&d.code.as_str())))
        .map(|(i, _)| i)
        .collect();
    if stale.is_empty() {
        return results;
    }
    let fresh: Vec<ItemId> = stale
        .iter()
        .map(|&i| ItemId {
            id: ids[i].id.clone(),
            change_key: None,
        })
        .collect();
    s.log(
        Level::Info,
        &format!(
            "{} emails changed since they were read: marking them read again",
            fresh.len()
        ),
    );
    if let Ok(again) = s.server.mark_read(mailbox, &fresh) {
        for (&i, r) in stale.iter().zip(again) {
            results[i] = r;
        }
    }
    results
}
