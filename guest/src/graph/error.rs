//! Graph's refusals onto the crate's one error model, with what to change:
//! Graph's codes for mail are Exchange's (`ErrorItemNotFound`,
//! `ErrorQuotaExceeded`...), so those go the EWS way; its 403s depend on the
//! app's Graph permissions and on the tenant's Application Access Policy or
//! RBAC for Applications scope, which the message names.

use crate::ews::error::{foreign_answer, CodeDetail, Error, DEFAULT_BACKOFF_MS};
use crate::mailbox::ItemError;
use crate::platform::{retry_after_ms, HttpResponse};
use serde_json::Value;

/// What a request is for, to say in an error what it needed.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// "read the messages of a folder": what failed, for a person.
    pub what: &'static str,
    /// The Graph application permission the request needs.
    pub permission: &'static str,
    /// The mailbox acted on (`/users/{mailbox}`).
    pub mailbox: &'a str,
}

/// `error.code` and `error.message` of a Graph error body (either may be empty).
pub fn code_of(body: &Value) -> (String, String) {
    let e = &body["error"];
    let text = |v: &Value| v.as_str().unwrap_or_default().trim().to_string();
    (text(&e["code"]), text(&e["message"]))
}

/// One failed request of a batch (or a single call on one item).
pub fn item_error(status: u16, body: &Value) -> ItemError {
    let (code, message) = code_of(body);
    ItemError {
        code: if code.is_empty() {
            format!("HTTP {status}")
        } else {
            code
        },
        message,
    }
}

/// Whether a per-item answer means the item is not there (or its id is not one).
pub fn is_item_level(status: u16, code: &str) -> bool {
    status == 404
        || code == "ErrorInvalidIdMalformed"
        || code == "ErrorInvalidId"
        || code == "ErrorItemNotFound"
}

/// A whole request's failure.
pub fn from_response(call: &Call, resp: &HttpResponse, now: u64) -> Error {
    if let Some(e) = foreign_answer(resp, "Microsoft Graph", "JSON", "graph_url") {
        return e;
    }
    let body: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let (code, message) = code_of(&body);
    let said = if code.is_empty() {
        format!("HTTP {}", resp.status)
    } else if message.is_empty() {
        format!("{code} (HTTP {})", resp.status)
    } else {
        let short: String = message.chars().take(300).collect();
        format!("{code} (HTTP {}): {short}", resp.status)
    };
    let retry = retry_after_ms(resp, now);
    let m = call.mailbox;
    match (resp.status, code.as_str()) {
        (429 | 503 | 504, _) | (_, "ApplicationThrottled" | "MailboxConcurrency") => {
            Error::Throttled {
                retry_after_ms: retry.unwrap_or(DEFAULT_BACKOFF_MS),
                message: format!("Microsoft Graph is throttling requests to {m}: {said}"),
            }
        }
        (401, _) => Error::Unauthorized(format!(
            "Microsoft Graph refused a freshly issued token ({said}): is the token for \
             https://graph.microsoft.com (token_url of the right tenant), and does the app \
             have Microsoft Graph application permissions with admin consent?"
        )),
        (403, _) if message.contains("AccessPolicy") || message.contains("[RAOP]") => {
            Error::Forbidden(format!(
                "an Application Access Policy or RBAC for Applications scope keeps this app \
                 from mailbox {m}: add the mailbox to the policy's group \
                 (Test-ApplicationAccessPolicy -Identity {m} -AppId <client_id> shows the \
                 verdict) or widen the management scope ({said})"
            ))
        }
        (403, "ErrorQuotaExceeded") | (_, "ErrorSendAsDenied" | "ErrorMessageSizeExceeded") => {
            Error::Response(CodeDetail {
                code,
                text: message,
                message_xml: vec![],
            })
        }
        (403, _) => Error::Forbidden(format!(
            "the app may not {} in {m}: grant it the Microsoft Graph application permission \
             {} with admin consent; if it has it, an Application Access Policy or RBAC for \
             Applications scope excludes this mailbox ({said})",
            call.what, call.permission
        )),
        (404, "ErrorInvalidUser" | "MailboxNotEnabledForRESTAPI" | "ErrorNonExistentMailbox") => {
            Error::NotFound(format!(
                "no mailbox {m} that Microsoft Graph can reach (is the address the user's \
                 primary SMTP address, with an Exchange Online license?) ({said})"
            ))
        }
        (404, c) if !c.starts_with("Error") => {
            Error::NotFound(format!("Microsoft Graph could not {}: {said}", call.what))
        }
        (500..=599, _) => Error::Unavailable(format!("Microsoft Graph answered {said}")),
        (_, c) if !c.is_empty() => Error::Response(CodeDetail {
            code,
            text: format!("{} ({})", message, call.what),
            message_xml: vec![],
        }),
        _ => Error::Malformed(format!("Microsoft Graph answered {said} to {}", call.what)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ews::error::{Failure, Identity};

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    const CALL: Call = Call {
        what: "read the messages of a folder",
        permission: "Mail.ReadWrite",
        mailbox: "soc@example.com",
    };

    fn failure(r: HttpResponse) -> Failure {
        from_response(&CALL, &r, 0).into_failure(&Identity::default())
    }

    #[test]
    fn each_refusal_says_what_to_change() {
        let denied = r#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}"#;
        let Failure::Forbidden(m) = failure(resp(403, &[], denied)) else {
            panic!()
        };
        assert!(
            m.contains("Mail.ReadWrite") && m.contains("soc@example.com"),
            "{m}"
        );
        let policy = r#"{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."}}"#;
        let Failure::Forbidden(m) = failure(resp(403, &[], policy)) else {
            panic!()
        };
        assert!(m.contains("Application Access Policy"), "{m}");
        assert_eq!(
            failure(resp(429, &[("Retry-After", "7")], "{}")),
            Failure::Throttled {
                retry_after_ms: 7000,
                message: "Microsoft Graph is throttling requests to soc@example.com: HTTP 429"
                    .into()
            }
        );
        let Failure::Throttled { retry_after_ms, .. } = failure(resp(503, &[], "")) else {
            panic!()
        };
        assert_eq!(retry_after_ms, DEFAULT_BACKOFF_MS);
        let nouser = r#"{"error":{"code":"ErrorInvalidUser","message":"The requested user 'x' is invalid."}}"#;
        assert!(matches!(
            failure(resp(404, &[], nouser)),
            Failure::NotFound(_)
        ));
        let gone = r#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}"#;
        assert!(matches!(
            failure(resp(404, &[], gone)),
            Failure::NotFound(_)
        ));
        let quota = r#"{"error":{"code":"ErrorQuotaExceeded","message":"The process failed to allocate."}}"#;
        let Failure::Forbidden(m) = failure(resp(403, &[], quota)) else {
            panic!()
        };
        assert!(m.contains("quota"), "{m}");
    }
}
