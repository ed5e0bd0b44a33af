//! `$search` on messages: the KQL subset graph.md uses. Bare words and quoted
//! phrases (any of subject, body, sender, recipients, attachment names),
//! `subject:`, `body:`, `from:`, `to:`, `cc:`, `bcc:`, `attachment:` terms,
//! implicit AND (an explicit `AND` is the same), `OR` between groups. Matching
//! folds case and finds the term anywhere in the property: Exchange's index
//! matches word prefixes, so the mock is a little more generous.
//! <https://learn.microsoft.com/en-us/graph/search-query-parameter#using-search-on-message-collections>

use super::reply::GraphError;
use crate::store::StoredMessage;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Term {
    /// `None` for a bare term.
    property: Option<String>,
    text: String,
}

/// Alternatives of conjunctions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search(Vec<Vec<Term>>);

const PROPERTIES: &[&str] = &["subject", "body", "from", "to", "cc", "bcc", "attachment"];

/// Reads `$search`'s value: `"..."` (the quotes are Graph's, `\"` inside).
pub fn parse(value: &str) -> Result<Search, GraphError> {
    let inner = value
        .trim()
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value.trim());
    let inner = inner.replace("\\\"", "\"");
    let mut groups = vec![Vec::new()];
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut token = String::new();
        let mut quoted = false;
        while i < chars.len() && !chars[i].is_whitespace() {
            if chars[i] == '"' {
                quoted = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    token.push(chars[i]);
                    i += 1;
                }
                i += 1;
            } else {
                token.push(chars[i]);
                i += 1;
            }
        }
        match (quoted, token.as_str()) {
            (false, "AND") => continue,
            (false, "OR") => {
                groups.push(Vec::new());
                continue;
            }
            _ => {}
        }
        let term = match token.split_once(':') {
            Some((p, t)) if PROPERTIES.contains(&p.to_ascii_lowercase().as_str()) => Term {
                property: Some(p.to_ascii_lowercase()),
                text: t.to_string(),
            },
            _ => Term {
                property: None,
                text: token,
            },
        };
        if !term.text.is_empty() {
            groups.last_mut().expect("one group at least").push(term);
        }
    }
    groups.retain(|g| !g.is_empty());
    if groups.is_empty() {
        return Err(GraphError::bad_request(
            "BadRequest",
            "Syntax error: the $search query is empty.",
        ));
    }
    Ok(Search(groups))
}

fn addresses(list: &[(Option<String>, String)]) -> String {
    list.iter()
        .map(|(n, a)| format!("{} {a}", n.as_deref().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Search {
    pub fn matches(&self, m: &StoredMessage) -> bool {
        let s = &m.summary;
        let from = format!(
            "{} {}",
            s.from_name.as_deref().unwrap_or_default(),
            m.from_smtp
                .as_deref()
                .or(s.from_address.as_deref())
                .unwrap_or_default()
        );
        let attachments = s
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let field = |p: &str| match p {
            "subject" => s.subject.clone(),
            "body" => s.body_text.clone(),
            "from" => from.clone(),
            "to" => addresses(&s.to),
            "cc" => addresses(&s.cc),
            "bcc" => addresses(&s.bcc),
            _ => attachments.clone(),
        };
        self.0.iter().any(|group| {
            group.iter().all(|t| {
                let needle = t.text.to_lowercase();
                match &t.property {
                    Some(p) => field(p).to_lowercase().contains(&needle),
                    None => PROPERTIES
                        .iter()
                        .any(|p| field(p).to_lowercase().contains(&needle)),
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(mime: &str) -> StoredMessage {
        let mut store = crate::store::Store::new("u@x.example");
        let inbox = store.distinguished("inbox").unwrap().id.clone();
        let id = store.add_message(&inbox, mime.as_bytes(), false, 0, vec![], "Normal");
        store.message(&id).unwrap().clone()
    }

    #[test]
    fn terms_phrases_and_alternatives() {
        let m = message("From: Eve <eve@evil.example>\r\nTo: bob@contoso.example\r\nSubject: Urgent wire transfer\r\n\r\nPlease pay the invoice today.\r\n");
        let hit = |q: &str| parse(q).unwrap().matches(&m);
        assert!(hit("\"invoice\""));
        assert!(hit("\"subject:urgent from:evil.example\""));
        assert!(hit("\"body:\\\"pay the invoice\\\"\""));
        assert!(!hit("\"subject:invoice\""));
        assert!(hit("\"subject:invoice OR to:bob\""));
        assert!(!hit("\"cc:bob\""));
        assert!(hit("\"wire AND transfer\""));
        assert!(parse("\"\"").is_err());
    }
}
