//! Outbound HTTP policy. The allow-list is derived from the manifest, not
//! written by hand: each config field marked `"outbound": true` contributes
//! the scheme, host and port of its configured value (or its default), with
//! `{key}` placeholders filled from the configuration.

pub mod allowed_hosts;
pub mod hook;

pub use allowed_hosts::{AllowedHost, AllowedHosts};
pub use hook::AllowListHooks;

use crate::error::Failure;
use crate::manifest::Manifest;
use std::collections::BTreeMap;

/// Builds the allow-list. A configured URL that is not allowed (bad syntax,
/// plain http to a remote host) is an invalid-input error naming the key;
/// a default that still holds a placeholder (say `{tenant}` with no tenant)
/// is skipped: the component cannot call it without that key anyway.
pub fn allow_list(
    manifest: &Manifest,
    config: &BTreeMap<String, String>,
) -> Result<(AllowedHosts, Vec<String>), Failure> {
    let mut hosts = AllowedHosts::default();
    let mut notes = Vec::new();
    for field in manifest.config.iter().filter(|f| f.outbound) {
        let (template, configured) = match config.get(&field.key) {
            Some(v) => (v.clone(), true),
            None => match field.default_string() {
                Some(d) => (d, false),
                None => continue,
            },
        };
        let url = fill_placeholders(&template, manifest, config);
        if url.contains('{') {
            notes.push(format!(
                "{}: {url} not allowed (a placeholder is unset)",
                field.key
            ));
            continue;
        }
        match AllowedHost::parse(&url) {
            Ok(host) => hosts.push(host),
            Err(e) if configured => {
                return Err(Failure::invalid_input(format!("{}: {e}", field.key)))
            }
            Err(e) => notes.push(format!("{}: default not allowed: {e}", field.key)),
        }
    }
    Ok((hosts, notes))
}

/// Replaces `{key}` with the key's configured value (or its manifest
/// default); unknown placeholders are left for the caller to notice.
fn fill_placeholders(
    template: &str,
    manifest: &Manifest,
    config: &BTreeMap<String, String>,
) -> String {
    let mut out = template.to_string();
    for field in &manifest.config {
        let needle = format!("{{{}}}", field.key);
        if !out.contains(&needle) || field.secret {
            continue;
        }
        if let Some(v) = config
            .get(&field.key)
            .cloned()
            .or_else(|| field.default_string())
        {
            out = out.replace(&needle, &v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(r#"{"name":"ews","config":[
            {"key":"ews_url","outbound":true,"default":"https://outlook.office365.com/EWS/Exchange.asmx"},
            {"key":"tenant"},
            {"key":"token_url","outbound":true,"default":"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"}
        ]}"#).unwrap()
    }

    #[test]
    fn defaults_and_placeholders() {
        let (hosts, notes) = allow_list(&manifest(), &BTreeMap::new()).unwrap();
        assert_eq!(
            hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
            ["https://outlook.office365.com:443"]
        );
        assert_eq!(notes.len(), 1, "token_url skipped without a tenant");

        let config = [
            ("tenant".to_string(), "contoso".to_string()),
            (
                "ews_url".to_string(),
                "http://127.0.0.1:8080/EWS/Exchange.asmx".to_string(),
            ),
        ]
        .into();
        let (hosts, notes) = allow_list(&manifest(), &config).unwrap();
        let hosts: Vec<_> = hosts.iter().map(|h| h.to_string()).collect();
        assert_eq!(
            hosts,
            [
                "http://127.0.0.1:8080",
                "https://login.microsoftonline.com:443"
            ]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn configured_remote_http_is_an_error() {
        let config = [(
            "ews_url".to_string(),
            "http://mail.example.com/EWS".to_string(),
        )]
        .into();
        let err = allow_list(&manifest(), &config).unwrap_err();
        assert!(err.message.starts_with("ews_url: "), "{}", err.message);
    }
}
