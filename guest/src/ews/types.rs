//! EWS values shared by operations.

/// An SMTP address, checked loosely: Exchange is the authority on whether a
/// mailbox exists; this only catches values that cannot be one.
pub fn is_email_address(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    s.len() <= 320
        && !local.is_empty()
        && !local.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '@' | ',' | ';')
        })
        && domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// `t:Mailbox` of GetUserOofSettings (types.xsd `EmailAddress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub address: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_addresses_from_non_addresses() {
        for ok in [
            "user@example.com",
            "first.last+tag@sub.example.co.uk",
            "ü@bücher.de",
        ] {
            assert!(is_email_address(ok), "{ok}");
        }
        for bad in [
            "",
            "user",
            "@example.com",
            "user@",
            "user@localhost",
            "a b@example.com",
            "u@ex..com",
            "u@-ex.com",
            "<u@example.com>",
            "u@example.com\n",
        ] {
            assert!(!is_email_address(bad), "{bad}");
        }
    }
}
