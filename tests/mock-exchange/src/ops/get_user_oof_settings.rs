//! GetUserOofSettings: a mailbox's out-of-office settings.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getuseroofsettings-operation>

use super::{Call, Reply};
use crate::model::Mailbox;
use crate::soap::{self, SoapFault, XmlOut, MESSAGES_NS, TYPES_NS};

pub const ELEMENT: &str = "GetUserOofSettingsRequest";

pub fn handle(call: &mut Call) -> Reply {
    let address = call
        .envelope
        .operation
        .path(&[(TYPES_NS, "Mailbox"), (TYPES_NS, "Address")])
        .map(|a| a.trimmed().to_string())
        .unwrap_or_default();
    let Some(mailbox) = call.model.mailbox(&address) else {
        return Reply::Ok(not_found());
    };
    if !call.app_only && !mailbox.address.eq_ignore_ascii_case(call.mailbox) {
        // Exchange's answer when a user reads another user's settings (Microsoft's sample).
        return Reply::Fault(SoapFault::client(
            "Microsoft.Exchange.Data.Storage.AccessDeniedException: User is not mailbox owner.",
        ));
    }
    Reply::Ok(success(mailbox))
}

fn success(mailbox: &Mailbox) -> Vec<u8> {
    let oof = &mailbox.oof;
    soap::response(|x| {
        x.start("GetUserOofSettingsResponse", &[("xmlns", MESSAGES_NS)]);
        x.start("ResponseMessage", &[("ResponseClass", "Success")]);
        x.leaf("ResponseCode", "NoError");
        x.end("ResponseMessage");
        x.start("OofSettings", &[("xmlns", TYPES_NS)]);
        x.leaf("OofState", oof.state.as_str());
        x.leaf("ExternalAudience", oof.external_audience.as_str());
        x.start("Duration", &[]);
        x.leaf("StartTime", &oof.start);
        x.leaf("EndTime", &oof.end);
        x.end("Duration");
        reply(x, "InternalReply", &oof.internal_reply);
        reply(x, "ExternalReply", &oof.external_reply);
        x.end("OofSettings");
        x.leaf("AllowExternalOof", "All");
        x.end("GetUserOofSettingsResponse");
    })
}

fn reply(x: &mut XmlOut, name: &str, message: &str) {
    x.start(name, &[]);
    if message.is_empty() {
        x.empty("Message", &[]);
    } else {
        x.leaf("Message", message);
    }
    x.end(name);
}

fn not_found() -> Vec<u8> {
    soap::response(|x| {
        x.start("GetUserOofSettingsResponse", &[("xmlns", MESSAGES_NS)]);
        x.start("ResponseMessage", &[("ResponseClass", "Error")]);
        x.leaf("MessageText", "No mailbox with such guid.");
        x.leaf("ResponseCode", "ErrorMailRecipientNotFound");
        x.leaf("DescriptiveLinkKey", "0");
        x.end("ResponseMessage");
        x.end("GetUserOofSettingsResponse");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ExternalAudience, Model, OofSettings, OofState};
    use crate::{dom, schema};

    const EXPECTED: &str = r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="1" MinorBuildNumber="0" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><GetUserOofSettingsResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage><OofSettings xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><OofState>Scheduled</OofState><ExternalAudience>All</ExternalAudience><Duration><StartTime>2026-11-20T08:00:00Z</StartTime><EndTime>2026-11-30T17:00:00Z</EndTime></Duration><InternalReply><Message>I am away</Message></InternalReply><ExternalReply><Message>Away &amp; back soon</Message></ExternalReply></OofSettings><AllowExternalOof>All</AllowExternalOof></GetUserOofSettingsResponse></s:Body></s:Envelope>"#;

    fn run(model: &mut Model, address: &str, caller: &str, app_only: bool) -> Reply {
        let request = format!(
            r#"<s:Envelope xmlns:s="{}"><s:Body><m:GetUserOofSettingsRequest xmlns:m="{MESSAGES_NS}" xmlns:t="{TYPES_NS}"><t:Mailbox><t:Address>{address}</t:Address></t:Mailbox></m:GetUserOofSettingsRequest></s:Body></s:Envelope>"#,
            soap::SOAP_NS
        );
        let envelope = soap::read_envelope(dom::parse(request.as_bytes()).unwrap()).unwrap();
        handle(&mut Call {
            envelope: &envelope,
            mailbox: caller,
            app_only,
            model,
        })
    }

    fn model() -> Model {
        let mut model = Model::default();
        model.add_mailbox("user1@example.com", "User One");
        model.mailbox_mut("user1@example.com").unwrap().oof = OofSettings {
            state: OofState::Scheduled,
            external_audience: ExternalAudience::All,
            start: "2026-11-20T08:00:00Z".into(),
            end: "2026-11-30T17:00:00Z".into(),
            internal_reply: "I am away".into(),
            external_reply: "Away & back soon".into(),
        };
        model
    }

    fn ok(reply: Reply) -> String {
        match reply {
            Reply::Ok(body) => String::from_utf8(body).unwrap(),
            Reply::Fault(f) => panic!("fault {f:?}"),
        }
    }

    #[test]
    fn answers_exactly_like_exchange() {
        let body = ok(run(
            &mut model(),
            "User1@example.com",
            "user1@example.com",
            false,
        ));
        assert_eq!(body, EXPECTED);
        assert_eq!(schema::shared().unwrap().validate(body.as_bytes()), Ok(()));
    }

    #[test]
    fn unknown_mailbox_is_an_error_response_message() {
        let body = ok(run(
            &mut model(),
            "nobody@example.com",
            "user1@example.com",
            true,
        ));
        assert!(body.contains(r#"<ResponseMessage ResponseClass="Error"><MessageText>No mailbox with such guid.</MessageText><ResponseCode>ErrorMailRecipientNotFound</ResponseCode><DescriptiveLinkKey>0</DescriptiveLinkKey></ResponseMessage>"#), "{body}");
        assert_eq!(schema::shared().unwrap().validate(body.as_bytes()), Ok(()));
    }

    #[test]
    fn a_user_may_not_read_another_users_settings_but_an_app_may() {
        let mut model = model();
        model.add_mailbox("other@example.com", "Other");
        assert!(matches!(
            run(&mut model, "other@example.com", "user1@example.com", false),
            Reply::Fault(_)
        ));
        let body = ok(run(
            &mut model,
            "other@example.com",
            "user1@example.com",
            true,
        ));
        assert!(
            body.contains("<OofState>Disabled</OofState>") && body.contains("<Message/>"),
            "{body}"
        );
        assert_eq!(schema::shared().unwrap().validate(body.as_bytes()), Ok(()));
    }
}
