//! What the folder and item operations share: resolving folder ids (FolderId,
//! DistinguishedFolderId with an optional Mailbox), access checks, error response
//! messages, and the response envelope with `m:`/`t:` prefixes as Exchange writes it.

use base64::Engine as _;

use super::Call;
use crate::dom::Element;
use crate::soap::{self, XmlOut, MESSAGES_NS, TYPES_NS};

/// A per-message error: response code and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EwsError {
    pub code: String,
    pub text: String,
}

impl EwsError {
    pub fn new(code: &str, text: &str) -> Self {
        EwsError {
            code: code.to_string(),
            text: text.to_string(),
        }
    }

    pub fn item_not_found() -> Self {
        Self::new(
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    pub fn malformed() -> Self {
        Self::new("ErrorInvalidIdMalformed", "Id is malformed.")
    }

    /// Exchange's text for a response code set by `fail_item`.
    pub fn injected(code: &str) -> Self {
        let text = match code {
            "ErrorItemNotFound" => "The specified object was not found in the store.",
            "ErrorIrresolvableConflict" => "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
            "ErrorAccessDenied" => "Access is denied. Check credentials and try again.",
            "ErrorMimeContentConversionFailed" => "Content conversion failed.",
            "ErrorInternalServerError" => "An internal server error occurred. The operation failed.",
            _ => "The operation failed (injected by the mock).",
        };
        Self::new(code, text)
    }
}

/// A SOAP response whose body element is `m:{element}` with `m` and `t` bound.
pub fn response(element: &str, body: impl FnOnce(&mut XmlOut)) -> Vec<u8> {
    soap::response(|x| {
        let tag = format!("m:{element}");
        x.start(&tag, &[("xmlns:m", MESSAGES_NS), ("xmlns:t", TYPES_NS)]);
        x.start("m:ResponseMessages", &[]);
        body(x);
        x.end("m:ResponseMessages");
        x.end(&tag);
    })
}

/// `<m:{element} ResponseClass="Error">` with MessageText, ResponseCode,
/// DescriptiveLinkKey, then what `rest` writes (MessageXml, an empty `m:Items`...).
pub fn error_message(
    x: &mut XmlOut,
    element: &str,
    err: &EwsError,
    rest: impl FnOnce(&mut XmlOut),
) {
    let tag = format!("m:{element}");
    x.start(&tag, &[("ResponseClass", "Error")]);
    x.leaf("m:MessageText", &err.text);
    x.leaf("m:ResponseCode", &err.code);
    x.leaf("m:DescriptiveLinkKey", "0");
    rest(x);
    x.end(&tag);
}

/// `<m:{element} ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>`
/// (closed by the caller with `x.end`).
pub fn success_start(x: &mut XmlOut, element: &str) -> String {
    let tag = format!("m:{element}");
    x.start(&tag, &[("ResponseClass", "Success")]);
    x.leaf("m:ResponseCode", "NoError");
    tag
}

/// `<m:Items><t:Message><t:ItemId Id ChangeKey/></t:Message></m:Items>`: the
/// item an UpdateItem or CopyItem answer names.
pub fn items_with_id(x: &mut XmlOut, id: &str, change_key: &str) {
    x.start("m:Items", &[]);
    x.start("t:Message", &[]);
    x.empty("t:ItemId", &[("Id", id), ("ChangeKey", change_key)]);
    x.end("t:Message");
    x.end("m:Items");
}

/// Whether `id` looks like an id this server could have issued (base64).
pub fn well_formed(id: &str) -> bool {
    id.len() >= 8
        && base64::engine::general_purpose::STANDARD
            .decode(id.trim())
            .is_ok()
}

/// May the caller act on `owner`'s mailbox?
pub fn check_access(call: &Call, owner: &str) -> Result<(), EwsError> {
    if call.app_only || owner.eq_ignore_ascii_case(call.mailbox) {
        Ok(())
    } else {
        Err(EwsError::injected("ErrorAccessDenied"))
    }
}

/// A `t:FolderId` / `t:DistinguishedFolderId` element → (mailbox address, folder id).
pub fn resolve_folder(call: &Call, el: &Element) -> Result<(String, String), EwsError> {
    let not_found = || {
        EwsError::new(
            "ErrorFolderNotFound",
            "The specified folder could not be found in the store.",
        )
    };
    match el.name.as_str() {
        "DistinguishedFolderId" => {
            let address = el
                .path(&[(TYPES_NS, "Mailbox"), (TYPES_NS, "EmailAddress")])
                .map(|a| a.trimmed().to_string())
                .unwrap_or_else(|| call.mailbox.to_string());
            let mailbox = call.model.mailbox(&address).ok_or_else(|| {
                EwsError::new(
                    "ErrorNonExistentMailbox",
                    "The SMTP address has no mailbox associated with it.",
                )
            })?;
            check_access(call, &mailbox.address)?;
            let name = el.attr("Id").unwrap_or_default();
            let folder = mailbox.store.distinguished(name).ok_or_else(not_found)?;
            Ok((mailbox.address.clone(), folder.id.clone()))
        }
        "FolderId" => {
            let id = el.attr("Id").unwrap_or_default();
            if !well_formed(id) {
                return Err(EwsError::malformed());
            }
            let owner = call.model.folder_owner(id).ok_or_else(not_found)?;
            check_access(call, &owner)?;
            Ok((owner, id.to_string()))
        }
        _ => Err(EwsError::new(
            "ErrorInvalidOperation",
            "The mock supports FolderId and DistinguishedFolderId only.",
        )),
    }
}

/// The folder id elements inside `ParentFolderIds` / `FolderIds`.
pub fn folder_ids<'a>(request: &'a Element, container: &str) -> Vec<&'a Element> {
    request
        .child(MESSAGES_NS, container)
        .map(|c| c.children.iter().collect())
        .unwrap_or_default()
}

