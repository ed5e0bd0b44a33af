//! HTTP Basic, for on-premises servers that still allow it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

pub fn header(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:{password}"))
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_user_and_password() {
        assert_eq!(
            super::header("DOMAIN\\user", "pä:ss"),
            "Basic RE9NQUlOXHVzZXI6cMOkOnNz"
        );
    }
}
