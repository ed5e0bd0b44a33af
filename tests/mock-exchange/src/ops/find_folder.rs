//! FindFolder: the subfolders of one or more folders (Shallow or Deep), with an
//! optional Restriction (`folder:DisplayName` IsEqualTo... as the guest resolves
//! paths level by level) and IndexedPageFolderView paging.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/findfolder-operation>

use super::common::{self, EwsError, Page};
use super::{Call, Reply};
use crate::restriction::{self, Field, Value, FOLDER_FIELDS};
use crate::soap::{XmlOut, MESSAGES_NS};
use crate::store::{Folder, Store};

pub const ELEMENT: &str = "FindFolder";
const MESSAGE: &str = "FindFolderResponseMessage";

pub fn handle(call: &mut Call) -> Reply {
    let request = &call.envelope.operation;
    let deep = request.attr("Traversal") == Some("Deep");
    let (base, extra) = common::shape(request, "FolderShape");
    let page = Page::read(request.child(MESSAGES_NS, "IndexedPageFolderView"));
    let filter = request
        .child(MESSAGES_NS, "Restriction")
        .map(|r| restriction::parse(r, FOLDER_FIELDS));
    let parents = common::folder_ids(request, "ParentFolderIds");
    let call = &*call;
    Reply::Ok(common::response("FindFolderResponse", |x| {
        for parent in parents {
            let result = match &filter {
                Some(Err(e)) => Err(EwsError::new(e.code, &e.message)),
                _ => common::resolve_folder(call, parent),
            };
            let (address, folder_id) = match result {
                Ok(r) => r,
                Err(e) => {
                    common::error_message(x, MESSAGE, &e, |_| {});
                    continue;
                }
            };
            let store = &call.model.mailbox(&address).expect("resolved").store;
            let candidates = if deep {
                store.descendants(&folder_id)
            } else {
                store.children(&folder_id).collect()
            };
            let found: Vec<&Folder> = candidates
                .into_iter()
                .filter(|f| match &filter {
                    Some(Ok(expr)) => restriction::eval(expr, &|field| value(store, f, field)),
                    _ => true,
                })
                .collect();
            let (range, next, last) = page.window(found.len());
            let tag = common::success_start(x, MESSAGE);
            let attrs = common::root_folder_attrs(next, found.len(), last);
            let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            x.start("m:RootFolder", &attrs);
            x.start("t:Folders", &[]);
            for f in &found[range] {
                write_folder(x, store, f, &base, &extra);
            }
            x.end("t:Folders");
            x.end("m:RootFolder");
            x.end(&tag);
        }
    }))
}

fn value(store: &Store, f: &Folder, field: Field) -> Option<Value> {
    let (total, unread) = store.counts(&f.id);
    Some(match field {
        Field::FolderDisplayName => Value::Text(vec![f.name.clone()]),
        Field::FolderClass => Value::Text(vec![f.class.clone()]),
        Field::FolderTotalCount => Value::Int(total as i64),
        Field::FolderUnreadCount => Value::Int(unread as i64),
        Field::FolderChildFolderCount => Value::Int(store.children(&f.id).count() as i64),
        _ => return None,
    })
}

/// One `t:Folder` (`t:ContactsFolder` for a contacts folder) for a FolderShape.
pub fn write_folder(x: &mut XmlOut, store: &Store, f: &Folder, base: &str, extra: &[String]) {
    let all = base == "AllProperties";
    let default = all || base == "Default";
    let w = |uri: &str, in_default: bool| {
        extra.iter().any(|e| e == uri) || (in_default && default) || all
    };
    let contacts = f.class == "IPF.Contact";
    let tag = if contacts {
        "t:ContactsFolder"
    } else {
        "t:Folder"
    };
    let (total, unread) = store.counts(&f.id);
    x.start(tag, &[]);
    x.empty("t:FolderId", &[("Id", &f.id), ("ChangeKey", &f.change_key)]);
    if let Some(parent) = f.parent.as_deref().and_then(|p| store.folder(p)) {
        if w("folder:ParentFolderId", false) {
            x.empty(
                "t:ParentFolderId",
                &[("Id", &parent.id), ("ChangeKey", &parent.change_key)],
            );
        }
    }
    // The root has no folder class: Exchange leaves the element out.
    if w("folder:FolderClass", false) && !f.class.is_empty() {
        x.leaf("t:FolderClass", &f.class);
    }
    if w("folder:DisplayName", true) {
        x.leaf("t:DisplayName", &f.name);
    }
    if w("folder:TotalCount", true) {
        x.leaf("t:TotalCount", &total.to_string());
    }
    if w("folder:ChildFolderCount", true) {
        x.leaf(
            "t:ChildFolderCount",
            &store.children(&f.id).count().to_string(),
        );
    }
    if let Some(d) = &f.distinguished {
        if w("folder:DistinguishedFolderId", false)
            && d != "msgfolderroot"
            && d != crate::store::EWS_ROOT
        {
            x.leaf("t:DistinguishedFolderId", d);
        }
    }
    if !contacts && w("folder:UnreadCount", true) {
        x.leaf("t:UnreadCount", &unread.to_string());
    }
    x.end(tag);
}
