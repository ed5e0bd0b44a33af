//! DeleteAttachment: attachments by the ids GetItem listed (base64 of
//! `<item id>:<n>`), one response message per id in order, each with
//! `m:RootItemId` (the item and its new change key, attributes
//! RootItemId/RootItemChangeKey as in Microsoft's sample). The attachment's
//! part is cut out of the stored MIME, so GetItem no longer lists it and
//! GetAttachment no longer serves it; the item keeps its id and gets a new
//! change key. All ids are resolved before any part is cut, because cutting
//! renumbers the parts after it.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteattachment-operation>

use mail_parser::MessageParser;

use super::common::{self, EwsError};
use super::{Call, Reply};

pub const ELEMENT: &str = "DeleteAttachment";
const MESSAGE: &str = "DeleteAttachmentResponseMessage";

/// An attachment not (or no longer) there, as `get_attachment::parse_id` says.
fn not_found() -> EwsError {
    EwsError::item_not_found()
}

/// (owner, item id, 1-based attachment number) of an attachment id.
fn locate(call: &Call, id: &str) -> Result<(String, String, usize), EwsError> {
    let (item_id, n) = super::get_attachment::parse_id(id)?;
    let (owner, m) = call.model.find_message(&item_id).ok_or_else(not_found)?;
    if n == 0 || n > m.summary.attachments.len() {
        return Err(not_found());
    }
    let owner = owner.address.clone();
    common::check_access(call, &owner)?;
    Ok((owner, item_id, n))
}

/// `mime` without its `n`th attachment (as `Message::attachments` counts):
/// the part and the delimiter line before it, so the multipart stays whole.
pub fn cut_attachment(mime: &[u8], n: usize) -> Option<Vec<u8>> {
    crate::mime::on_big_stack(|| cut_here(mime, n))
}

fn cut_here(mime: &[u8], n: usize) -> Option<Vec<u8>> {
    let message = MessageParser::default().parse(mime)?;
    let part = message.attachments().nth(n.checked_sub(1)?)?;
    let start = part.offset_header as usize;
    let end = (part.offset_end as usize).min(mime.len());
    // Back to the start of the `--boundary` line that opens the part, and
    // the line break before it, which belongs to that delimiter (RFC 2046).
    let head = mime.get(..start)?;
    let line = head.strip_suffix(b"\n").unwrap_or(head);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let delimiter = line.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if !mime[delimiter..].starts_with(b"--") {
        return None;
    }
    let mut from = delimiter;
    if mime[..from].ends_with(b"\r\n") {
        from -= 2;
    } else if mime[..from].ends_with(b"\n") {
        from -= 1;
    }
    let mut out = mime[..from].to_vec();
    // Keep the line break that precedes the next delimiter.
    let rest = &mime[end..];
    if !(rest.starts_with(b"\r\n") || rest.starts_with(b"\n")) {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// Cuts the `n`th attachment out of a stored message; a new change key.
pub fn cut(store: &mut crate::store::Store, item: &str, n: usize) {
    let Some(m) = store.message_mut(item) else {
        return;
    };
    if let Some(mime) = cut_attachment(&m.mime, n) {
        let from_smtp = m.from_smtp.clone();
        m.summary = crate::mime::summarize(&mime);
        m.mime = mime;
        m.from_smtp = from_smtp;
    }
    store.touch(item);
}

pub fn handle(call: &mut Call) -> Reply {
    let request = &call.envelope.operation;
    let ids = super::get_attachment::attachment_ids(request);
    let mut located: Vec<Result<(String, String, usize), EwsError>> = Vec::new();
    for id in &ids {
        let r = locate(call, id);
        // The same attachment twice: the second finds it already gone.
        let twice = matches!(&r, Ok(l) if located.iter().any(|p| p.as_ref().ok() == Some(l)));
        located.push(if twice { Err(not_found()) } else { r });
    }
    let mut cuts: Vec<&(String, String, usize)> =
        located.iter().filter_map(|r| r.as_ref().ok()).collect();
    cuts.sort_by_key(|c| std::cmp::Reverse(c.2));
    for (owner, item, n) in cuts {
        let Some(store) = call.model.mailbox_mut(owner).map(|mb| &mut mb.store) else {
            continue;
        };
        cut(store, item, *n);
    }
    let model = &*call.model;
    Reply::Ok(common::response("DeleteAttachmentResponse", |x| {
        for result in &located {
            match result {
                Err(e) => common::error_message(x, MESSAGE, e, |_| {}),
                Ok((owner, item, _)) => {
                    let key = model
                        .mailbox(owner)
                        .and_then(|mb| mb.store.message(item))
                        .map(|m| m.change_key.clone())
                        .unwrap_or_default();
                    let tag = common::success_start(x, MESSAGE);
                    x.empty(
                        "m:RootItemId",
                        &[("RootItemId", item), ("RootItemChangeKey", &key)],
                    );
                    x.end(&tag);
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eml(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/eml")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn cuts_one_attachment_and_leaves_the_others_byte_exact() {
        for name in [
            "nested-rfc822-with-inline-image.eml",
            "inline-images-multipart-related-cid.eml",
            "encword-utf8-rfc2231-long-filename.eml",
        ] {
            let mime = eml(name);
            let before = MessageParser::default().parse(&mime).unwrap();
            let all: Vec<Vec<u8>> = before
                .attachments()
                .map(|p| p.contents().to_vec())
                .collect();
            assert!(!all.is_empty(), "{name}");
            for n in 1..=all.len() {
                let cut = cut_attachment(&mime, n).unwrap_or_else(|| panic!("{name} #{n}"));
                let after = MessageParser::default().parse(&cut).unwrap();
                let left: Vec<Vec<u8>> =
                    after.attachments().map(|p| p.contents().to_vec()).collect();
                let mut want = all.clone();
                want.remove(n - 1);
                assert_eq!(left, want, "{name} without #{n}");
                assert_eq!(after.subject(), before.subject());
            }
        }
        assert!(cut_attachment(b"Subject: x\r\n\r\nno parts", 1).is_none());
    }
}
