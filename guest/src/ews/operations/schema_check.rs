//! What the operations' unit tests share: validating a request against
//! Microsoft's XSD with xmllint, and reading sample answers.

use crate::ews::envelope::{self, Header};
use std::path::{Path, PathBuf};

pub fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/mock-exchange/schema"
    ))
}

/// Validates the whole envelope and its body element alone (the envelope
/// check skips body elements lax-ly), with the current schema, and with
/// the Exchange 2010 SP2 one when `also_2010` is set.
pub fn validate(
    name: &str,
    server_version: &str,
    impersonate: Option<&str>,
    body: impl Fn(&mut envelope::Xml),
    root: &str,
    also_2010: bool,
) {
    let header = Header {
        server_version: server_version.into(),
        impersonate: impersonate.map(Into::into),
    };
    let doc = String::from_utf8(envelope::write(&header, &body)).unwrap();
    let tmp = std::env::temp_dir().join(format!("ews-guest-schema-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let env_file = tmp.join("envelope.xml");
    std::fs::write(&env_file, &doc).unwrap();
    xmllint(&dir().join("ews-envelope-validate.xsd"), &env_file);
    let start = doc
        .find(&format!("<{root}"))
        .unwrap_or_else(|| panic!("no <{root} in {doc}"));
    let end = doc.find("</soap:Body>").unwrap();
    let el = doc[start..end].replacen(
        &format!("<{root}"),
        &format!(
            "<{root} xmlns:m=\"{}\" xmlns:t=\"{}\"",
            envelope::NS_MESSAGES,
            envelope::NS_TYPES
        ),
        1,
    );
    let body_file = tmp.join("body.xml");
    std::fs::write(&body_file, el).unwrap();
    xmllint(&dir().join("ews-validate.xsd"), &body_file);
    if also_2010 {
        xmllint(&dir().join("exchange2010_sp2/ews-validate.xsd"), &body_file);
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The answer inside a sample envelope.
pub fn answer(xml: &str) -> crate::ews::xml::Element {
    crate::ews::response::body(xml.as_bytes()).unwrap()
}

/// What a one-id reader gives for a success naming this item.
pub fn one_item(
    id: &str,
    change_key: &str,
) -> Vec<Result<Option<super::ItemId>, crate::ews::error::CodeDetail>> {
    vec![Ok(Some(super::ItemId {
        id: id.into(),
        change_key: Some(change_key.into()),
    }))]
}

pub fn xmllint(schema: &Path, file: &Path) {
    assert!(schema.exists(), "no schema at {}", schema.display());
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(file)
        .output()
        .expect("xmllint is missing: run scripts/bootstrap");
    assert!(
        out.status.success(),
        "{} does not validate against {}: {}\n{}",
        file.display(),
        schema.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(file).unwrap_or_default()
    );
}
