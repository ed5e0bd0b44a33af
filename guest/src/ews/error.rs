//! The crate's one error type, and its mapping to the contract's failure
//! classes (docs/contract.md, "Failures"), so that an engine can decide
//! whether to fix, retry or report.

use crate::platform::{HttpResponse, TransportError};

/// The WIT `failure` as plain Rust (lib.rs converts it). Both `Display` and
/// `Debug` print it as a person reads it (`unavailable: cannot resolve ...`),
/// so that no log line shows a Rust type.
#[derive(Clone, PartialEq, Eq)]
pub enum Failure {
    InvalidInput(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    Throttled {
        retry_after_ms: u64,
        message: String,
    },
    Unavailable(String),
    Internal(String),
}

/// A ResponseCode with its text and MessageXml values (`BackOffMilliseconds`...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CodeDetail {
    pub code: String,
    pub text: String,
    pub message_xml: Vec<(String, String)>,
}

impl CodeDetail {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.message_xml
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `Display` and `Debug` print the failure it comes to, as a person reads it.
#[derive(Clone, PartialEq, Eq)]
pub enum Error {
    /// Bad params or configuration; names the key and what was expected.
    InvalidInput(String),
    /// Credentials refused (token endpoint, or a 401 after one refresh).
    Unauthorized(String),
    /// Something the configuration names does not exist (a folder path).
    NotFound(String),
    /// An HTTP status without a SOAP answer.
    Http {
        status: u16,
        retry_after_ms: Option<u64>,
        detail: String,
    },
    Transport(TransportError),
    /// A SOAP fault; `detail.code` is its ResponseCode when Exchange gave one.
    Fault {
        faultcode: String,
        faultstring: String,
        detail: CodeDetail,
    },
    /// A ResponseMessage with ResponseClass="Error".
    Response(CodeDetail),
    Malformed(String),
    /// A host facility (config store, secrets, key-value) failed.
    Host(String),
    /// Refused for lack of a permission, with the grant that opens it
    /// (Graph's 403s, whose fix depends on the call).
    Forbidden(String),
    /// The server asked to slow down, for about this long.
    Throttled {
        retry_after_ms: u64,
        message: String,
    },
    /// The server is down or overloaded, with no time to wait given.
    Unavailable(String),
}

impl Failure {
    /// The contract's name for the failure's class (`unavailable`...).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::InvalidInput(_) => "invalid-input",
            Failure::Unauthorized(_) => "unauthorized",
            Failure::Forbidden(_) => "forbidden",
            Failure::NotFound(_) => "not-found",
            Failure::Throttled { .. } => "throttled",
            Failure::Unavailable(_) => "unavailable",
            Failure::Internal(_) => "internal",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::InvalidInput(m)
            | Failure::Unauthorized(m)
            | Failure::Forbidden(m)
            | Failure::NotFound(m)
            | Failure::Unavailable(m)
            | Failure::Internal(m)
            | Failure::Throttled { message: m, .. } => m,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Throttled {
                retry_after_ms,
                message,
            } => write!(f, "throttled (retry after {retry_after_ms} ms): {message}"),
            other => write!(f, "{}: {}", other.kind(), other.message()),
        }
    }
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.clone().into_failure(&Identity::default()), f)
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl Error {
    /// The answer was too large to read: ask for less, it may then fit.
    pub fn is_too_large(&self) -> bool {
        matches!(self, Error::Transport(TransportError::TooLarge { .. }))
    }
}

/// Who acts on which mailbox, for messages a person can act on.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// `username` or `client_id`.
    pub account: String,
    /// `primary_smtp_address`, when set.
    pub mailbox: Option<String>,
    /// Over Microsoft Graph, whose grants are app permissions, not roles.
    pub graph: bool,
}

/// When Exchange says it is busy but not for how long.
pub const DEFAULT_BACKOFF_MS: u64 = 30_000;

impl Error {
    /// Says which object a per-item error is about (Exchange's own text often
    /// does not: "No mailbox with such guid."), so that the message names it.
    pub fn about(self, subject: &str) -> Error {
        match self {
            Error::Response(mut d) => {
                d.text = format!("{subject}: {}", d.text.trim());
                Error::Response(d)
            }
            other => other,
        }
    }

    pub fn into_failure(self, who: &Identity) -> Failure {
        match self {
            Error::InvalidInput(m) => Failure::InvalidInput(m),
            Error::Unauthorized(m) => Failure::Unauthorized(m),
            Error::NotFound(m) => Failure::NotFound(m),
            Error::Http {
                status,
                retry_after_ms,
                detail,
            } => http_failure(status, retry_after_ms, &detail),
            // The transport's messages name the host and what to check.
            Error::Transport(t @ TransportError::Denied(_)) => Failure::InvalidInput(t.to_string()),
            Error::Transport(TransportError::TooLarge { limit }) => Failure::Unavailable(format!(
                "Exchange's answer is larger than the {} MiB a call may read",
                limit / (1024 * 1024)
            )),
            Error::Transport(t) => Failure::Unavailable(t.to_string()),
            Error::Fault {
                faultcode,
                faultstring,
                detail,
            } => {
                if detail.code.is_empty() {
                    fault_without_code(&faultcode, &faultstring)
                } else {
                    code_failure(&detail, who)
                }
            }
            Error::Response(detail) => code_failure(&detail, who),
            Error::Malformed(m) => {
                Failure::Internal(format!("unexpected answer from Exchange: {m}"))
            }
            Error::Host(m) => Failure::Internal(format!("host facility failed: {m}")),
            Error::Forbidden(m) => Failure::Forbidden(m),
            Error::Throttled {
                retry_after_ms,
                message,
            } => Failure::Throttled {
                retry_after_ms,
                message,
            },
            Error::Unavailable(m) => Failure::Unavailable(m),
        }
    }
}

