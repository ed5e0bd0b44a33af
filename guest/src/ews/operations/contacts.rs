//! FindItem and GetItem on a Contacts folder: the same two operations as for
//! mail, with contact properties and `t:Contact` answers, kept apart from
//! the mail readers. FindItem pages the names, company and job title; the
//! email addresses and phone numbers (indexed properties) come by GetItem.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-get-contacts-by-using-ews-in-exchange>

use super::{each_item, field_uri, paged_root, FolderRef, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::{CodeDetail, Error};
use crate::ews::xml::Element;
use crate::mailbox::Contact;

pub const FIND: &str = "FindItem";
pub const GET: &str = "GetItem";

const FIND_PROPERTIES: &[&str] = &[
    "contacts:DisplayName",
    "contacts:GivenName",
    "contacts:Surname",
    "contacts:CompanyName",
    "contacts:JobTitle",
];

const DETAIL_PROPERTIES: &[&str] = &["contacts:EmailAddresses", "contacts:PhoneNumbers"];

pub fn write_find(x: &mut Xml, folder: &FolderRef, offset: u32, max: u32) {
    x.open("m:FindItem", &[("Traversal", "Shallow")]);
    x.open("m:ItemShape", &[]);
    x.leaf("t:BaseShape", "IdOnly");
    x.open("t:AdditionalProperties", &[]);
    for p in FIND_PROPERTIES {
        field_uri(x, p);
    }
    x.close("t:AdditionalProperties");
    x.close("m:ItemShape");
    x.empty(
        "m:IndexedPageItemView",
        &[
            ("MaxEntriesReturned", &max.to_string()),
            ("Offset", &offset.to_string()),
            ("BasePoint", "Beginning"),
        ],
    );
    x.open("m:SortOrder", &[]);
    x.open("t:FieldOrder", &[("Order", "Ascending")]);
    field_uri(x, "contacts:DisplayName");
    x.close("t:FieldOrder");
    x.close("m:SortOrder");
    x.open("m:ParentFolderIds", &[]);
    folder.write(x);
    x.close("m:ParentFolderIds");
    x.close("m:FindItem");
}

/// A page of contacts, and TotalItemsInView (which tells whether more follow).
pub struct Page {
    pub contacts: Vec<Contact>,
    pub total: Option<u64>,
}

pub fn read_find(answer: &Element) -> Result<Page, Error> {
    let root = paged_root(answer, "FindItemResponse", "FindItemResponseMessage")?;
    let contacts: Vec<Contact> = root
        .child("Items")
        .map(|i| i.children.iter().filter_map(contact).collect())
        .unwrap_or_default();
    Ok(Page {
        total: root.attr("TotalItemsInView").and_then(|v| v.parse().ok()),
        contacts,
    })
}

pub fn write_get(x: &mut Xml, ids: &[ItemId]) {
    x.open("m:GetItem", &[]);
    x.open("m:ItemShape", &[]);
    x.leaf("t:BaseShape", "IdOnly");
    super::get_item::finish(x, DETAIL_PROPERTIES, &[], ids);
}

/// Per requested id: the contact's addresses and phones, or its error.
pub fn read_get(
    answer: &Element,
    requested: usize,
) -> Result<Vec<Result<Contact, CodeDetail>>, Error> {
    Ok(each_item(
        answer,
        "GetItemResponse",
        "GetItemResponseMessage",
        requested,
    )?
    .into_iter()
    .map(|r| {
        r?.child("Items")
            .and_then(|i| i.children.first())
            .and_then(contact)
            .ok_or_else(|| CodeDetail {
                code: "ErrorUnexpectedAnswer".into(),
                text: "GetItemResponseMessage without a contact".into(),
                message_xml: vec![],
            })
    })
    .collect())
}

fn contact(el: &Element) -> Option<Contact> {
    let text = |n: &str| {
        el.child_text(n)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let entries = |n: &str| -> Vec<(String, String)> {
        el.child(n)
            .map(|list| {
                list.children
                    .iter()
                    .filter(|e| !e.text.trim().is_empty())
                    .map(|e| {
                        (
                            e.attr("Key").unwrap_or_default().to_string(),
                            e.text.trim().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    Some(Contact {
        item: ItemId::read(el.child("ItemId")?)?,
        display_name: text("DisplayName"),
        given_name: text("GivenName"),
        surname: text("Surname"),
        company: text("CompanyName"),
        job_title: text("JobTitle"),
        // Exchange may prefix an address with its routing type ("SMTP:").
        emails: entries("EmailAddresses")
            .into_iter()
            .map(|(_, v)| {
                v.strip_prefix("SMTP:")
                    .or(v.strip_prefix("smtp:"))
                    .unwrap_or(&v)
                    .to_string()
            })
            .collect(),
        phones: entries("PhoneNumbers"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;
    use crate::ews::response;

    #[test]
    fn reads_contacts_and_their_details() {
        let find = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:FindItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder IndexedPagingOffset="1" TotalItemsInView="2" IncludesLastItemInRange="false"><t:Items><t:Contact><t:ItemId Id="C1" ChangeKey="K1"/><t:DisplayName>Kelly &amp; Rollin</t:DisplayName><t:GivenName>Kelly</t:GivenName><t:CompanyName>Contoso</t:CompanyName><t:JobTitle>CFO</t:JobTitle><t:Surname>Rollin</t:Surname></t:Contact></t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>"#;
        let page = read_find(&response::body(find.as_bytes()).unwrap()).unwrap();
        assert_eq!(page.total, Some(2));
        let c = &page.contacts[0];
        assert_eq!(c.display_name.as_deref(), Some("Kelly & Rollin"));
        assert_eq!(c.job_title.as_deref(), Some("CFO"));
        let get = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Contact><t:ItemId Id="C1" ChangeKey="K1"/><t:EmailAddresses><t:Entry Key="EmailAddress1">SMTP:kelly@contoso.com</t:Entry><t:Entry Key="EmailAddress2"/></t:EmailAddresses><t:PhoneNumbers><t:Entry Key="BusinessPhone">+1 555</t:Entry></t:PhoneNumbers></t:Contact></m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"#;
        let details = read_get(&response::body(get.as_bytes()).unwrap(), 1).unwrap();
        let d = details[0].as_ref().unwrap();
        assert_eq!(d.emails, ["kelly@contoso.com"]);
        assert_eq!(
            d.phones,
            [("BusinessPhone".to_string(), "+1 555".to_string())]
        );
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        let folder = FolderRef::Distinguished {
            name: "contacts".into(),
            mailbox: Some("soc@example.com".into()),
        };
        schema_check::validate(
            "ct-find",
            "Exchange2010_SP2",
            None,
            |x| write_find(x, &folder, 0, 100),
            "m:FindItem",
            true,
        );
        let ids = [ItemId::new("AAMk1==")];
        schema_check::validate(
            "ct-get",
            "Exchange2010_SP2",
            None,
            |x| write_get(x, &ids),
            "m:GetItem",
            true,
        );
    }
}
