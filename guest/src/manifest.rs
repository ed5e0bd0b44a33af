//! The manifest of docs/contract.md, built from the definitions the code
//! runs on (`config::fields::FIELDS`, `actions::ALL`), so it cannot drift.

use crate::actions::ALL;
use crate::config::fields::{Type, FIELDS};
use serde_json::{json, Map, Value};

pub fn describe() -> String {
    json!({
        "name": "ews",
        "title": "Microsoft Exchange Web Services",
        "version": env!("CARGO_PKG_VERSION"),
        "config": FIELDS.iter().map(|f| {
            let mut o = Map::new();
            o.insert("key".into(), json!(f.key));
            o.insert("type".into(), json!(match f.ty { Type::String => "string", Type::Integer => "integer", Type::Array => "array" }));
            if let Some(format) = f.format {
                o.insert("format".into(), json!(format));
            }
            if let Some(d) = f.default {
                let d = match f.ty {
                    Type::Integer => d.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(d)),
                    Type::String | Type::Array => json!(d),
                };
                o.insert("default".into(), d);
            }
            if f.ty == Type::Array {
                o.insert("items".into(), json!({"type": "string"}));
            }
            if !f.allowed.is_empty() {
                o.insert("enum".into(), json!(f.allowed));
            }
            o.insert("secret".into(), json!(f.secret));
            o.insert("outbound".into(), json!(f.outbound));
            // Which keys are needed depends on auth_method; the component checks that.
            o.insert("required".into(), json!(false));
            o.insert("description".into(), json!(f.description));
            Value::Object(o)
        }).collect::<Vec<_>>(),
        "actions": ALL.iter().map(|a| json!({
            "name": a.name(),
            "title": a.title(),
            "kind": a.kind().as_str(),
            "description": a.description(),
            "params": crate::actions::params::schema(a.params()),
            "output": a.output_schema(),
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_key_and_action_as_the_contract_says() {
        let m: Value = serde_json::from_str(&describe()).unwrap();
        assert_eq!(m["name"], "ews");
        assert_eq!(m["version"], env!("CARGO_PKG_VERSION"));
        let keys: Vec<&str> = m["config"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap())
            .collect();
        for k in [
            "ews_url",
            "auth_method",
            "username",
            "password",
            "primary_smtp_address",
            "tenant",
            "client_id",
            "client_secret",
            "token_url",
            "server_version",
            "request_timeout_secs",
            "folder",
            "subject_keywords",
            "sender_domains",
            "received_after",
            "received_before",
            "max_per_poll",
            "max_batch_bytes",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
        let field = |k: &str| {
            m["config"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["key"] == k)
                .unwrap()
                .clone()
        };
        assert_eq!(field("password")["secret"], true);
        assert_eq!(field("client_secret")["secret"], true);
        assert_eq!(field("ews_url")["outbound"], true);
        assert_eq!(
            field("token_url")["default"],
            "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
        );
        assert_eq!(field("request_timeout_secs")["default"], 60);
        assert_eq!(field("sender_domains")["type"], "array");
        assert_eq!(field("max_batch_bytes")["default"], 67108864);
        assert_eq!(field("folder")["default"], "Inbox");
        assert_eq!(field("auth_method")["enum"], json!(["oauth2", "basic"]));
        let actions = m["actions"].as_array().unwrap();
        let oof = actions
            .iter()
            .find(|a| a["name"] == "get-out-of-office")
            .unwrap();
        assert_eq!(oof["kind"], "enrichment");
        assert_eq!(oof["params"]["required"], json!(["mailbox"]));
    }
}