fn http_failure(status: u16, retry_after_ms: Option<u64>, detail: &str) -> Failure {
    let msg = format!("Exchange answered HTTP {status}{}", suffix(detail));
    match (status, retry_after_ms) {
        (401, _) => Failure::Unauthorized(msg),
        // A refusal before any SOAP: the endpoint itself is closed to us. In
        // Exchange Online that is EWS blocked for the tenant or the app
        // (blocked by default since October 2026, switched off on 1 April 2027).
        (403, _) => Failure::Forbidden(format!(
            "{msg}: EWS refused the request before reading it. In Exchange Online, EWS is \
             disabled for this tenant (Set-OrganizationConfig -EWSEnabled $true) or this app \
             is not on its EWS allow list (EWSAllowedAppIDs); EWS in Exchange Online is \
             blocked by default since October 2026 and switched off on 1 April 2027, after \
             which Microsoft Graph is the way to reach those mailboxes. On-premises: check \
             the EWS virtual directory's access settings"
        )),
        (429 | 503, Some(ms)) => Failure::Throttled {
            retry_after_ms: ms,
            message: msg,
        },
        (429, None) => Failure::Throttled {
            retry_after_ms: DEFAULT_BACKOFF_MS,
            message: msg,
        },
        (404, _) => Failure::InvalidInput(format!(
            "ews_url: {msg}; is it the EWS endpoint (…/EWS/Exchange.asmx)?"
        )),
        (500..=599, _) => Failure::Unavailable(msg),
        _ => Failure::Internal(msg),
    }
}

fn fault_without_code(faultcode: &str, faultstring: &str) -> Failure {
    let msg = format!("SOAP fault {faultcode}: {}", faultstring.trim());
    if faultstring.contains("AccessDenied") {
        Failure::Forbidden(msg)
    } else if faultcode.ends_with("Server") {
        Failure::Unavailable(msg)
    } else {
        Failure::Internal(msg)
    }
}

/// One ResponseCode to one failure class; the message keeps the code so a
/// person can look it up.
fn code_failure(d: &CodeDetail, who: &Identity) -> Failure {
    let code = d.code.as_str();
    let said = format!("{code}{}", suffix(&d.text));
    let mailbox = who.mailbox.as_deref().unwrap_or("the mailbox");
    match code {
        "ErrorImpersonateUserDenied" | "ErrorImpersonationDenied" => Failure::Forbidden(format!(
            "the account lacks the ApplicationImpersonation role on {mailbox}: \
             New-ManagementRoleAssignment -Role ApplicationImpersonation -User {} ({said})",
            who.account
        )),
        // The impersonated mailbox (or the folder, for a copy) is not the
        // account's to touch: say which grant opens it.
        "ErrorAccessDenied" if who.graph => Failure::Forbidden(format!(
            "the app {} may not act on {mailbox} (or that item): grant it the Microsoft Graph \
             application permission Mail.ReadWrite with admin consent; if it has it, an \
             Application Access Policy or RBAC for Applications scope excludes this mailbox \
             ({said})",
            who.account
        )),
        "ErrorAccessDenied" => Failure::Forbidden(format!(
            "the account {} may not act on {mailbox} (or that folder): for an app, grant the \
             full_access_as_app permission (or ApplicationImpersonation); for a user, Full Access \
             (Add-MailboxPermission -Identity {mailbox} -User {} -AccessRights FullAccess) ({said})",
            who.account, who.account
        )),
        "ErrorSendAsDenied" => Failure::Forbidden(format!(
            "the mailbox may not send as that address: leave out params.from, or grant \
             Send As on it (Add-RecipientPermission -Identity <from> -Trustee <mailbox> \
             -AccessRights SendAs) ({said})"
        )),
        "ErrorQuotaExceeded" => Failure::Forbidden(format!(
            "the mailbox is over its quota: free space in it (empty Deleted Items, archive \
             old mail) or raise its quota (Set-Mailbox -ProhibitSendQuota) ({said})"
        )),
        "ErrorMessageSizeExceeded" => Failure::InvalidInput(format!(
            "params.attachments: the message is larger than Exchange accepts (the \
             organization's maximum message size): send fewer or smaller files ({said})"
        )),
        // Graph's answer to a recipient it cannot send to (EWS says it too).
        "ErrorInvalidRecipients" => Failure::InvalidInput(format!(
            "params.to/cc/bcc: a recipient cannot be sent to: check the addresses ({said})"
        )),
        "ErrorDelegateNoUser" => Failure::Forbidden(said),
        "ErrorNonExistentMailbox" => match &who.mailbox {
            Some(m) => Failure::NotFound(format!("no mailbox {m} (primary_smtp_address) ({said})")),
            None => Failure::NotFound(format!("no such mailbox ({said})")),
        },
        "ErrorItemNotFound"
        | "ErrorMailRecipientNotFound"
        | "ErrorFolderNotFound"
        | "ErrorAttachmentNotFound"
        | "ErrorNameResolutionNoResults" => Failure::NotFound(said),
        // Too many connections or objects open on the server for this
        // account: it eases off as they close, like ErrorServerBusy.
        "ErrorServerBusy" | "ErrorTooManyObjectsOpened" => {
            let ms = d
                .value("BackOffMilliseconds")
                .and_then(|v| v.trim().parse().ok());
            Failure::Throttled {
                retry_after_ms: ms.unwrap_or(DEFAULT_BACKOFF_MS),
                message: said,
            }
        }
        "ErrorInvalidServerVersion" | "ErrorIncorrectSchemaVersion" => {
            Failure::InvalidInput(format!("server_version: the server refused it ({said})"))
        }
        "ErrorInvalidSmtpAddress"
        | "ErrorInvalidIdMalformed"
        | "ErrorInvalidIdNotAnItemAttachmentId"
        | "ErrorInvalidArgument"
        | "ErrorInvalidPropertyRequest" => Failure::InvalidInput(said),
        "ErrorMailboxStoreUnavailable"
        | "ErrorMailboxMoveInProgress"
        | "ErrorInternalServerTransientError"
        | "ErrorTimeoutExpired"
        | "ErrorConnectionFailed" => Failure::Unavailable(said),
        _ if who.graph => Failure::Internal(format!("Microsoft Graph answered {said}")),
        _ => Failure::Internal(format!("Exchange answered {said}")),
    }
}

