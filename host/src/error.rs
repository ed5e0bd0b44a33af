//! The one failure type the host prints: the contract's failure kinds
//! (docs/contract.md "Failures"), whether the guest or the host failed.

/// A failure class from docs/contract.md, with its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    InvalidInput,
    Unauthorized,
    Forbidden,
    NotFound,
    Throttled,
    Unavailable,
    Internal,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::InvalidInput => "invalid-input",
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not-found",
            Kind::Throttled => "throttled",
            Kind::Unavailable => "unavailable",
            Kind::Internal => "internal",
        }
    }

    /// The process exit code for this kind (docs/contract.md).
    pub fn exit_code(self) -> i32 {
        match self {
            Kind::InvalidInput => 2,
            Kind::Unauthorized => 3,
            Kind::Forbidden => 4,
            Kind::NotFound => 5,
            Kind::Throttled => 6,
            Kind::Unavailable => 7,
            Kind::Internal => 1,
        }
    }
}

/// A failed command: what the CLI prints as `{"ok":false,"error":{...}}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", kind.as_str())]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    pub retry_after_ms: Option<u64>,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            retry_after_ms: None,
        }
    }
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(Kind::InvalidInput, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Kind::Internal, message)
    }
}

/// The guest's own failure variant, mapped onto the same classes.
impl From<crate::bindings::soar::integration::types::Failure> for Failure {
    fn from(f: crate::bindings::soar::integration::types::Failure) -> Self {
        use crate::bindings::soar::integration::types::Failure as G;
        match f {
            G::InvalidInput(m) => Failure::new(Kind::InvalidInput, m),
            G::Unauthorized(m) => Failure::new(Kind::Unauthorized, m),
            G::Forbidden(m) => Failure::new(Kind::Forbidden, m),
            G::NotFound(m) => Failure::new(Kind::NotFound, m),
            G::Throttled(t) => Failure {
                kind: Kind::Throttled,
                message: t.message,
                retry_after_ms: Some(t.retry_after_ms),
            },
            G::Unavailable(m) => Failure::new(Kind::Unavailable, m),
            G::Internal(m) => Failure::new(Kind::Internal, m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_contract() {
        let kinds = [
            (Kind::InvalidInput, 2),
            (Kind::Unauthorized, 3),
            (Kind::Forbidden, 4),
            (Kind::NotFound, 5),
            (Kind::Throttled, 6),
            (Kind::Unavailable, 7),
            (Kind::Internal, 1),
        ];
        for (kind, code) in kinds {
            assert_eq!(kind.exit_code(), code, "{}", kind.as_str());
        }
    }
}
