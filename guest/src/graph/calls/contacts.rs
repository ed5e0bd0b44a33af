//! `GET /users/{u}/contacts`: the Contacts folder, by display name, with
//! the total (`$count`).

use crate::ews::error::Error;
use crate::graph::client::{GraphClient, Req};
use crate::graph::error::Call;
use crate::graph::odata;
use crate::graph::types::{Contact as GraphContact, Page};
use crate::mailbox::{Contact, ItemRef};

const SELECT: &str = "id,changeKey,displayName,givenName,surname,companyName,jobTitle,\
emailAddresses,businessPhones,homePhones,mobilePhone";

pub fn list(
    client: &mut GraphClient,
    mailbox: &str,
    offset: u32,
    limit: u32,
) -> Result<(Vec<Contact>, u64), Error> {
    let call = Call {
        what: "read the contacts",
        permission: "Contacts.Read",
        mailbox,
    };
    let mut options = vec![
        ("$select", SELECT.to_string()),
        ("$orderby", "displayName".to_string()),
        ("$top", limit.clamp(1, 1000).to_string()),
        ("$count", "true".to_string()),
    ];
    if offset > 0 {
        options.push(("$skip", offset.to_string()));
    }
    let url = format!(
        "{}/contacts{}",
        GraphClient::user(mailbox),
        odata::query(&options)
    );
    let page: Page<GraphContact> = client.json(&call, Req::get(url))?;
    let total = page
        .count
        .unwrap_or(u64::from(offset) + page.value.len() as u64);
    let contacts = page
        .value
        .into_iter()
        .take(limit as usize)
        .map(contact)
        .collect();
    Ok((contacts, total))
}

/// Phone kinds named as EWS names them, so the output is one on both transports.
fn contact(c: GraphContact) -> Contact {
    let mut phones: Vec<(String, String)> = Vec::new();
    phones.extend(
        c.business_phones
            .into_iter()
            .map(|p| ("BusinessPhone".to_string(), p)),
    );
    phones.extend(
        c.home_phones
            .into_iter()
            .map(|p| ("HomePhone".to_string(), p)),
    );
    phones.extend(
        c.mobile_phone
            .into_iter()
            .map(|p| ("MobilePhone".to_string(), p)),
    );
    Contact {
        item: ItemRef {
            id: c.id,
            change_key: c.change_key,
        },
        display_name: c.display_name,
        given_name: c.given_name,
        surname: c.surname,
        company: c.company_name,
        job_title: c.job_title,
        emails: c
            .email_addresses
            .into_iter()
            .filter_map(|e| e.address)
            .collect(),
        phones: phones.into_iter().filter(|(_, n)| !n.is_empty()).collect(),
    }
}
