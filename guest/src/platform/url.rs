//! Just enough URL parsing for `ews_url` and `token_url`: the scheme, the
//! authority the host allow-lists, and the path. No userinfo, no fragments:
//! neither belongs in an endpoint URL, so they are refused rather than guessed.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    /// Lower-cased host; an IPv6 literal keeps its brackets (`[::1]`).
    pub host: String,
    pub port: Option<u16>,
    /// Begins with `/`.
    pub path_and_query: String,
}

impl Url {
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// 127.0.0.0/8, `localhost` and `[::1]`: the only hosts plain http may reach.
    pub fn is_loopback(&self) -> bool {
        if self.host == "localhost" || self.host == "[::1]" {
            return true;
        }
        let parts: Vec<&str> = self.host.split('.').collect();
        parts.len() == 4
            && parts[0] == "127"
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && p.parse::<u8>().is_ok()
            })
    }
}

/// Parses `http(s)://host[:port][/path][?query]`; the error says what is wrong.
pub fn parse(s: &str) -> Result<Url, String> {
    let (https, rest) = if let Some(r) = strip_prefix_ci(s, "https://") {
        (true, r)
    } else if let Some(r) = strip_prefix_ci(s, "http://") {
        (false, r)
    } else {
        return Err("expected an http:// or https:// URL".into());
    };
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL holds whitespace or control characters".into());
    }
    if s.contains('#') {
        return Err("the URL must not hold a #fragment".into());
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err("the URL must not hold user:password@".into());
    }
    let (host, port) = split_host_port(authority)?;
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    let path_and_query = match tail {
        "" => "/".to_string(),
        t if t.starts_with('?') => format!("/{t}"),
        t => t.to_string(),
    };
    Ok(Url {
        https,
        host: host.to_ascii_lowercase(),
        port,
        path_and_query,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or("unclosed [ in the host")?;
        let (h, after) = authority.split_at(close + 1);
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err("unexpected characters after ]".into()),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err("the host holds characters a host name cannot".into());
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().map_err(|_| format!("bad port {p:?}"))?),
        None => None,
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_parts() {
        let u = parse("https://Outlook.Office365.com/EWS/Exchange.asmx").unwrap();
        assert!(u.https);
        assert_eq!(u.authority(), "outlook.office365.com");
        assert_eq!(u.path_and_query, "/EWS/Exchange.asmx");
        let u = parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            (u.authority().as_str(), u.path_and_query.as_str()),
            ("127.0.0.1:8080", "/")
        );
        assert!(u.is_loopback());
        let u = parse("http://[::1]:9/x?y=1").unwrap();
        assert_eq!(u.host, "[::1]");
        assert_eq!(u.port, Some(9));
        assert!(u.is_loopback());
    }

    #[test]
    fn loopback_is_only_loopback() {
        for h in ["http://localhost/", "http://127.5.6.7/"] {
            assert!(parse(h).unwrap().is_loopback(), "{h}");
        }
        for h in [
            "http://127.0.0.1.evil.com/",
            "http://10.0.0.1/",
            "http://localhost.evil/",
            "http://128.0.0.1/",
        ] {
            assert!(!parse(h).unwrap().is_loopback(), "{h}");
        }
    }

    #[test]
    fn refuses_odd_urls() {
        for u in [
            "ftp://x/",
            "https://",
            "https://u:p@host/",
            "https://host:99999/",
            "https://ho st/",
            "https://h/#f",
        ] {
            assert!(parse(u).is_err(), "{u}");
        }
    }
}
