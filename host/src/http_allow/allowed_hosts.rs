//! The outbound allow-list: exact scheme + host + port triples, parsed from
//! URLs (Spin's outbound-networking `AllowedHostConfig`, reduced to what the
//! contract needs: no wildcards, no port ranges).

use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: String,
    /// Lower-case name without a trailing dot, or an IP in canonical form.
    host: String,
    port: u16,
}

#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    hosts: Vec<AllowedHost>,
}

impl AllowedHost {
    /// Parses an allowed URL; only its scheme, host and port matter.
    pub fn parse(url: &str) -> Result<AllowedHost, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        let scheme = parsed.scheme().to_string();
        if scheme != "https" && scheme != "http" {
            return Err(format!(
                "{url:?}: only https:// (or http:// to loopback) is allowed"
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(format!(
                "{}: a user name or password in the URL is refused",
                redact_userinfo(&parsed)
            ));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("{url:?} has no host"))?;
        let host = normalize_host(host);
        let port = parsed
            .port_or_known_default()
            .ok_or_else(|| format!("{url:?} has no port"))?;
        if scheme == "http" && !is_loopback(&host) {
            return Err(format!(
                "{url:?}: http:// is allowed only for loopback hosts (127.0.0.0/8, localhost, [::1]); use https://"
            ));
        }
        Ok(AllowedHost { scheme, host, port })
    }

    fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.scheme == scheme && self.host == host && self.port == port
    }
}

fn redact_userinfo(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, bracket(&self.host), self.port)
    }
}

