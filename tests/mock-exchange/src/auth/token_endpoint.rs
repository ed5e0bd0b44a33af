//! The Microsoft Entra ID token endpoint (`POST /{tenant}/oauth2/v2.0/token`),
//! client credentials grant only, with Entra ID's error bodies (AADSTS codes).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::{uuid_like, Audience, Tokens};
use crate::MockOptions;

/// The token endpoint: form body in, (HTTP status, JSON) out.
pub fn token_endpoint(
    tenant: &str,
    body: &[u8],
    options: &MockOptions,
    tokens: &mut Tokens,
) -> (u16, String) {
    let form = parse_form(body);
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let apps: Vec<_> = options
        .oauth_apps
        .iter()
        .filter(|a| a.tenant.eq_ignore_ascii_case(tenant))
        .collect();
    if apps.is_empty() {
        let text = format!("AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
        return aad_error(400, "invalid_request", 90002, &text);
    }
    if field("grant_type") != Some("client_credentials") {
        let text = "AADSTS70003: The app requested an unsupported grant type.";
        return aad_error(400, "unsupported_grant_type", 70003, text);
    }
    let client_id = field("client_id").unwrap_or_default();
    let Some(app) = apps
        .iter()
        .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    else {
        let text = format!(
            "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant}'."
        );
        return aad_error(400, "unauthorized_client", 700016, &text);
    };
    match field("client_secret") {
        None | Some("") => {
            let text = "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
            return aad_error(401, "invalid_client", 7000218, text);
        }
        Some(secret) if secret != app.client_secret => {
            let text = format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", app.client_id);
            return aad_error(401, "invalid_client", 7000215, &text);
        }
        Some(_) => {}
    }
    let scope = field("scope").unwrap_or_default();
    let Some(audience) = Audience::of_scope(scope) else {
        let text = format!("AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.");
        return aad_error(400, "invalid_scope", 70011, &text);
    };
    let lifetime = options.token_lifetime_secs;
    let token = tokens.issue(
        &app.tenant,
        &app.client_id,
        audience,
        Duration::from_secs(lifetime),
    );
    let body = json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token});
    (200, body.to_string())
}

fn aad_error(status: u16, error: &str, code: u32, text: &str) -> (u16, String) {
    let trace = uuid_like();
    let correlation = uuid_like();
    let now = utc_now();
    let body = json!({
        "error": error,
        "error_description": format!("{text} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}"),
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, body.to_string())
}

/// `application/x-www-form-urlencoded` pairs.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let name = percent_decode(it.next().unwrap_or_default(), true);
            let value = percent_decode(it.next().unwrap_or_default(), true);
            (name, value)
        })
        .collect()
}

/// `%XX` decoded; `+` is a space in a form or a query, itself in a path.
pub fn percent_decode(s: &[u8], plus_is_space: bool) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                let hex = std::str::from_utf8(&s[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `YYYY-MM-DD hh:mm:ssZ`, as Entra ID writes its timestamps.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{form, options};

    #[test]
    fn token_errors_are_entra_ids() {
        let mut t = Tokens::default();
        let scope = "https://outlook.office365.com/.default";
        let err =
            |(s, b): (u16, String)| (s, serde_json::from_str::<serde_json::Value>(&b).unwrap());
        let (s, v) = err(token_endpoint(
            "contoso",
            &form("wrong", scope),
            &options(),
            &mut t,
        ));
        assert_eq!((s, v["error"].as_str()), (401, Some("invalid_client")));
        assert!(v["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215: Invalid client secret provided."));
        let (s, v) = err(token_endpoint(
            "fabrikam",
            &form("s3cret", scope),
            &options(),
            &mut t,
        ));
        assert_eq!((s, v["error"].as_str()), (400, Some("invalid_request")));
        assert!(v["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS90002: Tenant 'fabrikam' not found"));
        let (s, v) = err(token_endpoint(
            "contoso",
            &form("s3cret", "https://graph.microsoft.com/User.Read"),
            &options(),
            &mut t,
        ));
        assert_eq!((s, v["error"].as_str()), (400, Some("invalid_scope")));
        let (s, v) = err(token_endpoint(
            "contoso",
            b"grant_type=password",
            &options(),
            &mut t,
        ));
        assert_eq!(
            (s, v["error"].as_str()),
            (400, Some("unsupported_grant_type"))
        );
    }

    #[test]
    fn form_decoding() {
        assert_eq!(
            parse_form(b"a=b+c%26d&e=%zz&f"),
            vec![
                ("a".into(), "b c&d".into()),
                ("e".into(), "%zz".into()),
                ("f".into(), "".into())
            ]
        );
        assert_eq!(percent_decode(b"%4", true), "%4");
        assert_eq!(percent_decode(b"a+b%2B", false), "a+b+");
        assert!(utc_now().ends_with('Z'));
    }
}
