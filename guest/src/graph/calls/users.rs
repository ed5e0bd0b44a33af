//! `GET /users`: the directory's mailboxes, Graph's nearest equivalent of
//! EWS's GetSearchableMailboxes (v1.0 has no eDiscovery mailbox list).
//! Users without a `mail` address have no mailbox and are left out.

use crate::ews::error::Error;
use crate::graph::client::GraphClient;
use crate::graph::error::Call;
use crate::graph::odata;
use crate::graph::types::User;
use crate::mailbox::SearchableMailbox;

/// At most this many are listed.
const MAX: usize = 10_000;

pub fn mailboxes(
    client: &mut GraphClient,
    mailbox: &str,
    filter: Option<&str>,
) -> Result<Vec<SearchableMailbox>, Error> {
    let call = Call {
        what: "list the directory's users",
        permission: "User.Read.All",
        mailbox,
    };
    let mut options = vec![
        (
            "$select",
            "id,displayName,mail,userPrincipalName".to_string(),
        ),
        ("$top", "999".to_string()),
    ];
    if let Some(f) = filter.map(str::trim).filter(|f| !f.is_empty()) {
        let v = odata::literal(f);
        options.push((
            "$filter",
            format!("startswith(displayName,{v}) or startswith(mail,{v})"),
        ));
    }
    let url = format!("/users{}", odata::query(&options));
    let users: Vec<User> = client.all(&call, url, MAX)?;
    Ok(users
        .into_iter()
        .filter_map(|u| {
            let mail = u.mail.filter(|m| !m.is_empty())?;
            Some(SearchableMailbox {
                guid: u.id.clone(),
                display_name: u.display_name.unwrap_or_else(|| mail.clone()),
                primary_smtp_address: mail,
                is_external: false,
                external_email_address: None,
                is_membership_group: false,
                reference_id: u.user_principal_name.unwrap_or(u.id),
            })
        })
        .collect())
}
