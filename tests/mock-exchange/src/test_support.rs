//! Fixtures shared by the unit tests of several modules.

use crate::soap::{self, Envelope, MESSAGES_NS, TYPES_NS};
use crate::{dom, MockOptions};

pub const OOF: &str = "<m:GetUserOofSettingsRequest><t:Mailbox><t:Address>a@b.c</t:Address></t:Mailbox></m:GetUserOofSettingsRequest>";

/// A SOAP envelope around `header` and `body`, and how the mock reads it.
pub fn envelope(header: &str, body: &str) -> (Vec<u8>, Result<Envelope, String>) {
    let xml = format!(
        r#"<s:Envelope xmlns:s="{}" xmlns:m="{MESSAGES_NS}" xmlns:t="{TYPES_NS}"><s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"#,
        soap::SOAP_NS
    );
    let env = dom::parse(xml.as_bytes()).and_then(soap::read_envelope);
    (xml.into_bytes(), env)
}

pub fn options() -> MockOptions {
    MockOptions::default()
        .basic_user("user@contoso.example", "pw:1")
        .oauth_app("contoso", "app-1", "s3cret")
}

/// A client-credentials token request body.
pub fn form(secret: &str, scope: &str) -> Vec<u8> {
    format!("grant_type=client_credentials&client_id=app-1&client_secret={secret}&scope={scope}")
        .into_bytes()
}
