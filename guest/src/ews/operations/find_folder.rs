//! FindFolder: the direct children of one folder, a page at a time.
//! messages.xsd `FindFolderType`: FolderShape, IndexedPageFolderView,
//! Restriction?, ParentFolderIds; attribute Traversal.

use super::{field_uri, next_offset, paged_root, paging_last, FolderRef};
use crate::ews::envelope::Xml;
use crate::ews::error::Error;
use crate::ews::xml::Element;

pub const NAME: &str = "FindFolder";

pub use crate::mailbox::Folder;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub folders: Vec<Folder>,
    pub includes_last: bool,
    /// `IndexedPagingOffset`, else offset + what this page held.
    pub next_offset: u32,
}

pub fn write(x: &mut Xml, parent: &FolderRef, offset: u32, max_entries: u32) {
    x.open("m:FindFolder", &[("Traversal", "Shallow")]);
    x.open("m:FolderShape", &[]);
    x.leaf("t:BaseShape", "IdOnly");
    x.open("t:AdditionalProperties", &[]);
    field_uri(x, "folder:FolderClass");
    field_uri(x, "folder:DisplayName");
    x.close("t:AdditionalProperties");
    x.close("m:FolderShape");
    x.empty(
        "m:IndexedPageFolderView",
        &[
            ("MaxEntriesReturned", &max_entries.to_string()),
            ("Offset", &offset.to_string()),
            ("BasePoint", "Beginning"),
        ],
    );
    x.open("m:ParentFolderIds", &[]);
    parent.write(x);
    x.close("m:ParentFolderIds");
    x.close("m:FindFolder");
}

pub fn read(answer: &Element, offset: u32) -> Result<Page, Error> {
    let root = paged_root(answer, "FindFolderResponse", "FindFolderResponseMessage")?;
    let folders: Vec<Folder> = root
        .child("Folders")
        .map(|f| f.children.iter().filter_map(folder).collect())
        .unwrap_or_default();
    Ok(Page {
        includes_last: paging_last(root)?,
        next_offset: next_offset(root, offset, folders.len()),
        folders,
    })
}

/// Any folder class (Folder, SearchFolder...) with a FolderId.
fn folder(el: &Element) -> Option<Folder> {
    let id = el.child("FolderId")?.attr("Id")?.to_string();
    Some(Folder {
        id,
        display_name: el
            .child("DisplayName")
            .map(|d| d.text.clone())
            .unwrap_or_default(),
        class: el.child_text("FolderClass").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;
    use crate::ews::response;

    const SAMPLE: &str = include_str!("../../../testdata/FindFolder-response.xml");

    #[test]
    fn reads_microsofts_sample() {
        let page = read(&response::body(SAMPLE.as_bytes()).unwrap(), 0).unwrap();
        assert_eq!(
            page.folders,
            vec![Folder {
                id: "AQAnAH".into(),
                display_name: "TestFolder".into(),
                class: None,
            }]
        );
        assert!(page.includes_last);
        assert_eq!(page.next_offset, 1);
    }

    #[test]
    fn reads_an_error() {
        let s = include_str!("../../../testdata/FindFolder-ErrorInvalidIdMalformed-response.xml");
        let Err(Error::Response(d)) = read(&response::body(s.as_bytes()).unwrap(), 0) else {
            panic!()
        };
        assert_eq!(d.code, "ErrorInvalidIdMalformed");
    }

    #[test]
    fn writes_schema_order() {
        let doc = crate::ews::envelope::write(
            &crate::ews::envelope::Header {
                server_version: "Exchange2016".into(),
                impersonate: None,
            },
            |x| {
                write(
                    x,
                    &FolderRef::Distinguished {
                        name: "inbox".into(),
                        mailbox: Some("a@b.cd".into()),
                    },
                    10,
                    100,
                )
            },
        );
        let doc = String::from_utf8(doc).unwrap();
        assert!(doc.contains(r#"<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:FolderClass"/><t:FieldURI FieldURI="folder:DisplayName"/></t:AdditionalProperties></m:FolderShape><m:IndexedPageFolderView MaxEntriesReturned="100" Offset="10" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>a@b.cd</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:ParentFolderIds></m:FindFolder>"#), "{doc}");
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        for (name, imp, parent) in [
            (
                "ff-plain",
                None,
                FolderRef::Distinguished {
                    name: "msgfolderroot".into(),
                    mailbox: None,
                },
            ),
            (
                "ff-imp",
                Some("soc&co@example.com"),
                FolderRef::Distinguished {
                    name: "inbox".into(),
                    mailbox: Some("soc&co@example.com".into()),
                },
            ),
            ("ff-id", Some("a@b.cd"), FolderRef::Id("AAMk<&>==".into())),
        ] {
            schema_check::validate(
                name,
                "Exchange2016",
                imp,
                |x| write(x, &parent, 0, 100),
                "m:FindFolder",
                true,
            );
        }
    }
}