/// Whether the body is an HTML page (by its Content-Type, or by how it
/// begins when that is missing or wrong).
pub fn is_html(resp: &HttpResponse) -> bool {
    if resp
        .header("Content-Type")
        .is_some_and(|c| c.to_ascii_lowercase().contains("text/html"))
    {
        return true;
    }
    let start: String = String::from_utf8_lossy(&resp.body[..resp.body.len().min(256)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(14)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// An answer that is not the service's own: a redirect, or an HTML page
/// where `expected` (SOAP, JSON) was, from a proxy, a load balancer or a
/// sign-in page in front of `service`. Says so, with the status and where
/// the redirect points, rather than "malformed". `None` when the answer may
/// be the service's: 401 (the credentials' own path), 404 (the URL's path,
/// said by each transport) and throttling (429, 503 with Retry-After) keep
/// their classes whatever the page looks like.
pub fn foreign_answer(
    resp: &HttpResponse,
    service: &str,
    expected: &str,
    setting: &str,
) -> Option<Error> {
    let status = resp.status;
    if (300..400).contains(&status) {
        let to = resp
            .header("Location")
            .map(location)
            .unwrap_or_else(|| "nowhere (no Location header)".into());
        let msg = format!(
            "a proxy or sign-in page answered instead of {service}: HTTP {status} redirects to \
             {to}; check {setting}, and that nothing between this host and {service} (a reverse \
             proxy, a sign-in gateway) intercepts the request"
        );
        return Some(if looks_like_sign_in(&to) {
            Error::Forbidden(msg)
        } else {
            Error::Unavailable(msg)
        });
    }
    let throttling = status == 429 || (status == 503 && resp.header("Retry-After").is_some());
    if matches!(status, 401 | 404) || throttling || !is_html(resp) {
        return None;
    }
    let title = html_title(&resp.body)
        .map(|t| format!(" titled \"{t}\""))
        .unwrap_or_default();
    let msg = format!(
        "a proxy or sign-in page answered instead of {service}: HTTP {status} with an HTML \
         page{title}, not {expected}; check {setting} and the proxy or load balancer in front \
         of {service}"
    );
    Some(match status {
        403 | 407 => Error::Forbidden(msg),
        _ => Error::Unavailable(msg),
    })
}

/// Where a redirect points, without its query (sign-in pages put state, or
/// worse, there), bounded.
fn location(to: &str) -> String {
    let bare = to.split(['?', '#']).next().unwrap_or_default().trim();
    bare.chars().take(200).collect()
}

fn looks_like_sign_in(to: &str) -> bool {
    let to = to.to_ascii_lowercase();
    [
        "login", "logon", "signin", "sign-in", "/adfs/", "/auth", "sso", "oauth",
    ]
    .iter()
    .any(|w| to.contains(w))
}

/// The page's `<title>`, trimmed and bounded.
fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title: String = text[open_end..close]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .take(100)
        .collect();
    (!title.is_empty()).then_some(title)
}

fn suffix(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        String::new()
    } else {
        // Bounded: a server's message is for a person, not a log dump.
        let short: String = t.chars().take(300).collect();
        format!(": {short}")
    }
}

#[cfg(test)]
mod tests;
