//! GetSearchableMailboxes: the mailboxes an eDiscovery search may cover.
//! messages.xsd `GetSearchableMailboxesType`: SearchFilter?,
//! ExpandGroupMembership?; the answer is itself the response message
//! (ResponseClass on `GetSearchableMailboxesResponse`), holding
//! `SearchableMailboxes`. Needs the Discovery Management role.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getsearchablemailboxes-operation>

use crate::ews::envelope::Xml;
use crate::ews::error::Error;
use crate::ews::response;
use crate::ews::xml::Element;
use crate::mailbox::SearchableMailbox;

pub const NAME: &str = "GetSearchableMailboxes";

pub fn write(x: &mut Xml, filter: Option<&str>, expand_groups: bool) {
    x.open("m:GetSearchableMailboxes", &[]);
    if let Some(f) = filter {
        x.leaf("m:SearchFilter", f);
    }
    x.leaf(
        "m:ExpandGroupMembership",
        if expand_groups { "true" } else { "false" },
    );
    x.close("m:GetSearchableMailboxes");
}

pub fn read(answer: &Element) -> Result<Vec<SearchableMailbox>, Error> {
    if answer.name != "GetSearchableMailboxesResponse" {
        return Err(Error::Malformed(format!(
            "expected GetSearchableMailboxesResponse, got <{}>",
            answer.name
        )));
    }
    response::check(answer)?;
    let text = |el: &Element, n: &str| el.child_text(n).unwrap_or_default().to_string();
    Ok(answer
        .child("SearchableMailboxes")
        .map(|list| {
            list.children
                .iter()
                .filter(|c| c.name == "SearchableMailbox")
                .map(|m| SearchableMailbox {
                    guid: text(m, "Guid"),
                    primary_smtp_address: text(m, "PrimarySmtpAddress"),
                    display_name: text(m, "DisplayName"),
                    is_external: m.child_text("IsExternalMailbox") == Some("true"),
                    external_email_address: m
                        .child_text("ExternalEmailAddress")
                        .filter(|v| !v.is_empty())
                        .map(str::to_string),
                    is_membership_group: m.child_text("IsMembershipGroup") == Some("true"),
                    reference_id: text(m, "ReferenceId"),
                })
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;

    #[test]
    fn reads_mailboxes_and_microsofts_error_sample() {
        let ok = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetSearchableMailboxesResponse ResponseClass="Success" xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><ResponseCode>NoError</ResponseCode><SearchableMailboxes><SearchableMailbox xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><Guid>e3a6f7c4-0000-4000-8000-000000000001</Guid><PrimarySmtpAddress>alice@contoso.example</PrimarySmtpAddress><IsExternalMailbox>false</IsExternalMailbox><ExternalEmailAddress/><DisplayName>Alice &amp; Co</DisplayName><IsMembershipGroup>false</IsMembershipGroup><ReferenceId>/o=ExchangeLabs/cn=alice</ReferenceId></SearchableMailbox></SearchableMailboxes><FailedMailboxes/></GetSearchableMailboxesResponse></s:Body></s:Envelope>"#;
        let list = read(&response::body(ok.as_bytes()).unwrap()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].display_name, "Alice & Co");
        assert_eq!(list[0].external_email_address, None);
        let sample = include_str!(
            "../../../testdata/GetSearchableMailboxes-ErrorInvalidArgument-response.xml"
        );
        let Err(Error::Response(d)) = read(&response::body(sample.as_bytes()).unwrap()) else {
            panic!()
        };
        assert_eq!(d.code, "ErrorInvalidArgument");
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        for (name, filter) in [("gsm-all", None), ("gsm-filter", Some("<sales & co>"))] {
            schema_check::validate(
                name,
                "Exchange2013",
                None,
                |x| write(x, filter, true),
                "m:GetSearchableMailboxes",
                false,
            );
        }
    }
}
