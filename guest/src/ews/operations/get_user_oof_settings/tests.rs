use super::*;
use crate::ews::envelope::{self, Header};
use crate::ews::response;

pub const SCHEDULED: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="1" MinorBuildNumber="0" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><GetUserOofSettingsResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage><OofSettings xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><OofState>Scheduled</OofState><ExternalAudience>All</ExternalAudience><Duration><StartTime>2026-11-20T08:00:00Z</StartTime><EndTime>2026-11-30T17:00:00Z</EndTime></Duration><InternalReply><Message>I am away</Message></InternalReply><ExternalReply><Message>Away &amp; back soon</Message></ExternalReply></OofSettings><AllowExternalOof>All</AllowExternalOof></GetUserOofSettingsResponse></s:Body></s:Envelope>"#;

pub const NOT_FOUND: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetUserOofSettingsResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><m:ResponseMessage ResponseClass="Error"><m:MessageText>No mailbox with such guid.</m:MessageText><m:ResponseCode>ErrorMailRecipientNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:ResponseMessage></m:GetUserOofSettingsResponse></s:Body></s:Envelope>"#;

fn request(impersonate: Option<&str>, address: &str) -> Vec<u8> {
    let header = Header {
        server_version: "Exchange2016".into(),
        impersonate: impersonate.map(Into::into),
    };
    envelope::write(&header, |x| {
        write(
            x,
            &Mailbox {
                address: address.into(),
            },
        )
    })
}

#[test]
fn reads_a_scheduled_answer() {
    let oof = read(&response::body(SCHEDULED.as_bytes()).unwrap()).unwrap();
    assert_eq!(oof.state, "Scheduled");
    assert_eq!(oof.external_audience, "All");
    let (start, end) = oof.duration.unwrap();
    assert_eq!(
        crate::time::format_rfc3339_utc(start),
        "2026-11-20T08:00:00Z"
    );
    assert_eq!(crate::time::format_rfc3339_utc(end), "2026-11-30T17:00:00Z");
    assert_eq!(oof.internal_reply, "I am away");
    assert_eq!(oof.external_reply, "Away & back soon");
    assert_eq!(oof.allow_external_oof.as_deref(), Some("All"));
}

#[test]
fn reads_an_error_answer() {
    let Err(Error::Response(d)) = read(&response::body(NOT_FOUND.as_bytes()).unwrap()) else {
        panic!()
    };
    assert_eq!(d.code, "ErrorMailRecipientNotFound");
    assert_eq!(d.text, "No mailbox with such guid.");
}

#[test]
fn refuses_an_unexpected_state() {
    let odd = SCHEDULED.replace("<OofState>Scheduled", "<OofState>Maybe");
    assert!(matches!(
        read(&response::body(odd.as_bytes()).unwrap()),
        Err(Error::Malformed(_))
    ));
    let bad_date = SCHEDULED.replace("2026-11-20T08:00:00Z", "tomorrow");
    assert!(matches!(
        read(&response::body(bad_date.as_bytes()).unwrap()),
        Err(Error::Malformed(_))
    ));
}

#[test]
fn writes_the_request_microsoft_documents() {
    let doc = String::from_utf8(request(None, "User1@example.com")).unwrap();
    assert!(doc.contains(
        "<soap:Body><m:GetUserOofSettingsRequest><t:Mailbox><t:Address>User1@example.com</t:Address></t:Mailbox></m:GetUserOofSettingsRequest></soap:Body>"
    ), "{doc}");
}

/// Every request must validate against Microsoft's schema (the repo's copy,
/// tests/mock-exchange/schema), with xmllint, which scripts/bootstrap installs.
#[test]
fn requests_validate_against_the_ews_schema() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/mock-exchange/schema");
    let schema = std::path::Path::new(&dir).join("ews-envelope-validate.xsd");
    let body_schema = std::path::Path::new(&dir).join("ews-validate.xsd");
    assert!(schema.exists(), "no schema at {dir}");
    assert!(
        std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok(),
        "xmllint is missing: run scripts/bootstrap"
    );
    let tmp = std::env::temp_dir().join(format!("ews-guest-oof-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    // Every server_version the configuration accepts is one the schema accepts.
    let versions: Vec<_> = crate::config::fields::SERVER_VERSIONS
        .iter()
        .map(|v| {
            let header = Header {
                server_version: v.to_string(),
                impersonate: Some("a@b.cd".into()),
            };
            let file = tmp.join(format!("version-{v}.xml"));
            std::fs::write(
                &file,
                envelope::write(&header, |x| {
                    write(
                        x,
                        &Mailbox {
                            address: "u@b.cd".into(),
                        },
                    )
                }),
            )
            .unwrap();
            file
        })
        .collect();
    xmllint_all(&schema, &versions);
    for (name, imp) in [
        ("plain", None),
        ("impersonating", Some("soc&co@example.com")),
    ] {
        let doc = request(imp, "user+x@example.com");
        let env_file = tmp.join(format!("{name}.xml"));
        std::fs::write(&env_file, &doc).unwrap();
        xmllint(&schema, &env_file);
        // The envelope check skips unknown body elements; check the body element alone too.
        let root = String::from_utf8(doc).unwrap();
        let start = root.find("<m:GetUserOofSettingsRequest").unwrap();
        let end = root.find("</soap:Body>").unwrap();
        let body = root[start..end].replacen(
            "<m:GetUserOofSettingsRequest",
            &format!(
                "<m:GetUserOofSettingsRequest xmlns:m=\"{}\" xmlns:t=\"{}\"",
                envelope::NS_MESSAGES,
                envelope::NS_TYPES
            ),
            1,
        );
        let body_file = tmp.join(format!("{name}-body.xml"));
        std::fs::write(&body_file, body).unwrap();
        xmllint(&body_schema, &body_file);
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

fn xmllint(schema: &std::path::Path, file: &std::path::Path) {
    xmllint_all(schema, &[file.to_path_buf()]);
}

fn xmllint_all(schema: &std::path::Path, files: &[std::path::PathBuf]) {
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "does not validate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
