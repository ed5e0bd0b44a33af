//! `folder` to a FolderId: `id:...` as is; a path level by level with
//! FindFolder (names matched case-insensitively, an exact-case match
//! preferred), its first segment possibly a distinguished folder name.
//! The resolved id is cached in the checkpoint, keyed by the path; the
//! caller asks again with `fresh` when Exchange no longer knows the id.

use super::checkpoint::FolderCache;
use super::{Session, PAGE_SIZE};
use crate::ews::error::Error;
use crate::ews::operations::find_folder::{self, Folder};
use crate::ews::operations::{FolderRef, DISTINGUISHED_FOLDERS};
use crate::platform::Level;

/// How many sibling names a not-found message lists.
const SIBLINGS_SHOWN: usize = 20;

/// The folder, and whether it came from the cache (so is worth resolving
/// again if Exchange refuses it).
pub fn resolve(s: &mut Session, fresh: bool) -> Result<(FolderRef, bool), Error> {
    let path = s.daemon.folder.clone();
    if let Some(id) = path.strip_prefix("id:") {
        return Ok((FolderRef::Id(id.trim().to_string()), false));
    }
    let segments: Vec<&str> = path.split('/').map(str::trim).collect();
    let first = segments[0].to_lowercase();
    let mailbox = s.config.primary_smtp_address.clone();
    let (start, rest) = match DISTINGUISHED_FOLDERS.iter().find(|d| **d == first) {
        Some(d) => (
            FolderRef::Distinguished {
                name: d.to_string(),
                mailbox: mailbox.clone(),
            },
            &segments[1..],
        ),
        None => (
            FolderRef::Distinguished {
                name: "msgfolderroot".into(),
                mailbox: mailbox.clone(),
            },
            &segments[..],
        ),
    };
    if rest.is_empty() {
        return Ok((start, false));
    }
    if !fresh {
        if let Some(c) = s.checkpoint.folder()? {
            if c.path == path {
                return Ok((FolderRef::Id(c.id), true));
            }
        }
    }
    let mut current = start;
    let mut walked: Vec<&str> = match &current {
        FolderRef::Distinguished { .. } if rest.len() < segments.len() => vec![segments[0]],
        _ => vec![],
    };
    for name in rest {
        let children = children(s, &current)?;
        let wanted = name.to_lowercase();
        let found = children
            .iter()
            .find(|f| f.display_name == *name)
            .or_else(|| {
                children
                    .iter()
                    .find(|f| f.display_name.to_lowercase() == wanted)
            });
        let Some(f) = found else {
            let parent = if walked.is_empty() {
                "the mailbox root".to_string()
            } else {
                format!("\"{}\"", walked.join("/"))
            };
            let mut names: Vec<&str> = children.iter().map(|f| f.display_name.as_str()).collect();
            let more = names.len().saturating_sub(SIBLINGS_SHOWN);
            names.truncate(SIBLINGS_SHOWN);
            let seen = if names.is_empty() {
                "it has no subfolders".to_string()
            } else {
                let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                let tail = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                format!("its subfolders: {}{tail}", quoted.join(", "))
            };
            return Err(Error::NotFound(format!(
                "folder: no folder \"{name}\" in {parent} ({seen})"
            )));
        };
        current = FolderRef::Id(f.id.clone());
        walked.push(name);
    }
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
    let mut all = Vec::new();
    let mut offset = 0;
    // Bounded: a folder with more than 100 pages of subfolders is not a path.
    for _ in 0..100 {
        let answer = s.client.call(find_folder::NAME, |x| {
            find_folder::write(x, parent, offset, PAGE_SIZE)
        })?;
        let page = find_folder::read(&answer, offset)?;
        let got = page.folders.len();
        all.extend(page.folders);
        if page.includes_last || got == 0 || page.next_offset <= offset {
            break;
        }
        offset = page.next_offset;
    }
    Ok(all)
}
