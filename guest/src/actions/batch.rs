//! What the actions on many emails share: the ids from `item_ids`, one
//! result per id in the output, and when a batch counts as failed.

use super::params::{param, Checked, Param, Ty};
use super::Output;
use crate::ews::error::{CodeDetail, Error};
use crate::mailbox::{ItemError, ItemRef};
use serde_json::{json, Map, Value};

/// At most this many ids in one call, all sent in one request: a bound,
/// so that one call cannot become an unbounded batch against Exchange's
/// throttling; playbooks with more split them.
pub const ITEM_IDS: Param =
    param("item_ids", Ty::ItemIds { max: 100 }, "The emails' item ids").required();

pub const MAILBOX: Param = param(
    "mailbox",
    Ty::Email,
    "The mailbox holding them (default: primary_smtp_address)",
);

/// The output document, with no files.
pub fn output(json: Value) -> Result<Output, Error> {
    Ok(Output {
        json: json.to_string(),
        files: vec![],
    })
}

pub fn ids(p: &Checked) -> Vec<ItemRef> {
    p.strings("item_ids")
        .iter()
        .map(|id| ItemRef::new(id))
        .collect()
}

/// The output's JSON Schema: `mailbox`, `results` (see `result_schema`),
/// the count of items that went well (`count`), and the action's own
/// top-level fields (`own`: name to schema).
pub fn output_schema(own: Value, extra: &[&str], count: &str) -> Value {
    let mut properties = json!({
        "mailbox": {"type": "string"},
        "results": result_schema(extra),
    });
    properties[count] = json!({"type": "integer"});
    let mut required = vec!["mailbox".to_string(), "results".into(), count.into()];
    if let Some(own) = own.as_object() {
        for (k, v) in own {
            properties[k.as_str()] = v.clone();
            required.push(k.clone());
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required
    })
}

/// The JSON Schema of one `results` entry: `item_id`, `ok`, `error`, and
/// the action's own fields (`extra`, all nullable strings).
fn result_schema(extra: &[&str]) -> Value {
    let mut properties = json!({
        "item_id": {"type": "string"},
        "ok": {"type": "boolean"},
        "error": {"type": ["string", "null"], "description": "The server's code and text, when not ok"}
    });
    let mut required = vec!["item_id", "ok", "error"];
    for name in extra {
        properties[*name] = json!({"type": ["string", "null"]});
        required.push(name);
    }
    json!({"type": "array", "items": {"type": "object", "properties": properties, "required": required}})
}

/// One entry per id, in order, each with the action's fields from `fields`
/// (given `None` for an item that failed). The call fails only when every
/// item failed for a reason other than not-found (access denied, a quota):
/// then nothing happened and the first reason is what to fix. Ids that are
/// all unknown still succeed, each `ok: false`, as a batch reports per item.
pub fn outcome<T>(
    ids: &[ItemRef],
    results: Vec<Result<T, ItemError>>,
    fields: impl Fn(Option<&T>) -> Map<String, Value>,
) -> Result<Vec<Value>, Error> {
    if results.len() != ids.len() {
        return Err(Error::Malformed(format!(
            "{} results for {} ids",
            results.len(),
            ids.len()
        )));
    }
    let all_failed = results.iter().all(Result::is_err);
    let blocking = results.iter().zip(ids).find_map(|(r, id)| match r {
        Err(e) if !e.is_not_found() && e.code != "ErrorInvalidIdMalformed" => Some((e, id)),
        _ => None,
    });
    if let (true, Some((e, id))) = (all_failed, blocking) {
        return Err(Error::Response(CodeDetail {
            code: e.code.clone(),
            text: format!("item_id {}: {}", id.id, e.message),
            message_xml: vec![],
        }));
    }
    Ok(results
        .iter()
        .zip(ids)
        .map(|(r, id)| {
            let mut entry = Map::new();
            entry.insert("item_id".into(), json!(id.id));
            entry.insert("ok".into(), json!(r.is_ok()));
            entry.insert(
                "error".into(),
                json!(r.as_ref().err().map(ItemError::describe)),
            );
            entry.extend(fields(r.as_ref().ok()));
            Value::Object(entry)
        })
        .collect())
}

/// `(item_id, change_key)` fields of a new or moved item, null when absent.
pub fn item_fields(id_name: &str, key_name: &str, item: Option<&ItemRef>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(id_name.into(), json!(item.map(|i| &i.id)));
    m.insert(
        key_name.into(),
        json!(item.and_then(|i| i.change_key.as_ref())),
    );
    m
}

pub fn count_ok(entries: &[Value]) -> usize {
    entries.iter().filter(|e| e["ok"] == true).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str) -> ItemError {
        ItemError {
            code: code.into(),
            message: "text".into(),
        }
    }

    #[test]
    fn a_batch_fails_only_when_nothing_went_and_the_reason_is_not_not_found() {
        let ids = vec![ItemRef::new("AAMk1"), ItemRef::new("AAMk2")];
        let none = |_: Option<&()>| Map::new();
        let mixed = outcome(&ids, vec![Ok(()), Err(err("ErrorAccessDenied"))], none).unwrap();
        assert_eq!(mixed[1]["ok"], false);
        assert_eq!(mixed[1]["error"], "ErrorAccessDenied: text");
        assert_eq!(count_ok(&mixed), 1);
        let unknown = vec![
            Err(err("ErrorItemNotFound")),
            Err(err("ErrorInvalidIdMalformed")),
        ];
        assert_eq!(count_ok(&outcome(&ids, unknown, none).unwrap()), 0);
        let denied = vec![Err(err("ErrorItemNotFound")), Err(err("ErrorAccessDenied"))];
        let Err(Error::Response(d)) = outcome(&ids, denied, none) else {
            panic!("every item failed, one for access: the call fails")
        };
        assert_eq!(d.code, "ErrorAccessDenied");
        assert!(d.text.contains("AAMk2"), "{}", d.text);
        assert!(
            outcome(&ids, vec![Ok(())], none).is_err(),
            "a count that does not match"
        );
    }
}
