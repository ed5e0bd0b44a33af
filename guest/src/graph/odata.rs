//! OData URL pieces: path segments and query values percent-encoded, string
//! literals quoted as OData does (a `'` doubled), `$filter` terms joined, and
//! KQL phrases for `$search`. Every value a user gives goes through here, so
//! none can end a literal or add a query option.

use crate::time::format_rfc3339_utc;

/// A path segment: an address or an id. `@` and `=` are kept (they are
/// legal in a segment and Graph's own links keep them).
pub fn segment(s: &str) -> String {
    encode(s, |b| matches!(b, b'@' | b'=' | b'-' | b'_' | b'.' | b'~'))
}

/// A query option's value. `$`, `'`, `(`, `)`, `,`, `:` and `/` are kept,
/// as Graph's own `@odata.nextLink`s do; `+`, `&`, `=`, `#`, `%`, `"` and
/// spaces are not.
pub fn query_value(s: &str) -> String {
    encode(s, |b| {
        matches!(
            b,
            b'-' | b'_' | b'.' | b'~' | b'$' | b'\'' | b'(' | b')' | b',' | b':' | b'/' | b'@'
        )
    })
}

fn encode(s: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `?a=1&b=2` from the options given (none: an empty string).
pub fn query(options: &[(&str, String)]) -> String {
    let parts: Vec<String> = options
        .iter()
        .map(|(k, v)| format!("{k}={}", query_value(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// An OData string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An OData date-time literal (unquoted).
pub fn time(unix: i64) -> String {
    format_rfc3339_utc(unix)
}

/// Terms that must all hold; `None` when there are none.
pub fn all(terms: Vec<String>) -> Option<String> {
    (!terms.is_empty()).then(|| terms.join(" and "))
}

/// Terms of which one must hold, parenthesised for use inside `all`.
pub fn any(terms: Vec<String>) -> Option<String> {
    match terms.len() {
        0 => None,
        1 => terms.into_iter().next(),
        _ => Some(format!("({})", terms.join(" or "))),
    }
}

/// A KQL phrase: quoted. KQL has no escape for a quote inside a phrase,
/// so a user's quotes become spaces (a phrase search ignores punctuation).
pub fn phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', " "))
}

/// `$search`'s value: the KQL in double quotes, its quotes and backslashes
/// escaped (learn.microsoft.com/graph/search-query-parameter).
pub fn search(kql: &str) -> String {
    format!("\"{}\"", kql.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_values_cannot_escape_their_place() {
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert_eq!(
            query(&[("$filter", "contains(subject,'a&b=c #1+2%')".into())]),
            "?$filter=contains(subject,'a%26b%3Dc%20%231%2B2%25')"
        );
        assert_eq!(segment("soc@example.com"), "soc@example.com");
        assert_eq!(segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(phrase(r#"say "hi""#), r#""say  hi ""#);
        assert_eq!(search(r#"subject:"a b" \"#), r#""subject:\"a b\" \\""#);
        assert_eq!(any(vec!["a".into(), "b".into()]).unwrap(), "(a or b)");
        assert_eq!(all(vec![]), None);
    }
}
