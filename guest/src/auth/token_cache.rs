//! OAuth tokens kept in key-value storage between calls, because each call
//! runs in a fresh instance and the token endpoint throttles. A broken cache
//! only costs a new token: its errors are logged, never returned.

use crate::platform::{Host, Level, SHARED_BUCKET};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A token this close to expiry is not used: a request may take that long.
pub const MARGIN_SECS: u64 = 300;
const LOG: &str = "auth.token_cache";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    pub access_token: String,
    /// Unix seconds, from the host's wall clock.
    pub expires_at: u64,
}

/// One entry per token endpoint, tenant, application, secret and scope,
/// hashed so that the key holds no configuration verbatim. The secret is part
/// of it so that a rotated (or revoked) secret never keeps using a token the
/// old one obtained; the scope, so that tokens for two APIs (EWS, Graph) of
/// one application never overwrite each other.
pub fn key(
    token_url: &str,
    tenant: &str,
    client_id: &str,
    client_secret: &str,
    scope: &str,
) -> String {
    let digest = Sha256::digest(format!(
        "{token_url}\n{tenant}\n{client_id}\n{client_secret}\n{scope}"
    ));
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("oauth-token/{hex}")
}

pub fn load(host: &dyn Host, key: &str) -> Option<String> {
    let bytes = match host.kv_get(SHARED_BUCKET, key) {
        Ok(b) => b?,
        Err(e) => {
            host.log(
                Level::Warn,
                LOG,
                &format!("reading the token cache failed: {e}"),
            );
            return None;
        }
    };
    let Ok(token) = serde_json::from_slice::<CachedToken>(&bytes) else {
        host.log(
            Level::Warn,
            LOG,
            "the cached token is unreadable; fetching a new one",
        );
        return None;
    };
    let fresh = host.now_unix_secs().saturating_add(MARGIN_SECS) < token.expires_at;
    fresh.then_some(token.access_token)
}

pub fn store(host: &dyn Host, key: &str, token: &CachedToken) {
    let Ok(json) = serde_json::to_vec(token) else {
        return;
    };
    if let Err(e) = host.kv_set(SHARED_BUCKET, key, &json) {
        host.log(Level::Warn, LOG, &format!("storing the token failed: {e}"));
    }
}

pub fn invalidate(host: &dyn Host, key: &str) {
    if let Err(e) = host.kv_delete(SHARED_BUCKET, key) {
        host.log(
            Level::Warn,
            LOG,
            &format!("dropping the cached token failed: {e}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::oauth2::SCOPE;
    use crate::platform::fake::FakeHost;

    #[test]
    fn reuses_until_five_minutes_before_expiry() {
        let host = FakeHost::with_config(&[]);
        let k = key("https://login/x", "t", "c", "s", SCOPE);
        assert!(k.starts_with("oauth-token/") && k.len() == "oauth-token/".len() + 32);
        assert_eq!(load(&host, &k), None);
        let now = host.now_unix_secs();
        store(
            &host,
            &k,
            &CachedToken {
                access_token: "tok".into(),
                expires_at: now + 3600,
            },
        );
        assert_eq!(load(&host, &k).as_deref(), Some("tok"));
        host.now.set(now + 3600 - MARGIN_SECS - 1);
        assert_eq!(load(&host, &k).as_deref(), Some("tok"));
        host.now.set(now + 3600 - MARGIN_SECS);
        assert_eq!(load(&host, &k), None);
        invalidate(&host, &k);
        assert!(host.kv.borrow().is_empty());
    }

    #[test]
    fn a_corrupt_entry_is_a_miss() {
        let host = FakeHost::with_config(&[]);
        host.kv
            .borrow_mut()
            .insert((SHARED_BUCKET.into(), "k".into()), b"{not json".to_vec());
        assert_eq!(load(&host, "k"), None);
    }

    #[test]
    fn keys_differ_per_application() {
        let k = |u, t, a, s| key(u, t, a, s, SCOPE);
        assert_ne!(k("u", "t", "a", "s"), k("u", "t", "b", "s"));
        assert_ne!(k("u", "t1", "a", "s"), k("u", "t2", "a", "s"));
        assert_ne!(
            k("u", "t", "a", "old"),
            k("u", "t", "a", "new"),
            "a rotated secret"
        );
        assert!(!k("u", "t", "a", "the-secret").contains("the-secret"));
        assert_ne!(
            key("u", "t", "a", "s", SCOPE),
            key("u", "t", "a", "s", "https://graph.microsoft.com/.default"),
            "one token per API"
        );
    }
}
