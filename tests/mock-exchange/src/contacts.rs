//! Contacts in a mailbox's Contacts folder, and `t:Contact` as FindItem and
//! GetItem write it (elements in ContactItemType's order). FindItem gives the
//! names, company and job title; the email addresses and phone numbers come
//! through GetItem, which is how clients ask for them (exchangelib's
//! `only(...)` then `fetch`).

use crate::soap::XmlOut;

/// A contact as the test API files it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewContact {
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    /// At most three, as EmailAddress1..3.
    pub emails: Vec<String>,
    /// (key such as `BusinessPhone`, number).
    pub phones: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredContact {
    pub id: String,
    pub change_key: String,
    pub folder: String,
    pub contact: NewContact,
}

/// Writes one `t:Contact`; `full` (GetItem) adds addresses and phones.
pub fn write_contact(x: &mut XmlOut, c: &StoredContact, wants: &dyn Fn(&str) -> bool, full: bool) {
    let n = &c.contact;
    x.start("t:Contact", &[]);
    x.empty("t:ItemId", &[("Id", &c.id), ("ChangeKey", &c.change_key)]);
    if wants("item:ItemClass") {
        x.leaf("t:ItemClass", "IPM.Contact");
    }
    let opt = |x: &mut XmlOut, uri: &str, tag: &str, v: &Option<String>| {
        if let (true, Some(v)) = (wants(uri), v) {
            x.leaf(tag, v);
        }
    };
    if wants("contacts:DisplayName") {
        x.leaf("t:DisplayName", &n.display_name);
    }
    opt(x, "contacts:GivenName", "t:GivenName", &n.given_name);
    opt(x, "contacts:CompanyName", "t:CompanyName", &n.company);
    if full && wants("contacts:EmailAddresses") && !n.emails.is_empty() {
        x.start("t:EmailAddresses", &[]);
        for (i, e) in n.emails.iter().take(3).enumerate() {
            x.leaf_with("t:Entry", &[("Key", &format!("EmailAddress{}", i + 1))], e);
        }
        x.end("t:EmailAddresses");
    }
    if full && wants("contacts:PhoneNumbers") && !n.phones.is_empty() {
        x.start("t:PhoneNumbers", &[]);
        for (key, number) in &n.phones {
            x.leaf_with("t:Entry", &[("Key", key)], number);
        }
        x.end("t:PhoneNumbers");
    }
    opt(x, "contacts:JobTitle", "t:JobTitle", &n.job_title);
    opt(x, "contacts:Surname", "t:Surname", &n.surname);
    x.end("t:Contact");
}
