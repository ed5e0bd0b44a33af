//! `GET /users/{u}/mailFolders/{folder}/childFolders`: one level of a
//! folder path.

use super::{folder_mailbox, folder_segment, MAIL};
use crate::ews::error::Error;
use crate::graph::client::GraphClient;
use crate::graph::error::Call;
use crate::graph::odata;
use crate::graph::types::MailFolder;
use crate::mailbox::{Folder, FolderRef};

/// A folder with more children than this is not a path anyone types.
const MAX: usize = 10_000;

pub fn list(
    client: &mut GraphClient,
    mailbox: &str,
    parent: &FolderRef,
) -> Result<Vec<Folder>, Error> {
    let owner = folder_mailbox(parent, mailbox);
    let call = Call {
        what: "list the folders of the mailbox",
        permission: MAIL,
        mailbox: owner,
    };
    let url = format!(
        "{}/mailFolders/{}/childFolders{}",
        GraphClient::user(owner),
        folder_segment(parent),
        odata::query(&[("$select", "id,displayName".into()), ("$top", "100".into())])
    );
    let folders: Vec<MailFolder> = client.all(&call, url, MAX)?;
    // mailFolders lists mail folders only: no class to tell.
    Ok(folders
        .into_iter()
        .map(|f| Folder {
            id: f.id,
            display_name: f.display_name,
            class: None,
        })
        .collect())
}
