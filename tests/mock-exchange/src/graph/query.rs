//! OData query options as Graph reads them: each system option at most once,
//! an unknown `$option` or one the resource does not take is a 400, and
//! `$search` goes with neither `$filter`, `$orderby` nor `$skip`
//! (<https://learn.microsoft.com/en-us/graph/search-query-parameter>).
//! Options without `$` are custom options, which Graph ignores.

use super::reply::GraphError;
use crate::auth::token_endpoint::percent_decode;

/// The system query options Graph knows.
const KNOWN: &[&str] = &[
    "$select",
    "$filter",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$search",
    "$expand",
    "$skiptoken",
    "$format",
];

/// One `$expand` item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expand {
    /// `singleValueExtendedProperties($filter=id eq '...')`: the property id.
    ExtendedProperty(String),
    /// `attachments` with its `$select`, if any.
    Attachments(Option<Vec<String>>),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Every option as sent (name decoded, value raw), to write a nextLink.
    pub raw: Vec<(String, String)>,
    pub select: Option<Vec<String>>,
    pub filter: Option<String>,
    /// (property, descending).
    pub orderby: Option<(String, bool)>,
    pub top: Option<usize>,
    pub skip: usize,
    pub count: bool,
    pub search: Option<String>,
    pub expand: Vec<Expand>,
    pub skiptoken: Option<usize>,
}

fn bad(message: &str) -> GraphError {
    GraphError::bad_request("BadRequest", message)
}

/// Reads a query string; `allowed` are the system options the resource takes.
pub fn parse(raw: &str, allowed: &[&str]) -> Result<Query, GraphError> {
    let mut q = Query::default();
    let mut seen: Vec<String> = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name.as_bytes(), true);
        q.raw.push((name.clone(), value.to_string()));
        if !name.starts_with('$') {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if !KNOWN.contains(&lower.as_str()) {
            return Err(bad(&format!("Query option '{name}' is not supported.")));
        }
        if !allowed.contains(&lower.as_str()) {
            let bare = &lower[1..];
            let option = bare[..1].to_ascii_uppercase() + &bare[1..];
            return Err(bad(&format!("The query specified in the URI is not valid. Query option '{option}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.")));
        }
        if seen.contains(&lower) {
            return Err(bad(&format!("Query option '{name}' was specified more than once, but it must be specified at most once.")));
        }
        seen.push(lower.clone());
        let value = percent_decode(value.as_bytes(), true);
        match lower.as_str() {
            "$select" => q.select = Some(list(&value)),
            "$filter" => q.filter = Some(value),
            "$orderby" => q.orderby = Some(orderby(&value)?),
            "$top" => q.top = Some(number(&name, &value)?),
            "$skip" => q.skip = number(&name, &value)?,
            "$skiptoken" => q.skiptoken = Some(number(&name, &value)?),
            "$count" => {
                q.count = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(&format!("'{value}' is not a valid count option."))),
                }
            }
            "$search" => q.search = Some(value),
            "$expand" => q.expand = expand(&value)?,
            _ => {}
        }
    }
    if q.search.is_some() {
        for (option, present) in [
            ("$filter", q.filter.is_some()),
            ("$orderby", q.orderby.is_some()),
            ("$skip", seen.iter().any(|s| s == "$skip")),
        ] {
            if present {
                return Err(GraphError::bad_request(
                    "ErrorInvalidUrlQuery",
                    &format!("The query parameter '{option}' is invalid with '$search'."),
                ));
            }
        }
    }
    Ok(q)
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn number(name: &str, value: &str) -> Result<usize, GraphError> {
    value.trim().parse().map_err(|_| {
        bad(&format!(
            "Invalid value '{value}' for query option '{name}': it must be a non-negative integer."
        ))
    })
}

fn orderby(value: &str) -> Result<(String, bool), GraphError> {
    let first = value.split(',').next().unwrap_or_default();
    if value.contains(',') {
        return Err(bad("The mock sorts by one property only."));
    }
    let mut words = first.split_whitespace();
    let prop = words.next().unwrap_or_default().to_string();
    let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(bad(&format!(
                "Syntax error: '{other}' is not a valid sort direction in '$orderby={value}'."
            )))
        }
    };
    if prop.is_empty() || words.next().is_some() {
        return Err(bad(&format!("Invalid $orderby '{value}'.")));
    }
    Ok((prop, desc))
}

