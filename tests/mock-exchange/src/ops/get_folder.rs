//! GetFolder: folders by FolderId or DistinguishedFolderId (one response message
//! per id; an unknown id is `ErrorFolderNotFound`, a malformed one
//! `ErrorInvalidIdMalformed`).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getfolder-operation>

use super::common;
use super::find_folder::write_folder;
use super::{Call, Reply};

pub const ELEMENT: &str = "GetFolder";
const MESSAGE: &str = "GetFolderResponseMessage";

pub fn handle(call: &mut Call) -> Reply {
    let request = &call.envelope.operation;
    let (base, extra) = common::shape(request, "FolderShape");
    let call = &*call;
    Reply::Ok(common::response("GetFolderResponse", |x| {
        for id in common::folder_ids(request, "FolderIds") {
            match common::resolve_folder(call, id) {
                Err(e) => common::error_message(x, MESSAGE, &e, |_| {}),
                Ok((address, folder_id)) => {
                    let store = &call.model.mailbox(&address).expect("resolved").store;
                    let folder = store.folder(&folder_id).expect("resolved");
                    let tag = common::success_start(x, MESSAGE);
                    x.start("m:Folders", &[]);
                    write_folder(x, store, folder, &base, &extra);
                    x.end("m:Folders");
                    x.end(&tag);
                }
            }
        }
    }))
}
