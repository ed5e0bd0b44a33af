//! Fetching the chosen emails whole: as few GetItem requests as fit in what
//! one answer may be (MAX_RESPONSE_BYTES, MAX_PER_REQUEST emails), an answer that still turns out too
//! large split in halves, and an email too large alone handed to `oversize`.
//! So no email, however large, fails the poll that the emails behind it wait
//! on; nor does one whose parse stops the component: each parse is marked
//! first, and a mark left over quarantines that email (checkpoint.rs).

use super::record::{self, Meta};
use super::{oversize, Session};
use crate::ews::error::Error;
use crate::mailbox::{pack, FoundItem};
use crate::platform::{File, Level, MAX_RESPONSE_BYTES};
use serde_json::Value;

/// Emails asked for in one GetItem: past a few hundred, one slow item
/// holds a long answer up, and a server-side timeout costs them all.
const MAX_PER_REQUEST: usize = 250;

/// SOAP and the properties around each email in a GetItem answer.
const PER_ITEM_OVERHEAD: u64 = 4096;

/// The most an email of `size` (item:Size) can make a GetItem answer grow.
/// The MIME is base64 in the answer (4/3), and a MIME can be a third larger
/// than the store's size, whose attachments are binary while the MIME's
/// are base64 again: 4/3 × 4/3 ≈ 16/9, rounded up to 11/6 for line breaks.
pub fn worst_case(size: u64) -> u64 {
    size.saturating_mul(11) / 6 + PER_ITEM_OVERHEAD
}

/// The least: a MIME no larger than item:Size, base64 once. An email above
/// the limit even so is not worth asking for whole.
pub fn best_case(size: u64) -> u64 {
    size.saturating_mul(4) / 3 + PER_ITEM_OVERHEAD
}

/// One record per chosen email, in order.
pub fn records(
    s: &mut Session,
    chosen: &[(String, FoundItem)],
) -> Result<Vec<(Value, Vec<File>)>, Error> {
    let mut out = Vec::with_capacity(chosen.len());
    let answers: Vec<u64> = chosen
        .iter()
        .map(|(_, f)| worst_case(f.size.unwrap_or(0)))
        .collect();
    for run in pack::runs(&answers, MAX_PER_REQUEST, MAX_RESPONSE_BYTES as u64) {
        group(s, &chosen[run], &mut out)?;
    }
    s.checkpoint.clear_parsing()?;
    Ok(out)
}

fn group(
    s: &mut Session,
    items: &[(String, FoundItem)],
    out: &mut Vec<(Value, Vec<File>)>,
) -> Result<(), Error> {
    if let [(id, found)] = items {
        if best_case(found.size.unwrap_or(0)) > MAX_RESPONSE_BYTES as u64 {
            out.push(oversize::fetch(s, id, found)?);
            return Ok(());
        }
    }
    let ids: Vec<_> = items.iter().map(|(_, f)| f.id.clone()).collect();
    let mailbox = s.mailbox.clone();
    let results = match s.server.mime(&mailbox, &ids) {
        Err(e) if e.is_too_large() && items.len() > 1 => {
            s.log(
                Level::Info,
                &format!(
                    "GetItem of {} emails answered more than {MAX_RESPONSE_BYTES} bytes: asking in halves",
                    items.len()
                ),
            );
            let (a, b) = items.split_at(items.len() / 2);
            group(s, a, out)?;
            return group(s, b, out);
        }
        Err(e) if e.is_too_large() => {
            let (id, found) = &items[0];
            out.push(oversize::fetch(s, id, found)?);
            return Ok(());
        }
        other => other?,
    };
    for ((id, found), got) in items.iter().zip(results) {
        if s.checkpoint.is_quarantined(id)? {
            out.push(record::unparsed(&meta(s, id), found, got));
            continue;
        }
        if let Err(d) = &got {
            s.log(
                Level::Warn,
                &format!(
                    "{id}: fetching it answered {}: delivered with errors",
                    d.code
                ),
            );
        }
        s.checkpoint.set_parsing(id)?;
        out.push(record::build(&meta(s, id), found, got));
    }
    Ok(())
}

pub fn meta<'a>(s: &'a Session, id: &'a str) -> Meta<'a> {
    Meta {
        id,
        mailbox: &s.mailbox,
        folder: &s.daemon.folder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_bracket_the_encodings() {
        let mib = 1024 * 1024;
        // 40 emails of 1.5 MB: several answers, never one over the limit.
        assert!(40 * worst_case(1_500_000) > MAX_RESPONSE_BYTES as u64);
        assert!(20 * worst_case(1_500_000) <= MAX_RESPONSE_BYTES as u64);
        // 55 MB cannot come whole; 40 MB of text might.
        assert!(best_case(55 * mib) > MAX_RESPONSE_BYTES as u64);
        assert!(best_case(40 * mib) <= MAX_RESPONSE_BYTES as u64);
        assert_eq!(worst_case(u64::MAX), u64::MAX / 6 + PER_ITEM_OVERHEAD);
    }
}
