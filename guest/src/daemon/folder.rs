//! `folder` to a FolderId: `id:...` as is; a path level by level with
//! FindFolder (names matched case-insensitively, an exact-case match
//! preferred), its first segment possibly a distinguished folder name.
//! The resolved id is cached in the checkpoint, keyed by the path; the
//! caller asks again with `fresh` when Exchange no longer knows the id.

use super::checkpoint::FolderCache;
use super::Session;
use crate::ews::error::Error;
use crate::ews::operations::find_folder::Folder;
use crate::ews::operations::FolderRef;
use crate::mailbox::folders;
use crate::platform::Level;

/// The folder, and whether it came from the cache (so is worth resolving
/// again if Exchange refuses it).
pub fn resolve(s: &mut Session, fresh: bool) -> Result<(FolderRef, bool), Error> {
    let path = s.daemon.folder.clone();
    if let Some(id) = path.strip_prefix("id:") {
        return Ok((FolderRef::Id(id.trim().to_string()), false));
    }
    let mailbox = s.config.primary_smtp_address.clone();
    let one_level = !path.contains('/');
    if one_level {
        if let Some(f) = folders::well_known(&path, mailbox.as_deref()) {
            return Ok((f, false));
        }
    }
    if !fresh {
        if let Some(c) = s.checkpoint.folder()? {
            if c.path == path {
                return Ok((FolderRef::Id(c.id), true));
            }
        }
    }
    let current = folders::resolve(&path, mailbox.as_deref(), &mut |parent| children(s, parent))?;
    let FolderRef::Id(id) = &current else {
        return Err(Error::Malformed(
            "folder resolution ended without an id".into(),
        ));
    };
    s.checkpoint.set_folder(&FolderCache {
        path: path.clone(),
        id: id.clone(),
    })?;
    s.log(Level::Info, &format!("folder {path} resolved"));
    Ok((current, false))
}

fn children(s: &mut Session, parent: &FolderRef) -> Result<Vec<Folder>, Error> {
    let mailbox = s.mailbox.clone();
    s.server.child_folders(&mailbox, parent)
}
