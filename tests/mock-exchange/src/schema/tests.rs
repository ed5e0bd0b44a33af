//! The validator against Microsoft's samples and broken requests.

use super::*;

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name),
    )
    .unwrap()
}

#[test]
fn microsoft_samples_validate() {
    let schema = shared().unwrap();
    for name in [
        "GetUserOofSettings-request.xml",
        "GetUserOofSettings-impersonated-request.xml",
        "FindItem-request.xml",
        "GetItem-mime-request.xml",
        "UpdateItem-request.xml",
        "DeleteItem-request.xml",
    ] {
        assert_eq!(schema.validate(&testdata(name)), Ok(()), "{name}");
    }
}

#[test]
fn misplaced_element_is_reported_with_its_line() {
    let schema = shared().unwrap();
    let issues = schema
        .validate(&testdata("FindItem-misordered-request.xml"))
        .unwrap_err();
    assert_eq!((issues[0].line, issues[0].column), (8, 8));
    assert!(
        issues[0]
            .message
            .contains("ParentFolderIds': This element is not expected"),
        "{issues:?}"
    );
}

#[test]
fn malformed_xml_is_reported() {
    let issues = shared().unwrap().validate(b"<a><b></a>").unwrap_err();
    assert!(
        issues[0].line >= 1 && !issues[0].message.is_empty(),
        "{issues:?}"
    );
}

#[test]
fn entities_are_not_expanded_and_nothing_is_fetched() {
    let doc = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]><x>&e;</x>"#;
    // Not valid (x is undeclared), but parsing must neither fetch nor hang.
    assert!(shared().unwrap().validate(doc).is_err());
}

#[test]
fn global_elements_are_known() {
    let schema = shared().unwrap();
    assert!(schema.is_message_element("GetUserOofSettingsRequest"));
    assert!(schema.is_type_element("RequestServerVersion"));
    assert!(!schema.is_message_element("GetUserOofSetings"));
}

#[test]
fn validation_is_fast() {
    let schema = shared().unwrap();
    let doc = testdata("GetUserOofSettings-impersonated-request.xml");
    let start = std::time::Instant::now();
    for _ in 0..200 {
        schema.validate(&doc).unwrap();
    }
    let each = start.elapsed() / 200;
    eprintln!("validation: {each:?} per request");
    assert!(each < std::time::Duration::from_millis(5), "{each:?}");
}
