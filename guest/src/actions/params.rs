//! Action parameters from one table: each action lists its `Param`s once,
//! and both the JSON Schema the manifest publishes and the checks `check`
//! runs come from that list, so that across twelve actions they cannot drift
//! (as `config::fields::FIELDS` does for the configuration). Every error
//! names the parameter and what was expected (`params.item_id: ...`).

use crate::ews::error::Error;
use crate::ews::types::is_email_address;
use base64::Engine;
use serde_json::{json, Map, Value};

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// An SMTP address (addr-spec).
    Email,
    /// A list of SMTP addresses.
    Emails,
    /// Text of at most this many characters, with no CR or LF when `line`.
    Text {
        max: usize,
        line: bool,
    },
    Bool,
    /// An integer in `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An EWS ItemId (base64).
    ItemId,
    /// A non-empty list of ItemIds, at most `max`.
    ItemIds {
        max: usize,
    },
    /// A list of strings of at most `max` characters each.
    Strings {
        max: usize,
    },
    /// RFC 3339 with an offset.
    DateTime,
    /// A list of file names (no path separator), at most `max` characters each.
    FileNames {
        max: usize,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// JSON text of the default, published in the schema.
    pub default: Option<&'static str>,
    pub description: &'static str,
}

pub const fn param(name: &'static str, ty: Ty, description: &'static str) -> Param {
    Param {
        name,
        ty,
        required: false,
        default: None,
        description,
    }
}

impl Param {
    pub const fn required(mut self) -> Param {
        self.required = true;
        self
    }

    pub const fn default(mut self, json: &'static str) -> Param {
        self.default = Some(json);
        self
    }
}

/// The JSON Schema (draft 2020-12) of a parameter list.
pub fn schema(params: &[Param]) -> Value {
    let mut properties = Map::new();
    for p in params {
        let mut s = match p.ty {
            Ty::Email => json!({"type": "string", "format": "email"}),
            Ty::Emails => json!({"type": "array", "items": {"type": "string", "format": "email"}}),
            Ty::Text { max, .. } => json!({"type": "string", "maxLength": max}),
            Ty::Bool => json!({"type": "boolean"}),
            Ty::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
            Ty::OneOf(values) => json!({"enum": values}),
            Ty::ItemId => json!({"type": "string", "contentEncoding": "base64", "minLength": 1}),
            Ty::ItemIds { max } => json!({
                "type": "array", "minItems": 1, "maxItems": max,
                "items": {"type": "string", "contentEncoding": "base64", "minLength": 1}
            }),
            Ty::Strings { max } => {
                json!({"type": "array", "items": {"type": "string", "maxLength": max}})
            }
            Ty::DateTime => json!({"type": "string", "format": "date-time"}),
            Ty::FileNames { max } => json!({"type": "array", "items": {
                "type": "string", "minLength": 1, "maxLength": max, "pattern": "^[^/\\\\]+$"
            }}),
        };
        s["description"] = json!(p.description);
        if let Some(d) = p.default {
            s["default"] = serde_json::from_str(d).unwrap_or(Value::Null);
        }
        properties.insert(p.name.into(), s);
    }
    let required: Vec<&str> = params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    })
}

/// Parameters that passed `check`: typed getters with the table's defaults.
pub struct Checked<'a> {
    params: &'static [Param],
    given: &'a Map<String, Value>,
}

/// Checks `given` against the table: unknown names, missing required ones,
/// and each value's type and bounds. Nothing is sent before this passes.
pub fn check<'a>(
    params: &'static [Param],
    given: &'a Map<String, Value>,
) -> Result<Checked<'a>, Error> {
    if let Some(k) = given
        .keys()
        .find(|k| !params.iter().any(|p| p.name == k.as_str()))
    {
        let known: Vec<&str> = params.iter().map(|p| p.name).collect();
        return Err(invalid(
            k,
            &format!("unknown parameter; expected one of {}", known.join(", ")),
        ));
    }
    for p in params {
        match given.get(p.name) {
            None | Some(Value::Null) if p.required => {
                return Err(invalid(p.name, &format!("required, {}", expected(p.ty))))
            }
            None | Some(Value::Null) => {}
            Some(v) => check_value(p, v)?,
        }
    }
    Ok(Checked { params, given })
}

