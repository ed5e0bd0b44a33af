//! `t:Restriction` evaluation (FindItem, FindFolder): And, Or, Not, IsEqualTo,
//! IsNotEqualTo, IsGreaterThan(OrEqualTo), IsLessThan(OrEqualTo) against a
//! Constant, Contains (every ContainmentMode; IgnoreCase/Loose comparisons fold
//! case, the others compare exactly) and Exists. A path the caller does not
//! support gives Exchange's `ErrorUnsupportedPathForQuery`.

use crate::dom::Element;
use crate::soap::TYPES_NS;

/// A property a restriction can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    IsRead,
    Subject,
    DateTimeReceived,
    DateTimeSent,
    /// `message:From` and `message:Sender`: matches the address or the name.
    From,
    HasAttachments,
    InternetMessageId,
    Body,
    Categories,
    Importance,
    Size,
    ItemClass,
    FolderDisplayName,
    FolderClass,
    FolderTotalCount,
    FolderUnreadCount,
    FolderChildFolderCount,
    /// `item:DisplayTo` / `item:DisplayCc`: the names (or addresses) joined by "; ".
    DisplayTo,
    DisplayCc,
    /// Extended property 0x5D02 (PidTagSentRepresentingSmtpAddress), String.
    FromSmtp,
}

/// Extended MAPI properties by tag and type that messages support.
pub const EXTENDED_MESSAGE_FIELDS: &[(u16, &str, Field)] = &[(0x5D02, "String", Field::FromSmtp)];

/// A `PropertyTag` attribute as the schema allows it: `0x5d02` or decimal.
pub fn parse_tag(v: &str) -> Option<u16> {
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u16::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// The fields messages support.
pub const MESSAGE_FIELDS: &[(&str, Field)] = &[
    ("message:IsRead", Field::IsRead),
    ("item:Subject", Field::Subject),
    ("item:DateTimeReceived", Field::DateTimeReceived),
    ("item:DateTimeCreated", Field::DateTimeReceived),
    ("item:DateTimeSent", Field::DateTimeSent),
    ("message:From", Field::From),
    ("message:Sender", Field::From),
    ("item:HasAttachments", Field::HasAttachments),
    ("message:InternetMessageId", Field::InternetMessageId),
    ("item:Body", Field::Body),
    ("item:Categories", Field::Categories),
    ("item:Importance", Field::Importance),
    ("item:Size", Field::Size),
    ("item:ItemClass", Field::ItemClass),
    ("item:DisplayTo", Field::DisplayTo),
    ("item:DisplayCc", Field::DisplayCc),
];

/// The fields folders support.
pub const FOLDER_FIELDS: &[(&str, Field)] = &[
    ("folder:DisplayName", Field::FolderDisplayName),
    ("folder:FolderClass", Field::FolderClass),
    ("folder:TotalCount", Field::FolderTotalCount),
    ("folder:UnreadCount", Field::FolderUnreadCount),
    ("folder:ChildFolderCount", Field::FolderChildFolderCount),
];

/// A property's value on one item (`Text` may hold several: From's name and address,
/// the categories).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Date(i64),
    Int(i64),
    Text(Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Op, Field, String),
    Contains {
        field: Field,
        constant: String,
        mode: String,
        ignore_case: bool,
    },
    Exists(Field),
}

/// Why a restriction cannot be evaluated: an EWS response code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    pub code: &'static str,
    pub message: String,
    /// The offending FieldURI, for MessageXml.
    pub field_uri: Option<String>,
}

fn unsupported(code: &'static str, message: &str, uri: Option<&str>) -> Unsupported {
    Unsupported {
        code,
        message: message.to_string(),
        field_uri: uri.map(str::to_string),
    }
}

/// Reads the single search expression inside `t:Restriction` (or `m:Restriction`).
pub fn parse(restriction: &Element, fields: &[(&str, Field)]) -> Result<Expr, Unsupported> {
    let first = restriction
        .children
        .first()
        .ok_or_else(|| unsupported("ErrorInvalidRestriction", "The restriction is empty.", None))?;
    expr(first, fields)
}

