//! FindItem: a page of one folder's items, filtered by a Restriction and
//! sorted oldest first. messages.xsd `FindItemType`: ItemShape,
//! IndexedPageItemView, Restriction?, SortOrder?, ParentFolderIds.

use super::{field_uri, next_offset, paged_root, paging_last, Address, FolderRef, ItemId};
use crate::ews::envelope::Xml;
use crate::ews::error::Error;
use crate::ews::xml::Element;

pub const NAME: &str = "FindItem";

/// The properties asked for beside the id, in this order.
pub const PROPERTIES: &[&str] = &[
    "item:Subject",
    "item:DateTimeReceived",
    "item:Size",
    "message:From",
    "message:IsRead",
    "message:InternetMessageId",
];

/// What search-emails-extended shows of each email (FindItem returns
/// these; From's address comes from FROM_SMTP_TAG, recipients only from GetItem).
pub const SEARCH_PROPERTIES: &[&str] = &[
    "item:Subject",
    "item:DateTimeReceived",
    "item:Size",
    "item:Categories",
    "item:Importance",
    "item:DateTimeSent",
    "item:HasAttachments",
    "message:From",
    "message:InternetMessageId",
    "message:IsRead",
];

/// PidTagSentRepresentingSmtpAddress: the SMTP address of the mailbox in
/// `From` (the one a message is sent on behalf of; PidTagSenderSmtpAddress,
/// 0x5D01, is the one that pressed Send). FindItem returns only the `Name` of
/// `From`, never its address ("FindItem returns only ... the Name property of
/// the Mailbox" — FindItem operation, Microsoft Learn), but it does return
/// this property, and Exchange resolves it for internal (EX) senders too.
/// <https://learn.microsoft.com/en-us/office/client-developer/outlook/mapi/pidtagsentrepresentingsmtpaddress-canonical-property>
pub const FROM_SMTP_TAG: u16 = 0x5D02;

/// A property path: a FieldURI, or an extended MAPI property of type String
/// by its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prop {
    Field(&'static str),
    StringTag(u16),
}

impl From<&'static str> for Prop {
    fn from(uri: &'static str) -> Prop {
        Prop::Field(uri)
    }
}

impl Prop {
    pub fn write(self, x: &mut Xml) {
        match self {
            Prop::Field(uri) => field_uri(x, uri),
            Prop::StringTag(tag) => x.empty(
                "t:ExtendedFieldURI",
                &[
                    ("PropertyTag", &format!("0x{tag:04X}")),
                    ("PropertyType", "String"),
                ],
            ),
        }
    }
}

/// A search expression of types.xsd (`t:SearchExpression` substitution group).
/// Constant values are attribute values: the writer escapes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// The item has a value for the property.
    Exists(Prop),
    IsEqualTo(&'static str, String),
    IsGreaterThanOrEqualTo(&'static str, String),
    IsLessThan(&'static str, String),
    /// Substring, IgnoreCase.
    Contains(Prop, String),
}

impl Expr {
    /// Or of the operands; one operand alone, none at all: `None`.
    pub fn any(mut v: Vec<Expr>) -> Option<Expr> {
        match v.len() {
            0 => None,
            1 => v.pop(),
            _ => Some(Expr::Or(v)),
        }
    }

    /// And of the operands, the same way.
    pub fn all(mut v: Vec<Expr>) -> Option<Expr> {
        match v.len() {
            0 => None,
            1 => v.pop(),
            _ => Some(Expr::And(v)),
        }
    }

    pub fn write(&self, x: &mut Xml) {
        match self {
            Expr::And(v) | Expr::Or(v) => {
                let name = if matches!(self, Expr::And(_)) {
                    "t:And"
                } else {
                    "t:Or"
                };
                x.open(name, &[]);
                for e in v {
                    e.write(x);
                }
                x.close(name);
            }
            Expr::Not(e) => {
                x.open("t:Not", &[]);
                e.write(x);
                x.close("t:Not");
            }
            Expr::Exists(p) => {
                x.open("t:Exists", &[]);
                p.write(x);
                x.close("t:Exists");
            }
            Expr::IsEqualTo(f, v) => two_operands(x, "t:IsEqualTo", f, v),
            Expr::IsGreaterThanOrEqualTo(f, v) => two_operands(x, "t:IsGreaterThanOrEqualTo", f, v),
            Expr::IsLessThan(f, v) => two_operands(x, "t:IsLessThan", f, v),
            Expr::Contains(f, v) => {
                x.open(
                    "t:Contains",
                    &[
                        ("ContainmentMode", "Substring"),
                        ("ContainmentComparison", "IgnoreCase"),
                    ],
                );
                f.write(x);
                x.empty("t:Constant", &[("Value", v)]);
                x.close("t:Contains");
            }
        }
    }
}

fn two_operands(x: &mut Xml, name: &str, field: &str, value: &str) {
    x.open(name, &[]);
    field_uri(x, field);
    x.open("t:FieldURIOrConstant", &[]);
    x.empty("t:Constant", &[("Value", value)]);
    x.close("t:FieldURIOrConstant");
    x.close(name);
}

#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub parent: &'a FolderRef,
    pub offset: u32,
    pub max_entries: u32,
    pub restriction: Option<&'a Expr>,
    /// The FieldURIs asked for beside the id (and FROM_SMTP_TAG).
    pub properties: &'a [&'static str],
    /// By DateTimeReceived, newest first (else oldest first).
    pub newest_first: bool,
    /// An AQS query (messages.xsd `QueryString`), instead of or beside the restriction.
    pub query_string: Option<&'a str>,
}

