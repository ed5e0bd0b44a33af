//! GetSearchableMailboxes: the organisation's mailboxes whose name or address
//! contains SearchFilter, for a caller holding the Discovery Management role
//! (`MockExchange::grant_discovery`); others get ErrorAccessDenied. The answer
//! is itself the response message, as Microsoft's sample shows.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getsearchablemailboxes-operation>

use sha2::{Digest as _, Sha256};

use super::{Call, Reply};
use crate::soap::{self, MESSAGES_NS, TYPES_NS};

pub const ELEMENT: &str = "GetSearchableMailboxes";

pub fn handle(call: &mut Call) -> Reply {
    let request = &call.envelope.operation;
    let filter = request
        .child(MESSAGES_NS, "SearchFilter")
        .map(|f| f.trimmed().to_lowercase())
        .filter(|f| !f.is_empty());
    let allowed = call.model.is_discovery_manager(call.mailbox);
    Reply::Ok(soap::response(|x| {
        x.start(
            "m:GetSearchableMailboxesResponse",
            &[
                ("xmlns:m", MESSAGES_NS),
                ("xmlns:t", TYPES_NS),
                ("ResponseClass", if allowed { "Success" } else { "Error" }),
            ],
        );
        if !allowed {
            x.leaf(
                "m:MessageText",
                "Access is denied. Check credentials and try again.",
            );
            x.leaf("m:ResponseCode", "ErrorAccessDenied");
            x.leaf("m:DescriptiveLinkKey", "0");
            x.empty("m:SearchableMailboxes", &[]);
            x.end("m:GetSearchableMailboxesResponse");
            return;
        }
        x.leaf("m:ResponseCode", "NoError");
        x.start("m:SearchableMailboxes", &[]);
        for mb in call.model.mailboxes() {
            let matches = filter.as_deref().is_none_or(|f| {
                mb.address.to_lowercase().contains(f) || mb.display_name.to_lowercase().contains(f)
            });
            if !matches {
                continue;
            }
            let h = Sha256::digest(mb.address.to_lowercase().as_bytes());
            let hex: String = h[..16].iter().map(|b| format!("{b:02x}")).collect();
            let guid = format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            );
            x.start("t:SearchableMailbox", &[]);
            x.leaf("t:Guid", &guid);
            x.leaf("t:PrimarySmtpAddress", &mb.address);
            x.leaf("t:IsExternalMailbox", "false");
            x.leaf("t:ExternalEmailAddress", "");
            x.leaf("t:DisplayName", &mb.display_name);
            x.leaf("t:IsMembershipGroup", "false");
            x.leaf("t:ReferenceId", &format!("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={hex}"));
            x.end("t:SearchableMailbox");
        }
        x.end("m:SearchableMailboxes");
        x.empty("m:FailedMailboxes", &[]);
        x.end("m:GetSearchableMailboxesResponse");
    }))
}
