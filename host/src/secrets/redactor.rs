//! Replaces every secret value with `***` in anything the host prints: guest
//! log lines, error messages, the invoke output. A component that leaks a
//! secret into a message (or a hostname) does not leak it further.
//!
//! A value is hidden whole, wherever it appears, and also in the forms a
//! message is likely to carry it in: JSON-escaped, XML-escaped (a SOAP fault
//! echoing a request) and percent-encoded (a token request's form body).
//! Secrets shorter than `MIN_SECRET_LEN` never get here: they are refused at
//! start-up (`secrets::EnvFileProvider::load`), since hiding them would
//! mangle every message that happens to contain those letters.

use serde_json::Value;
use std::borrow::Cow;

#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Longest first, so that a secret containing another is hidden whole.
    secrets: Vec<String>,
}

pub const MASK: &str = "***";

/// The shortest secret the host accepts, in characters. Every occurrence of
/// a secret is masked in everything the host prints, so a short one (`x`,
/// `pw`, `1234`) would be found inside ordinary words, ids and numbers and
/// smear `***` over every message, while hiding next to nothing: a secret
/// that short is guessable anyway. Eight characters is the usual floor for
/// a password (NIST SP 800-63B), and a string that long appears in ordinary
/// output by chance only when it is a word or a number, which a real
/// password or client secret is not.
pub const MIN_SECRET_LEN: usize = 8;

/// The forms a secret takes in the text the host prints: as it is, escaped
/// in a JSON string, escaped in XML, percent-encoded in a form body.
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(secret)
        .to_string();
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    vec![secret.to_string(), json, xml, form, percent]
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = values
            .into_iter()
            .filter(|v| !v.is_empty())
            .flat_map(|v| forms(&v))
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        out
    }

    /// Redacts every string (and key) inside a JSON document. Done on the
    /// value, not its text, so that escaping cannot hide a secret.
    pub fn redact_json(&self, value: &mut Value) {
        if self.secrets.is_empty() {
            return;
        }
        match value {
            Value::String(s) => {
                if let Cow::Owned(r) = self.redact(s) {
                    *s = r;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    self.redact_json(&mut v);
                    map.insert(self.redact(&k).into_owned(), v);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_every_occurrence_longest_first() {
        let r = Redactor::new(["abc".to_string(), "abcdef".to_string(), String::new()]);
        assert_eq!(r.redact("x abcdef y abc z"), "x *** y *** z");
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn hides_the_escaped_and_encoded_forms_too() {
        let secret = "Pw-alice<&>\"' x+y";
        let r = Redactor::new([secret.to_string()]);
        for text in [
            "pw=Pw-alice<&>\"' x+y;".to_string(),
            serde_json::to_string(secret).unwrap(),
            "<t:Password>Pw-alice&lt;&amp;&gt;&quot;&apos; x+y</t:Password>".to_string(),
            "client_secret=Pw-alice%3C%26%3E%22%27+x%2By&scope=s".to_string(),
            "Pw-alice%3C%26%3E%22%27%20x%2By".to_string(),
        ] {
            let out = r.redact(&text);
            assert!(out.contains(MASK), "{text} -> {out}");
            assert!(!out.contains("Pw-alice"), "{text} -> {out}");
        }
    }

    #[test]
    fn a_long_enough_secret_leaves_ordinary_text_alone() {
        let r = Redactor::new(["k3y-7f3b9".to_string()]);
        let text = "params.mailbox: expected a string, got 42 (key, 7f3b)";
        assert_eq!(r.redact(text), text);
    }

    #[test]
    fn hides_secrets_inside_json_strings() {
        let r = Redactor::new(["p\"w".to_string()]);
        let mut v = serde_json::json!({"a": ["x p\"w y"], "p\"w": 1});
        r.redact_json(&mut v);
        assert_eq!(v, serde_json::json!({"a": ["x *** y"], "***": 1}));
    }
}