fn expr(el: &Element, fields: &[(&str, Field)]) -> Result<Expr, Unsupported> {
    let all = |el: &Element| -> Result<Vec<Expr>, Unsupported> {
        el.children.iter().map(|c| expr(c, fields)).collect()
    };
    let op = match el.name.as_str() {
        "And" => return Ok(Expr::And(all(el)?)),
        "Or" => return Ok(Expr::Or(all(el)?)),
        "Not" => {
            let inner = el.children.first().ok_or_else(|| {
                unsupported("ErrorInvalidRestriction", "Not needs an expression.", None)
            })?;
            return Ok(Expr::Not(Box::new(expr(inner, fields)?)));
        }
        "Exists" => return Ok(Expr::Exists(path(el, fields)?)),
        "Contains" => {
            let field = path(el, fields)?;
            if !is_text(field) {
                return Err(unsupported(
                    "ErrorContainsFilterWrongType",
                    "The Contains filter can only be used for string properties.",
                    None,
                ));
            }
            let constant = el
                .child(TYPES_NS, "Constant")
                .and_then(|c| c.attr("Value"))
                .unwrap_or_default();
            let comparison = el.attr("ContainmentComparison").unwrap_or("Exact");
            return Ok(Expr::Contains {
                field,
                constant: constant.to_string(),
                mode: el
                    .attr("ContainmentMode")
                    .unwrap_or("FullString")
                    .to_string(),
                ignore_case: comparison.contains("IgnoreCase") || comparison.contains("Loose"),
            });
        }
        "IsEqualTo" => Op::Eq,
        "IsNotEqualTo" => Op::Ne,
        "IsGreaterThan" => Op::Gt,
        "IsGreaterThanOrEqualTo" => Op::Ge,
        "IsLessThan" => Op::Lt,
        "IsLessThanOrEqualTo" => Op::Le,
        other => {
            return Err(unsupported(
                "ErrorUnsupportedQueryFilter",
                &format!("The restriction {other} is not supported by the mock."),
                None,
            ))
        }
    };
    let field = path(el, fields)?;
    let constant = el
        .path(&[(TYPES_NS, "FieldURIOrConstant"), (TYPES_NS, "Constant")])
        .and_then(|c| c.attr("Value"))
        .ok_or_else(|| {
            unsupported(
                "ErrorUnsupportedQueryFilter",
                "Comparing two properties is not supported by the mock.",
                None,
            )
        })?;
    if matches!(field, Field::DateTimeReceived | Field::DateTimeSent)
        && crate::mime::parse_datetime(constant).is_none()
    {
        return Err(unsupported(
            "ErrorInvalidValueForProperty",
            "An object within a change description contains one or more invalid property values.",
            None,
        ));
    }
    Ok(Expr::Compare(op, field, constant.to_string()))
}

fn is_text(field: Field) -> bool {
    matches!(
        field,
        Field::Subject
            | Field::DisplayTo
            | Field::DisplayCc
            | Field::FromSmtp
            | Field::From
            | Field::InternetMessageId
            | Field::Body
            | Field::Categories
            | Field::Importance
            | Field::ItemClass
            | Field::FolderDisplayName
            | Field::FolderClass
    )
}

fn path(el: &Element, fields: &[(&str, Field)]) -> Result<Field, Unsupported> {
    let p = el
        .children
        .iter()
        .find(|c| {
            matches!(
                c.name.as_str(),
                "FieldURI" | "IndexedFieldURI" | "ExtendedFieldURI"
            )
        })
        .ok_or_else(|| {
            unsupported(
                "ErrorInvalidRestriction",
                "A property path is missing.",
                None,
            )
        })?;
    if p.name == "ExtendedFieldURI" {
        // Only for messages: folders' restrictions name no extended property here.
        let messages = fields.iter().any(|(_, f)| *f == Field::IsRead);
        let tag = p.attr("PropertyTag").and_then(parse_tag);
        let kind = p.attr("PropertyType").unwrap_or_default();
        return EXTENDED_MESSAGE_FIELDS
            .iter()
            .find(|(t, k, _)| messages && Some(*t) == tag && *k == kind)
            .map(|(_, _, f)| *f)
            .ok_or_else(|| {
                unsupported(
                    "ErrorUnsupportedPathForQuery",
                    "The property can not be used with this type of restriction.",
                    None,
                )
            });
    }
    let uri = p.attr("FieldURI").unwrap_or_default();
    fields
        .iter()
        .find(|(name, _)| p.name == "FieldURI" && *name == uri)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            unsupported(
                "ErrorUnsupportedPathForQuery",
                "The property can not be used with this type of restriction.",
                Some(uri).filter(|u| !u.is_empty()),
            )
        })
}

#[path = "restriction_eval.rs"]
mod evaluate;
pub use evaluate::{contains, eval};

#[cfg(test)]
#[path = "restriction_tests.rs"]
mod tests;