impl AllowedHosts {
    pub fn push(&mut self, host: AllowedHost) {
        if !self.hosts.contains(&host) {
            self.hosts.push(host);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &AllowedHost> {
        self.hosts.iter()
    }

    /// Whether a request to `scheme://authority` may go out. An authority
    /// with userinfo, or one that does not parse, is refused.
    pub fn allows(&self, scheme: &str, authority: &str) -> bool {
        let scheme = scheme.to_ascii_lowercase();
        let Some((host, port)) = split_authority(authority) else {
            return false;
        };
        let Some(port) = port.or_else(|| default_port(&scheme)) else {
            return false;
        };
        self.hosts.iter().any(|h| h.allows(&scheme, &host, port))
    }
}

/// `scheme://host:port` as the hook logs a refused request.
pub fn describe(scheme: &str, authority: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    match split_authority(authority) {
        Some((host, port)) => match port.or_else(|| default_port(&scheme)) {
            Some(port) => format!("{scheme}://{}:{port}", bracket(&host)),
            None => format!("{scheme}://{}", bracket(&host)),
        },
        None => format!("{scheme}://{authority}"),
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

/// Splits `host[:port]` / `[v6][:port]`; `None` for userinfo or garbage.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    if authority.contains('@') || authority.is_empty() {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        match after {
            "" => (v6, None),
            p => (v6, Some(p.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    if host.is_empty() {
        return None;
    }
    Some((normalize_host(host), port))
}

fn normalize_host(host: &str) -> String {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => bare.trim_end_matches('.').to_ascii_lowercase(),
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The host part of an authority (`host`, `host:port`, `[v6]:port`), normalised.
pub fn host_of(authority: &str) -> Option<String> {
    split_authority(authority).map(|(h, _)| h)
}

/// An address a name in the allow-list must not resolve to unless the name
/// is itself loopback or an IP literal: loopback, unspecified and link-local
/// (cloud metadata at 169.254.169.254). A DNS answer that points an allowed
/// name there (rebinding) would reach services on the host's own machine.
/// Private ranges stay reachable: on-premises Exchange lives there.
pub fn forbidden_target(host: &str, resolved: &[IpAddr]) -> Option<IpAddr> {
    if is_loopback(host) || host.parse::<IpAddr>().is_ok() {
        return None;
    }
    resolved.iter().copied().find(|ip| match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_unspecified() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_link_local())
        }
    })
}

pub fn is_loopback(host: &str) -> bool {
    let host = normalize_host(host);
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowed_name_may_not_resolve_to_this_machine() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let rebound = |host: &str, to: &[&str]| {
            forbidden_target(host, &to.iter().map(|s| ip(s)).collect::<Vec<_>>())
        };
        assert_eq!(rebound("ews.example.com", &["10.0.0.5", "127.0.0.1"]), Some(ip("127.0.0.1")));
        assert_eq!(rebound("ews.example.com", &["169.254.169.254"]), Some(ip("169.254.169.254")));
        assert_eq!(rebound("ews.example.com", &["::ffff:127.0.0.1"]), Some(ip("::ffff:127.0.0.1")));
        assert_eq!(rebound("ews.example.com", &["fe80::1"]), Some(ip("fe80::1")));
        assert_eq!(rebound("ews.example.com", &["0.0.0.0"]), Some(ip("0.0.0.0")));
        assert_eq!(rebound("ews.example.com", &["10.0.0.5", "192.168.1.9"]), None, "on-premises");
        assert_eq!(rebound("localhost", &["127.0.0.1"]), None, "configured as loopback");
        assert_eq!(rebound("127.0.0.1", &["127.0.0.1"]), None);
        assert_eq!(host_of("[::1]:8080").as_deref(), Some("::1"));
        assert_eq!(host_of("Ews.Example.com:443").as_deref(), Some("ews.example.com"));
    }

    fn list(urls: &[&str]) -> AllowedHosts {
        let mut hosts = AllowedHosts::default();
        for u in urls {
            hosts.push(AllowedHost::parse(u).unwrap());
        }
        hosts
    }

    #[test]
    fn default_ports() {
        let h = list(&[
            "https://outlook.office365.com/EWS/Exchange.asmx",
            "http://127.0.0.1/x",
        ]);
        assert!(h.allows("https", "outlook.office365.com"));
        assert!(h.allows("https", "outlook.office365.com:443"));
        assert!(!h.allows("https", "outlook.office365.com:8443"));
        assert!(!h.allows("http", "outlook.office365.com"));
        assert!(h.allows("http", "127.0.0.1:80"));
        assert!(!h.allows("https", "127.0.0.1"));
    }

    #[test]
    fn explicit_port_and_case() {
        let h = list(&["https://Mail.Example.COM:8443/EWS"]);
        assert!(h.allows("HTTPS", "mail.example.com:8443"));
        assert!(h.allows("https", "MAIL.example.com.:8443"));
        assert!(!h.allows("https", "mail.example.com"));
        assert!(!h.allows("https", "evil.example.com:8443"));
        assert_eq!(
            h.iter().next().unwrap().to_string(),
            "https://mail.example.com:8443"
        );
    }

    #[test]
    fn ipv6_literal() {
        let h = list(&["http://[::1]:8080/"]);
        assert!(h.allows("http", "[::1]:8080"));
        assert!(h.allows("http", "[0:0:0:0:0:0:0:1]:8080"));
        assert!(!h.allows("http", "[::2]:8080"));
        assert!(!h.allows("http", "::1:8080"));
        assert_eq!(describe("http", "[::1]"), "http://[::1]:80");
    }

    #[test]
    fn userinfo_refused() {
        assert!(AllowedHost::parse("https://user:pw@mail.example.com/")
            .unwrap_err()
            .contains("refused"));
        let h = list(&["https://mail.example.com/"]);
        assert!(!h.allows("https", "user@mail.example.com"));
        assert!(!h.allows("https", "mail.example.com@evil.com"));
    }

    #[test]
    fn http_only_to_loopback() {
        assert!(AllowedHost::parse("http://mail.example.com/").is_err());
        assert!(AllowedHost::parse("http://localhost:1234/").is_ok());
        assert!(AllowedHost::parse("http://127.5.6.7/").is_ok());
        assert!(AllowedHost::parse("ftp://127.0.0.1/").is_err());
        assert!(AllowedHost::parse("not a url").is_err());
    }

    #[test]
    fn garbage_authorities_refused() {
        let h = list(&["https://a.example/"]);
        for bad in [
            "",
            ":443",
            "a.example:",
            "a.example:99999",
            "[::1",
            "a.example:x",
        ] {
            assert!(!h.allows("https", bad), "{bad}");
        }
    }
}