pub use crate::mailbox::FoundItem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub items: Vec<FoundItem>,
    pub includes_last: bool,
    pub next_offset: u32,
    /// TotalItemsInView: every match, not only this page's.
    pub total: Option<u32>,
}

pub fn write(x: &mut Xml, q: &Query) {
    x.open("m:FindItem", &[("Traversal", "Shallow")]);
    x.open("m:ItemShape", &[]);
    x.leaf("t:BaseShape", "IdOnly");
    x.open("t:AdditionalProperties", &[]);
    for p in q.properties {
        field_uri(x, p);
    }
    Prop::StringTag(FROM_SMTP_TAG).write(x);
    x.close("t:AdditionalProperties");
    x.close("m:ItemShape");
    x.empty(
        "m:IndexedPageItemView",
        &[
            ("MaxEntriesReturned", &q.max_entries.to_string()),
            ("Offset", &q.offset.to_string()),
            ("BasePoint", "Beginning"),
        ],
    );
    if let Some(r) = q.restriction {
        x.open("m:Restriction", &[]);
        r.write(x);
        x.close("m:Restriction");
    }
    x.open("m:SortOrder", &[]);
    let order = if q.newest_first {
        "Descending"
    } else {
        "Ascending"
    };
    x.open("t:FieldOrder", &[("Order", order)]);
    field_uri(x, "item:DateTimeReceived");
    x.close("t:FieldOrder");
    x.close("m:SortOrder");
    x.open("m:ParentFolderIds", &[]);
    q.parent.write(x);
    x.close("m:ParentFolderIds");
    if let Some(aqs) = q.query_string {
        x.leaf("m:QueryString", aqs);
    }
    x.close("m:FindItem");
}

pub fn read(answer: &Element, offset: u32) -> Result<Page, Error> {
    let root = paged_root(answer, "FindItemResponse", "FindItemResponseMessage")?;
    let items: Vec<FoundItem> = root
        .child("Items")
        .map(|i| i.children.iter().filter_map(found_item).collect())
        .unwrap_or_default();
    Ok(Page {
        includes_last: paging_last(root)?,
        next_offset: next_offset(root, offset, items.len()),
        total: root.attr("TotalItemsInView").and_then(|v| v.parse().ok()),
        items,
    })
}

/// Any item class (Message, MeetingRequest...) with an ItemId.
fn found_item(el: &Element) -> Option<FoundItem> {
    let id = ItemId::read(el.child("ItemId")?)?;
    let text = |n: &str| el.child(n).map(|c| c.text.clone());
    Some(FoundItem {
        id,
        subject: text("Subject"),
        received: el
            .child_text("DateTimeReceived")
            .and_then(crate::time::parse_xs_datetime),
        size: el.child_text("Size").and_then(|s| s.parse().ok()),
        from: el.child("From").map(Address::read),
        from_smtp: string_property(el, FROM_SMTP_TAG),
        is_read: el.child_text("IsRead").map(|v| v == "true" || v == "1"),
        internet_message_id: el.child_text("InternetMessageId").map(str::to_string),
        sent: el
            .child_text("DateTimeSent")
            .and_then(crate::time::parse_xs_datetime),
        has_attachments: el
            .child_text("HasAttachments")
            .map(|v| v == "true" || v == "1"),
        importance: el.child_text("Importance").map(str::to_string),
        categories: el.child_strings("Categories"),
    })
}

