//! A folder path (`Inbox/Phishing`) to a folder, level by level, for the
//! daemon and every action that names a folder: names matched
//! case-insensitively (an exact-case match preferred), the first segment
//! possibly a well-known folder (`inbox`, `junkemail`...), and a path that
//! does not exist named at its first missing level, with what is there.

use super::{Error, Folder, FolderRef};

/// Well-known folder names a path may start with (EWS
/// `DistinguishedFolderIdNameType` values that hold mail).
pub const WELL_KNOWN: &[&str] = &[
    "inbox",
    "junkemail",
    "msgfolderroot",
    "root",
    "deleteditems",
    "drafts",
    "sentitems",
    "outbox",
    "archiveinbox",
    "archivemsgfolderroot",
    "archivedeleteditems",
    "archiveroot",
    "conversationhistory",
    "searchfolders",
];

/// How many sibling names a not-found message lists.
const SIBLINGS_SHOWN: usize = 20;

/// Whether `path` is a well-known folder alone (no walk needed).
pub fn well_known(path: &str, mailbox: Option<&str>) -> Option<FolderRef> {
    let first = path.trim().to_lowercase();
    WELL_KNOWN
        .iter()
        .find(|d| **d == first)
        .map(|d| FolderRef::Distinguished {
            name: d.to_string(),
            mailbox: mailbox.map(str::to_string),
        })
}

/// Resolves `path` in `mailbox`, listing children with `children`.
pub fn resolve(
    path: &str,
    mailbox: Option<&str>,
    children: &mut dyn FnMut(&FolderRef) -> Result<Vec<Folder>, Error>,
) -> Result<FolderRef, Error> {
    let segments: Vec<&str> = path
        .split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let Some(first) = segments.first() else {
        return Ok(FolderRef::Distinguished {
            name: "msgfolderroot".into(),
            mailbox: mailbox.map(str::to_string),
        });
    };
    let (mut current, rest, mut walked) = match well_known(first, mailbox) {
        Some(f) => (f, &segments[1..], vec![*first]),
        None => (
            FolderRef::Distinguished {
                name: "msgfolderroot".into(),
                mailbox: mailbox.map(str::to_string),
            },
            &segments[..],
            vec![],
        ),
    };
    for name in rest {
        let listed = children(&current)?;
        let wanted = name.to_lowercase();
        let found = listed.iter().find(|f| f.display_name == *name).or_else(|| {
            listed
                .iter()
                .find(|f| f.display_name.to_lowercase() == wanted)
        });
        let Some(f) = found else {
            return Err(Error::NotFound(missing(name, &walked, &listed)));
        };
        current = FolderRef::Id(f.id.clone());
        walked.push(name);
    }
    Ok(current)
}

fn missing(name: &str, walked: &[&str], listed: &[Folder]) -> String {
    let parent = if walked.is_empty() {
        "the mailbox root".to_string()
    } else {
        format!("\"{}\"", walked.join("/"))
    };
    let mut names: Vec<&str> = listed.iter().map(|f| f.display_name.as_str()).collect();
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
    format!("folder: no folder \"{name}\" in {parent} ({seen})")
}
