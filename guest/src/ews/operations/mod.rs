//! One module per EWS operation, each with its request writer and its answer
//! reader, as exchangelib's `services/` has one file per service. Shared
//! here: folder and item ids, and the per-item ResponseMessages.

pub mod contacts;
pub mod copy_item;
pub mod create_attachment;
pub mod create_item;
pub mod delete_attachment;
pub mod delete_item;
pub mod find_folder;
pub mod find_item;
pub mod get_attachment;
pub mod get_item;
pub mod get_searchable_mailboxes;
pub mod get_user_oof_settings;
pub mod mark_as_junk;
pub mod send_item;
pub mod update_item;

use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::response;
use crate::ews::xml::Element;

/// A folder to act on: `t:DistinguishedFolderId` (with its mailbox when
/// acting on another one) or `t:FolderId`.
pub use crate::mailbox::FolderRef;

impl FolderRef {
    pub fn write(&self, x: &mut Xml) {
        match self {
            FolderRef::Distinguished { name, mailbox } => match mailbox {
                Some(m) => {
                    x.open("t:DistinguishedFolderId", &[("Id", name)]);
                    x.open("t:Mailbox", &[]);
                    x.leaf("t:EmailAddress", m);
                    x.close("t:Mailbox");
                    x.close("t:DistinguishedFolderId");
                }
                None => x.empty("t:DistinguishedFolderId", &[("Id", name)]),
            },
            FolderRef::Id(id) => x.empty("t:FolderId", &[("Id", id)]),
        }
    }
}

/// `t:ItemId`: the id, and the change key when known.
pub use crate::mailbox::ItemRef as ItemId;

impl ItemId {
    pub fn write(&self, x: &mut Xml) {
        match &self.change_key {
            Some(ck) => x.empty("t:ItemId", &[("Id", &self.id), ("ChangeKey", ck)]),
            None => x.empty("t:ItemId", &[("Id", &self.id)]),
        }
    }

    pub fn read(el: &Element) -> Option<ItemId> {
        let id = el.attr("Id").filter(|v| !v.is_empty())?;
        Some(ItemId {
            id: id.to_string(),
            change_key: el.attr("ChangeKey").map(str::to_string),
        })
    }
}

/// `t:FieldURI FieldURI="..."`.
pub fn field_uri(x: &mut Xml, uri: &str) {
    x.empty("t:FieldURI", &[("FieldURI", uri)]);
}

/// A name and an SMTP address (`t:Mailbox` inside From, Sender...).
pub use crate::mailbox::Address;

impl Address {
    /// Reads `<t:From><t:Mailbox><t:Name/><t:EmailAddress/></t:Mailbox></t:From>`.
    pub fn read(el: &Element) -> Address {
        let mb = el.child("Mailbox").unwrap_or(el);
        let text = |n: &str| {
            mb.child(n)
                .map(|c| c.text.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        Address {
            name: text("Name"),
            address: text("EmailAddress"),
        }
    }
}

/// The `<Op>ResponseMessage` elements of an answer, in order; checks the
/// answer's root name.
pub fn response_messages<'a>(
    answer: &'a Element,
    response: &str,
    message: &str,
) -> Result<Vec<&'a Element>, Error> {
    if answer.name != response {
        return Err(Error::Malformed(format!(
            "expected {response}, got <{}>",
            answer.name
        )));
    }
    let messages = answer
        .child("ResponseMessages")
        .ok_or_else(|| Error::Malformed(format!("{response} without ResponseMessages")))?;
    Ok(messages
        .children
        .iter()
        .filter(|c| c.name == message)
        .collect())
}

/// `each_item`'s messages, mutable and unchecked per item: for readers that
/// move bytes (MIME, attachment content) out of the answer instead of
/// copying them.
pub fn each_message_mut<'a>(
    answer: &'a mut Element,
    response: &str,
    message: &str,
    requested: usize,
) -> Result<Vec<&'a mut Element>, Error> {
    count(
        response,
        response_messages(answer, response, message)?.len(),
        requested,
    )?;
    Ok(answer
        .children
        .iter_mut()
        .filter(|c| c.name == "ResponseMessages")
        .flat_map(|r| r.children.iter_mut())
        .filter(|c| c.name == message)
        .collect())
}

/// The only message of a single-target answer (FindFolder, FindItem), checked.
pub fn single_message<'a>(
    answer: &'a Element,
    response: &str,
    message: &str,
) -> Result<&'a Element, Error> {
    let messages = response_messages(answer, response, message)?;
    let first = messages
        .first()
        .ok_or_else(|| Error::Malformed(format!("{response} without {message}")))?;
    response::check(first)?;
    Ok(first)
}

/// Per item: `Ok` for Success/Warning, else the code (exchangelib returns
/// these rather than failing the batch).
pub fn per_item(message: &Element) -> Result<(), CodeDetail> {
    match response::check(message) {
        Ok(()) => Ok(()),
        Err(Error::Response(d)) => Err(d),
        Err(other) => Err(CodeDetail {
            code: "ErrorUnexpectedAnswer".into(),
            text: format!("{other:?}"),
            message_xml: vec![],
        }),
    }
}

/// Versions whose schema predates Exchange 2013 (no MarkAsJunk, no
/// SuppressReadReceipts).
const BEFORE_2013: &[&str] = &[
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
];

pub fn exchange_2013_or_later(server_version: &str) -> bool {
    !BEFORE_2013.contains(&server_version)
}

/// One result per requested id, in order, each the message itself or its
/// error: for the batched operations whose answer is one message per id.
pub fn each_item<'a>(
    answer: &'a Element,
    response: &str,
    message: &str,
    requested: usize,
) -> Result<Vec<Result<&'a Element, CodeDetail>>, Error> {
    let messages = response_messages(answer, response, message)?;
    count(response, messages.len(), requested)?;
    Ok(messages
        .into_iter()
        .map(|m| per_item(m).map(|()| m))
        .collect())
}

/// One message per requested id, or the answer is not one we can pair up.
fn count(response: &str, got: usize, requested: usize) -> Result<(), Error> {
    if got == requested {
        Ok(())
    } else {
        Err(Error::Malformed(format!(
            "{response} holds {got} messages for {requested} ids"
        )))
    }
}

/// Test helpers shared by the operations' schema tests.
#[cfg(test)]
pub mod schema_check;

/// The RootFolder of a paged FindFolder or FindItem answer.
pub fn paged_root<'a>(
    answer: &'a Element,
    response: &str,
    message: &str,
) -> Result<&'a Element, Error> {
    single_message(answer, response, message)?
        .child("RootFolder")
        .ok_or_else(|| Error::Malformed(format!("{message} without RootFolder")))
}

/// Where the next page starts: the server's IndexedPagingOffset, else right
/// after the `count` entries of this one.
pub fn next_offset(root: &Element, offset: u32, count: usize) -> u32 {
    root.attr("IndexedPagingOffset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(offset + count as u32)
}

/// `IncludesLastItemInRange`; absent counts as the last page, so a server
/// that omits it cannot make us loop.
pub fn paging_last(root: &Element) -> Result<bool, Error> {
    match root.attr("IncludesLastItemInRange") {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(v) => Err(Error::Malformed(format!(
            "IncludesLastItemInRange is {v:?}"
        ))),
    }
}
