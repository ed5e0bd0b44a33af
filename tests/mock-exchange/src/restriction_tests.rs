use super::*;
use crate::dom;
use crate::mime::parse_datetime;

fn restriction(inner: &str) -> Result<Expr, Unsupported> {
    let xml = format!(r#"<t:Restriction xmlns:t="{TYPES_NS}">{inner}</t:Restriction>"#);
    parse(&dom::parse(xml.as_bytes()).unwrap(), MESSAGE_FIELDS)
}

fn item(field: Field) -> Option<Value> {
    Some(match field {
        Field::IsRead => Value::Bool(false),
        Field::Subject => Value::Text(vec!["Urgent: Verify your account".into()]),
        Field::DateTimeReceived => Value::Date(parse_datetime("2026-11-20T10:00:00Z").unwrap()),
        Field::From => Value::Text(vec!["mallory@evil.com".into(), "Mallory Evil".into()]),
        Field::HasAttachments => Value::Bool(true),
        Field::Categories => Value::Text(vec!["Phish".into()]),
        Field::Size => Value::Int(4096),
        _ => return None,
    })
}

fn matches(inner: &str) -> bool {
    eval(&restriction(inner).unwrap(), &item)
}

fn cmp(op: &str, uri: &str, value: &str) -> String {
    format!(
        r#"<t:{op}><t:FieldURI FieldURI="{uri}"/><t:FieldURIOrConstant><t:Constant Value="{value}"/></t:FieldURIOrConstant></t:{op}>"#
    )
}

fn contains(uri: &str, value: &str, mode: &str, cmp: &str) -> String {
    format!(
        r#"<t:Contains ContainmentMode="{mode}" ContainmentComparison="{cmp}"><t:FieldURI FieldURI="{uri}"/><t:Constant Value="{value}"/></t:Contains>"#
    )
}

#[test]
fn comparisons_on_each_type() {
    assert!(matches(&cmp("IsEqualTo", "message:IsRead", "false")));
    assert!(!matches(&cmp("IsEqualTo", "message:IsRead", "true")));
    assert!(matches(&cmp("IsNotEqualTo", "message:IsRead", "true")));
    assert!(matches(&cmp("IsEqualTo", "item:HasAttachments", "true")));
    let at = "item:DateTimeReceived";
    assert!(matches(&cmp(
        "IsGreaterThanOrEqualTo",
        at,
        "2026-11-20T10:00:00Z"
    )));
    assert!(!matches(&cmp("IsGreaterThan", at, "2026-11-20T10:00:00Z")));
    assert!(matches(&cmp("IsLessThan", at, "2026-11-20T10:00:01Z")));
    assert!(matches(&cmp(
        "IsLessThanOrEqualTo",
        at,
        "2026-11-20T11:00:00+01:00"
    )));
    assert!(matches(&cmp(
        "IsEqualTo",
        "message:From",
        "MALLORY@evil.com"
    )));
    assert!(matches(&cmp("IsEqualTo", "message:Sender", "Mallory Evil")));
    assert!(!matches(&cmp("IsEqualTo", "message:From", "evil.com")));
    assert!(matches(&cmp("IsEqualTo", "item:Categories", "phish")));
    assert!(matches(&cmp("IsGreaterThan", "item:Size", "4095")));
    // Unset property: no comparison matches, Exists is false.
    assert!(!matches(&cmp(
        "IsEqualTo",
        "message:InternetMessageId",
        "x"
    )));
    assert!(!matches(
        r#"<t:Exists><t:FieldURI FieldURI="message:InternetMessageId"/></t:Exists>"#
    ));
    assert!(matches(
        r#"<t:Exists><t:FieldURI FieldURI="item:Categories"/></t:Exists>"#
    ));
}

#[test]
fn contains_modes_and_comparisons() {
    let s = "item:Subject";
    assert!(matches(&contains(s, "verify", "Substring", "IgnoreCase")));
    assert!(!matches(&contains(s, "verify", "Substring", "Exact")));
    assert!(matches(&contains(s, "Verify", "Substring", "Exact")));
    assert!(matches(&contains(s, "urgent", "Prefixed", "Loose")));
    assert!(!matches(&contains(s, "verify", "Prefixed", "IgnoreCase")));
    assert!(matches(&contains(s, "acc", "PrefixOnWords", "IgnoreCase")));
    assert!(!matches(&contains(
        s,
        "ccount",
        "PrefixOnWords",
        "IgnoreCase"
    )));
    assert!(matches(&contains(
        s,
        "your account",
        "ExactPhrase",
        "IgnoreCase"
    )));
    assert!(!matches(&contains(
        s,
        "your acc",
        "ExactPhrase",
        "IgnoreCase"
    )));
    assert!(matches(&contains(
        s,
        "urgent: verify your account",
        "FullString",
        "IgnoreCase"
    )));
    assert!(!matches(&contains(s, "urgent", "FullString", "IgnoreCase")));
    assert!(matches(&contains(
        "message:From",
        "@evil.com",
        "Substring",
        "IgnoreCase"
    )));
}

#[test]
fn and_or_not_nest() {
    let unread = cmp("IsEqualTo", "message:IsRead", "false");
    let read = cmp("IsEqualTo", "message:IsRead", "true");
    let subj = contains("item:Subject", "invoice", "Substring", "IgnoreCase");
    assert!(matches(&format!("<t:Or>{read}{unread}</t:Or>")));
    assert!(!matches(&format!("<t:And>{unread}{subj}</t:And>")));
    assert!(matches(&format!(
        "<t:And>{unread}<t:Not>{subj}</t:Not></t:And>"
    )));
    assert!(matches(&format!(
        "<t:Not><t:And>{read}{unread}</t:And></t:Not>"
    )));
}

#[test]
fn unknown_paths_and_filters_are_refused_like_exchange() {
    let e = restriction(&cmp("IsEqualTo", "item:Sensitivity", "Normal")).unwrap_err();
    assert_eq!(e.code, "ErrorUnsupportedPathForQuery");
    assert_eq!(e.field_uri.as_deref(), Some("item:Sensitivity"));
    let ext =
        r#"<t:Exists><t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="String"/></t:Exists>"#;
    assert_eq!(
        restriction(ext).unwrap_err().code,
        "ErrorUnsupportedPathForQuery"
    );
    let c = contains("message:IsRead", "x", "Substring", "Exact");
    assert_eq!(
        restriction(&c).unwrap_err().code,
        "ErrorContainsFilterWrongType"
    );
    let bad = cmp("IsLessThan", "item:DateTimeReceived", "soon");
    assert_eq!(
        restriction(&bad).unwrap_err().code,
        "ErrorInvalidValueForProperty"
    );
}