/// The `$expand` forms of graph.md; anything else is refused.
fn expand(value: &str) -> Result<Vec<Expand>, GraphError> {
    let mut out = Vec::new();
    for item in split_top(value) {
        let item = item.trim();
        let (name, inner) = match item.split_once('(') {
            Some((n, rest)) => (n.trim(), Some(rest.strip_suffix(')').unwrap_or(rest))),
            None => (item, None),
        };
        let unsupported = || bad(&format!("The mock does not support $expand={item}."));
        match name {
            "singleValueExtendedProperties" => {
                let filter = inner
                    .and_then(|i| i.trim().strip_prefix("$filter="))
                    .ok_or_else(unsupported)?;
                let id = filter
                    .trim()
                    .strip_prefix("id eq '")
                    .and_then(|r| r.strip_suffix('\''))
                    .ok_or_else(unsupported)?;
                out.push(Expand::ExtendedProperty(id.to_string()));
            }
            "attachments" => {
                let select = match inner {
                    None => None,
                    Some(i) => Some(list(
                        i.trim().strip_prefix("$select=").ok_or_else(unsupported)?,
                    )),
                };
                out.push(Expand::Attachments(select));
            }
            _ => {
                return Err(GraphError::bad_request(
                    "RequestBroker--ParseUri",
                    &format!("Could not find a property named '{name}' on type 'Microsoft.OutlookServices.Message'."),
                ))
            }
        }
    }
    Ok(out)
}

/// Splits at the commas outside parentheses.
fn split_top(value: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (i, c) in value.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

/// Refuses a `$select` property the type does not have (RequestBroker--ParseUri).
pub fn check_select(q: &Query, properties: &[&str], type_name: &str) -> Result<(), GraphError> {
    for p in q.select.iter().flatten() {
        if !properties.iter().any(|k| k.eq_ignore_ascii_case(p)) {
            return Err(GraphError::bad_request(
                "RequestBroker--ParseUri",
                &format!("Could not find a property named '{p}' on type '{type_name}'."),
            ));
        }
    }
    Ok(())
}

/// The page size: `$top` (at most `max`), else `default`.
pub fn page_size(q: &Query, default: usize, max: usize) -> Result<usize, GraphError> {
    match q.top {
        Some(t) if t > max => Err(GraphError::bad_request(
            "ErrorInvalidUrlQuery",
            &format!("The value '{t}' of the query parameter '$top' is out of range: it must be at most {max}."),
        )),
        Some(t) => Ok(t),
        None => Ok(default),
    }
}

/// One page of a collection: where the window `..end` of `total` entries
/// stops short, an `@odata.nextLink` that sets `paging` (`$skip` or
/// `$skiptoken`) to `end`; `@odata.count` when `count`.
pub struct Page<'a> {
    pub base: &'a str,
    pub path: &'a str,
    pub context: String,
    pub total: usize,
    pub end: usize,
    pub paging: &'a str,
    pub count: bool,
}

impl Page<'_> {
    pub fn answer(&self, q: &Query, value: Vec<serde_json::Value>) -> super::reply::GraphReply {
        let mut o = serde_json::json!({
            "@odata.context": format!("{}/$metadata#{}", self.base, self.context),
            "value": value,
        });
        if self.count {
            o["@odata.count"] = self.total.into();
        }
        if self.end < self.total {
            o["@odata.nextLink"] = next_link(self.base, self.path, q, self.paging, self.end).into();
        }
        super::reply::GraphReply::json(200, o)
    }
}

/// `base + path` with the query as sent, `name` set to `value`.
pub fn next_link(base: &str, path: &str, q: &Query, name: &str, value: usize) -> String {
    let mut pairs: Vec<String> = q
        .raw
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .map(|(n, v)| format!("{}={v}", n.replace('$', "%24")))
        .collect();
    pairs.push(format!("{}={value}", name.replace('$', "%24")));
    format!("{base}{path}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[&str] = &[
        "$select", "$filter", "$orderby", "$top", "$skip", "$count", "$search", "$expand",
    ];

    #[test]
    fn options_are_read_strictly() {
        let q = parse("%24top=5&$skip=10&$count=true&$orderby=receivedDateTime%20desc&$select=id,subject&$expand=singleValueExtendedProperties($filter=id%20eq%20'Integer%200x0E08'),attachments($select=id,name)&x=1", ALL).unwrap();
        assert_eq!((q.top, q.skip, q.count), (Some(5), 10, true));
        assert_eq!(q.orderby, Some(("receivedDateTime".into(), true)));
        assert_eq!(
            q.select.as_deref(),
            Some(&["id".to_string(), "subject".into()][..])
        );
        assert_eq!(
            q.expand,
            [
                Expand::ExtendedProperty("Integer 0x0E08".into()),
                Expand::Attachments(Some(vec!["id".into(), "name".into()]))
            ]
        );
        assert_eq!(parse("$foo=1", ALL).unwrap_err().status, 400);
        assert_eq!(parse("$top=1&$top=2", ALL).unwrap_err().status, 400);
        assert_eq!(parse("$top=x", ALL).unwrap_err().status, 400);
        assert!(parse("$search=\"a\"", &["$top"]).is_err());
        let e = parse("$search=%22a%22&$skip=1", ALL).unwrap_err();
        assert_eq!(e.code, "ErrorInvalidUrlQuery");
        assert!(parse("$search=%22a%22&$orderby=subject", ALL).is_err());
        assert!(parse("$expand=mentions", ALL).is_err());
        let link = next_link("http://h/v1.0", "/users/u/messages", &q, "$skip", 15);
        assert!(
            link.starts_with("http://h/v1.0/users/u/messages?%24top=5&"),
            "{link}"
        );
        assert!(link.ends_with("&%24skip=15"), "{link}");
    }
}