/// The value of `t:ExtendedProperty` for a tag, whatever way the server
/// spells the tag (`0x5d02`, `0x5D02`, or decimal).
pub fn string_property(el: &Element, tag: u16) -> Option<String> {
    el.children
        .iter()
        .filter(|c| c.name == "ExtendedProperty")
        .find(|c| {
            c.child("ExtendedFieldURI")
                .and_then(|u| u.attr("PropertyTag"))
                .and_then(parse_tag)
                == Some(tag)
        })
        .and_then(|c| c.child_text("Value"))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn parse_tag(v: &str) -> Option<u16> {
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u16::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::operations::schema_check;
    use crate::ews::response;

    pub fn full_restriction() -> Expr {
        Expr::And(vec![
            Expr::IsEqualTo("message:IsRead", "false".into()),
            Expr::Or(vec![
                Expr::Contains("item:Subject".into(), "invoice <&> \"x\"".into()),
                Expr::Contains("item:Subject".into(), "urgent".into()),
            ]),
            Expr::Or(vec![
                Expr::Contains(Prop::StringTag(FROM_SMTP_TAG), "@evil.com".into()),
                Expr::Not(Box::new(Expr::Exists(Prop::StringTag(FROM_SMTP_TAG)))),
            ]),
            Expr::IsGreaterThanOrEqualTo("item:DateTimeReceived", "2026-11-20T08:00:00Z".into()),
            Expr::IsLessThan("item:DateTimeReceived", "2026-12-01T00:00:00Z".into()),
        ])
    }

    #[test]
    fn reads_microsofts_paged_sample() {
        let s = include_str!("../../../testdata/FindItem-paged-response.xml");
        let page = read(&response::body(s.as_bytes()).unwrap(), 0).unwrap();
        assert_eq!(page.items.len(), 6);
        assert!(!page.includes_last);
        assert_eq!(page.next_offset, 6);
        assert_eq!(page.items[5].subject.as_deref(), Some("meeting notes"));
    }

    #[test]
    fn reads_the_properties() {
        let s = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:FindItemResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder TotalItemsInView="1" IncludesLastItemInRange="true"><t:Items><t:Message><t:ItemId Id="A1" ChangeKey="C1"/><t:Subject>Hi &amp; bye</t:Subject><t:DateTimeReceived>2026-11-20T08:00:05Z</t:DateTimeReceived><t:Size>4821</t:Size><t:From><t:Mailbox><t:Name>Mallory</t:Name><t:EmailAddress>m@evil.com</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:From><t:InternetMessageId>&lt;a@b&gt;</t:InternetMessageId><t:IsRead>false</t:IsRead></t:Message></t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>"#;
        let page = read(&response::body(s.as_bytes()).unwrap(), 0).unwrap();
        let it = &page.items[0];
        assert_eq!(
            it.id,
            ItemId {
                id: "A1".into(),
                change_key: Some("C1".into())
            }
        );
        assert_eq!(it.subject.as_deref(), Some("Hi & bye"));
        assert_eq!(
            it.received,
            crate::time::parse_xs_datetime("2026-11-20T08:00:05Z")
        );
        assert_eq!(it.size, Some(4821));
        assert_eq!(
            it.from.as_ref().unwrap().address.as_deref(),
            Some("m@evil.com")
        );
        assert_eq!(it.from.as_ref().unwrap().name.as_deref(), Some("Mallory"));
        assert_eq!(it.is_read, Some(false));
        assert_eq!(it.internet_message_id.as_deref(), Some("<a@b>"));
        assert!(page.includes_last);
    }

    #[test]
    fn writes_a_restriction_escaped_in_schema_order() {
        let parent = FolderRef::Id("F1".into());
        let r = full_restriction();
        let doc = crate::ews::envelope::write(
            &crate::ews::envelope::Header {
                server_version: "Exchange2016".into(),
                impersonate: None,
            },
            |x| {
                write(
                    x,
                    &Query {
                        parent: &parent,
                        offset: 20,
                        max_entries: 10,
                        restriction: Some(&r),
                        properties: PROPERTIES,
                        newest_first: false,
                        query_string: None,
                    },
                )
            },
        );
        let doc = String::from_utf8(doc).unwrap();
        assert!(doc.contains(r#"<m:IndexedPageItemView MaxEntriesReturned="10" Offset="20" BasePoint="Beginning"/><m:Restriction><t:And><t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo><t:Or><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="invoice &lt;&amp;&gt; &quot;x&quot;"/></t:Contains>"#), "{doc}");
        assert!(doc.contains(r#"</m:Restriction><m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:DateTimeReceived"/></t:FieldOrder></m:SortOrder><m:ParentFolderIds><t:FolderId Id="F1"/></m:ParentFolderIds></m:FindItem>"#), "{doc}");
    }

    #[test]
    fn requests_validate_against_the_ews_schema() {
        let inbox = FolderRef::Distinguished {
            name: "inbox".into(),
            mailbox: Some("soc@example.com".into()),
        };
        let id = FolderRef::Id("AAMk==".into());
        let full = full_restriction();
        let single = Expr::IsEqualTo("message:IsRead", "false".into());
        for (name, imp, parent, r) in [
            ("fi-plain", None, &inbox, None),
            ("fi-imp-full", Some("soc@example.com"), &inbox, Some(&full)),
            ("fi-id-single", None, &id, Some(&single)),
            ("fi-id-full", Some("soc@example.com"), &id, Some(&full)),
        ] {
            schema_check::validate(
                name,
                "Exchange2013",
                imp,
                |x| {
                    write(
                        x,
                        &Query {
                            parent,
                            offset: 0,
                            max_entries: 50,
                            restriction: r,
                            properties: SEARCH_PROPERTIES,
                            newest_first: true,
                            query_string: Some("from:mallory subject:\"<invoice>\""),
                        },
                    )
                },
                "m:FindItem",
                true,
            );
        }
    }
}