/// `BaseShape` of `ItemShape`/`FolderShape`, and the FieldURIs of AdditionalProperties.
pub fn shape(request: &Element, element: &str) -> (String, Vec<String>) {
    let shape = request.child(MESSAGES_NS, element);
    let base = shape
        .and_then(|s| s.child(TYPES_NS, "BaseShape"))
        .map(|b| b.trimmed().to_string())
        .unwrap_or_else(|| "Default".into());
    let extra = shape
        .and_then(|s| s.child(TYPES_NS, "AdditionalProperties"))
        .map(|a| {
            a.children
                .iter()
                .filter_map(|p| p.attr("FieldURI").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (base, extra)
}

/// An IndexedPage view: (max entries, offset, from the end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub max: Option<usize>,
    pub offset: usize,
    pub from_end: bool,
}

impl Page {
    pub fn read(el: Option<&Element>) -> Page {
        let num = |name| {
            el.and_then(|e| e.attr(name))
                .and_then(|v| v.trim().parse::<usize>().ok())
        };
        Page {
            max: num("MaxEntriesReturned"),
            offset: num("Offset").unwrap_or(0),
            from_end: el.and_then(|e| e.attr("BasePoint")) == Some("End"),
        }
    }

    /// The range of `total` ordered entries to return, the next offset and
    /// IncludesLastItemInRange.
    pub fn window(&self, total: usize) -> (std::ops::Range<usize>, usize, bool) {
        let take = self.max.unwrap_or(usize::MAX);
        if self.from_end {
            let end = total.saturating_sub(self.offset);
            let start = end.saturating_sub(take);
            (
                start..end,
                self.offset + (end - start),
                self.offset == 0 || end == 0,
            )
        } else {
            let start = self.offset.min(total);
            let end = start.saturating_add(take).min(total);
            (start..end, end, end >= total)
        }
    }
}

/// The paging attributes of `m:RootFolder`.
pub fn root_folder_attrs(next: usize, total: usize, last: bool) -> [(&'static str, String); 3] {
    [
        ("IndexedPagingOffset", next.to_string()),
        ("TotalItemsInView", total.to_string()),
        ("IncludesLastItemInRange", last.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_windows() {
        let p = |max, offset, from_end| Page {
            max,
            offset,
            from_end,
        };
        assert_eq!(p(Some(6), 0, false).window(8), (0..6, 6, false));
        assert_eq!(p(Some(6), 6, false).window(8), (6..8, 8, true));
        assert_eq!(p(Some(6), 9, false).window(8), (8..8, 8, true));
        assert_eq!(p(None, 2, false).window(8), (2..8, 8, true));
        assert_eq!(p(Some(3), 0, true).window(8), (5..8, 3, true));
        assert_eq!(p(Some(3), 3, true).window(8), (2..5, 6, false));
        assert_eq!(p(Some(3), 7, true).window(8), (0..1, 8, false));
        assert_eq!(p(Some(3), 0, false).window(0), (0..0, 0, true));
    }
}
