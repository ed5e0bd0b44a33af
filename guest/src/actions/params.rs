//! Checks of action parameters by hand, so that each error names the
//! parameter and what was expected (`params.mailbox: required, ...`).

use crate::ews::error::Error;
use crate::ews::types::is_email_address;
use serde_json::{Map, Value};

/// Unknown keys are refused: a misspelt optional parameter would otherwise
/// be silently ignored.
pub fn only_known(params: &Map<String, Value>, known: &[&str]) -> Result<(), Error> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(Error::InvalidInput(format!(
            "params.{k}: unknown parameter; expected {}",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}

pub fn required_email(params: &Map<String, Value>, key: &str) -> Result<String, Error> {
    let expected = "an email address";
    match params.get(key) {
        None | Some(Value::Null) => Err(Error::InvalidInput(format!(
            "params.{key}: required, {expected}"
        ))),
        Some(Value::String(s)) if is_email_address(s.trim()) => Ok(s.trim().to_string()),
        Some(Value::String(s)) => {
            let shown: String = s.chars().take(100).collect();
            Err(Error::InvalidInput(format!(
                "params.{key}: expected {expected}, got {shown:?}"
            )))
        }
        Some(other) => Err(Error::InvalidInput(format!(
            "params.{key}: expected a string ({expected}), got {}",
            type_name(other)
        ))),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