fn check_value(p: &Param, v: &Value) -> Result<(), Error> {
    let bad = || {
        invalid(
            p.name,
            &format!("expected {}, got {}", expected(p.ty), shown(v)),
        )
    };
    let wants_string = matches!(
        p.ty,
        Ty::Email | Ty::Text { .. } | Ty::OneOf(_) | Ty::ItemId | Ty::DateTime
    );
    if wants_string && !v.is_string() {
        return Err(invalid(
            p.name,
            &format!("expected a string ({}), got {}", expected(p.ty), shown(v)),
        ));
    }
    match p.ty {
        Ty::Email => {
            let s = v.as_str().ok_or_else(bad)?;
            if !is_email_address(s.trim()) {
                return Err(bad());
            }
        }
        Ty::Emails => {
            let list = v.as_array().ok_or_else(bad)?;
            for (i, a) in list.iter().enumerate() {
                if !a.as_str().is_some_and(|s| is_email_address(s.trim())) {
                    return Err(invalid(
                        &format!("{}[{i}]", p.name),
                        &format!("expected an email address, got {}", shown(a)),
                    ));
                }
            }
        }
        Ty::Text { max, line } => {
            let s = v.as_str().ok_or_else(bad)?;
            text(p.name, s, max, line)?;
        }
        Ty::Bool => {
            v.as_bool().ok_or_else(bad)?;
        }
        Ty::Int { min, max } => {
            let n = v.as_i64().ok_or_else(bad)?;
            if n < min || n > max {
                return Err(bad());
            }
        }
        Ty::OneOf(values) => {
            let s = v.as_str().ok_or_else(bad)?;
            if !values.contains(&s) {
                return Err(bad());
            }
        }
        Ty::ItemId => item_id(p.name, v)?,
        Ty::ItemIds { max } => {
            let list = v.as_array().filter(|l| !l.is_empty()).ok_or_else(bad)?;
            if list.len() > max {
                return Err(invalid(
                    p.name,
                    &format!("at most {max} ids, got {}", list.len()),
                ));
            }
            for (i, id) in list.iter().enumerate() {
                item_id(&format!("{}[{i}]", p.name), id)?;
            }
        }
        Ty::Strings { max } => {
            let list = v.as_array().ok_or_else(bad)?;
            for (i, s) in list.iter().enumerate() {
                let name = format!("{}[{i}]", p.name);
                let s = s.as_str().ok_or_else(|| {
                    invalid(&name, &format!("expected a string, got {}", shown(s)))
                })?;
                text(&name, s, max, true)?;
            }
        }
        Ty::DateTime => {
            let s = v.as_str().ok_or_else(bad)?;
            if crate::time::parse_rfc3339(s).is_none() {
                return Err(bad());
            }
        }
        Ty::FileNames { max } => {
            let list = v.as_array().ok_or_else(bad)?;
            for (i, s) in list.iter().enumerate() {
                let name = format!("{}[{i}]", p.name);
                let s = s.as_str().ok_or_else(|| {
                    invalid(&name, &format!("expected a file name, got {}", shown(s)))
                })?;
                text(&name, s, max, true)?;
                if s.is_empty() || s.contains(['/', '\\']) || s == "." || s == ".." {
                    return Err(invalid(
                        &name,
                        &format!(
                            "expected a file name without a path (no / or \\), got {}",
                            shown(&Value::from(s))
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Text XML 1.0 can carry (no C0 control but tab/CR/LF, no U+FFFE/FFFF),
/// within `max` characters, on one line when `line`.
pub fn text(name: &str, s: &str, max: usize, line: bool) -> Result<(), Error> {
    if line && s.contains(['\r', '\n']) {
        return Err(invalid(name, "one line: no CR or LF"));
    }
    if let Some(c) = s.chars().find(|&c| {
        !(matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}'))
    }) {
        return Err(invalid(
            name,
            &format!("contains U+{:04X}, which XML cannot carry", c as u32),
        ));
    }
    if s.chars().count() > max {
        return Err(invalid(name, &format!("at most {max} characters")));
    }
    Ok(())
}

fn item_id(name: &str, v: &Value) -> Result<(), Error> {
    let s = v.as_str().ok_or_else(|| {
        invalid(
            name,
            &format!("expected an item id (base64), got {}", shown(v)),
        )
    })?;
    let ok = !s.is_empty()
        && s.len() <= 512
        && base64::engine::general_purpose::STANDARD
            .decode(crate::mailbox::ids::ews_form(s.trim()).as_bytes())
            .is_ok_and(|b| b.len() >= 8);
    if !ok {
        return Err(invalid(
            name,
            &format!("expected an item id (EWS's base64 or Graph's URL-safe form, as search-emails-extended and the daemon's records give it), got {}", shown(v)),
        ));
    }
    Ok(())
}

fn expected(ty: Ty) -> String {
    match ty {
        Ty::Email => "an email address".into(),
        Ty::Emails => "a list of email addresses".into(),
        Ty::Text { max, .. } => format!("a string of at most {max} characters"),
        Ty::Bool => "true or false".into(),
        Ty::Int { min, max } => format!("an integer from {min} to {max}"),
        Ty::OneOf(values) => format!("one of {}", values.join(", ")),
        Ty::ItemId => "an item id (base64)".into(),
        Ty::ItemIds { max } => format!("a list of 1 to {max} item ids"),
        Ty::Strings { .. } => "a list of strings".into(),
        Ty::DateTime => "an RFC 3339 date-time with an offset, such as 2026-11-20T08:00:00Z".into(),
        Ty::FileNames { .. } => "a list of file names".into(),
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let s: String = s.chars().take(100).collect();
            format!("{s:?}")
        }
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(n) => format!("the number {n}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn invalid(name: &str, what: &str) -> Error {
    Error::InvalidInput(format!("params.{name}: {what}"))
}

impl Checked<'_> {
    fn value(&self, name: &str) -> Option<Value> {
        match self.given.get(name) {
            Some(Value::Null) | None => self
                .params
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.default)
                .and_then(|d| serde_json::from_str(d).ok()),
            Some(v) => Some(v.clone()),
        }
    }

    pub fn str(&self, name: &str) -> Option<String> {
        self.value(name)
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
    }

    /// Text exactly as given (bodies keep their whitespace).
    pub fn raw_str(&self, name: &str) -> Option<String> {
        self.value(name)
            .and_then(|v| v.as_str().map(str::to_string))
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(|v| v.as_bool())
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.value(name).and_then(|v| v.as_i64())
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.value(name)
            .and_then(|v| {
                v.as_array().map(|l| {
                    l.iter()
                        .filter_map(|s| s.as_str().map(|s| s.trim().to_string()))
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    pub fn given(&self, name: &str) -> bool {
        self.given.get(name).is_some_and(|v| !v.is_null())
    }
}

#[cfg(test)]
mod tests;
