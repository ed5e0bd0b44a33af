//! What a Graph handler answers: a status, headers and a JSON or binary body;
//! errors as Graph writes them, `{"error": {"code", "message", "innerError"}}`.
//! <https://learn.microsoft.com/en-us/graph/errors>

use serde_json::{json, Value};

use crate::ops::common::EwsError;
use crate::server::{respond, set_header, HttpResponse};

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    None,
    Json(Value),
    Bytes { content_type: String, data: Vec<u8> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct GraphReply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

/// A Graph error: HTTP status, `error.code`, `error.message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

pub type Outcome = Result<GraphReply, GraphError>;

impl GraphError {
    pub fn new(status: u16, code: &str, message: &str) -> GraphError {
        GraphError {
            status,
            code: code.to_string(),
            message: message.to_string(),
            retry_after: None,
        }
    }

    pub fn bad_request(code: &str, message: &str) -> GraphError {
        GraphError::new(400, code, message)
    }

    pub fn item_not_found() -> GraphError {
        GraphError::from_ews(&EwsError::item_not_found())
    }

    pub fn malformed_id() -> GraphError {
        GraphError::new(400, "ErrorInvalidIdMalformed", "Id is malformed.")
    }

    /// The body could not be read as JSON: Graph's text for it.
    pub fn unreadable_json() -> GraphError {
        GraphError::bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    }

    /// A property the payload's type does not have.
    pub fn unknown_property(name: &str, kind: &str) -> GraphError {
        GraphError::bad_request(
            "RequestBodyRead",
            &format!("The property '{name}' does not exist on type 'microsoft.graph.{kind}'. Make sure to only use property names that are defined by the type or mark the type as open type."),
        )
    }

    /// Exchange's response code as Graph surfaces it: the same code, with the
    /// HTTP status Graph gives it.
    pub fn from_ews(e: &EwsError) -> GraphError {
        let status = match e.code.as_str() {
            "ErrorItemNotFound" | "ErrorFolderNotFound" => 404,
            "ErrorAccessDenied" | "ErrorSendAsDenied" | "ErrorQuotaExceeded" => 403,
            "ErrorIrresolvableConflict" => 409,
            "ErrorMessageSizeExceeded" => 413,
            "ErrorInvalidIdMalformed" | "ErrorInvalidOperation" | "ErrorInvalidRequest" => 400,
            "ErrorServerBusy" => 429,
            _ => 500,
        };
        GraphError::new(status, &e.code, &e.text)
    }

    /// A throttling or availability answer with `Retry-After`.
    pub fn status_fault(code: u16, retry_after: Option<u64>) -> GraphError {
        let (c, m) = match code {
            429 => (
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
            ),
            503 => (
                "ServiceUnavailable",
                "The service is temporarily unavailable. Please retry later.",
            ),
            504 => ("GatewayTimeout", "The gateway timed out."),
            401 => (
                "InvalidAuthenticationToken",
                "Access token validation failure.",
            ),
            403 => (
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            ),
            404 => (
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
            ),
            _ => ("InternalServerError", "An internal server error occurred."),
        };
        GraphError {
            retry_after,
            ..GraphError::new(code, c, m)
        }
    }

    pub fn body(&self) -> Value {
        json!({"error": {
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": crate::mime::format_datetime(crate::ops::sending::now()),
                "request-id": crate::auth::uuid_like(),
            }
        }})
    }

    pub fn reply(&self) -> GraphReply {
        let mut headers = Vec::new();
        if let Some(s) = self.retry_after {
            headers.push(("retry-after", s.to_string()));
        }
        GraphReply {
            status: self.status,
            headers,
            body: Body::Json(self.body()),
        }
    }
}

impl GraphReply {
    pub fn json(status: u16, value: Value) -> GraphReply {
        GraphReply {
            status,
            headers: Vec::new(),
            body: Body::Json(value),
        }
    }

    pub fn empty(status: u16) -> GraphReply {
        GraphReply {
            status,
            headers: Vec::new(),
            body: Body::None,
        }
    }

    pub fn bytes(content_type: &str, data: Vec<u8>) -> GraphReply {
        GraphReply {
            status: 200,
            headers: Vec::new(),
            body: Body::Bytes {
                content_type: content_type.to_string(),
                data,
            },
        }
    }

    /// The `error.code` when this is an error.
    pub fn error_code(&self) -> Option<String> {
        match &self.body {
            Body::Json(v) if self.status >= 400 => v["error"]["code"].as_str().map(str::to_string),
            _ => None,
        }
    }

    pub fn into_http(self) -> HttpResponse {
        let mut response = match self.body {
            Body::None => {
                let mut r = respond(self.status, "text/plain", "");
                r.headers_mut().remove("content-type");
                r
            }
            Body::Json(v) => respond(self.status, "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8", v.to_string()),
            Body::Bytes { content_type, data } => respond(self.status, &content_type, data),
        };
        for (name, value) in &self.headers {
            set_header(&mut response, name, value);
        }
        response
    }
}

pub fn outcome_reply(outcome: Outcome) -> GraphReply {
    outcome.unwrap_or_else(|e| e.reply())
}
