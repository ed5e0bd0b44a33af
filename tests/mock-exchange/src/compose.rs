//! The MIME the mock composes for a message it sends (CreateItem, SendItem),
//! as Exchange's transport would: headers with RFC 2047 / RFC 2231 encoding,
//! base64 bodies and attachments, so that tests can parse what was sent and
//! compare every value and every attachment byte with what the client gave.

use base64::Engine as _;

/// A message being sent (or a draft waiting for SendItem).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mail {
    /// (display name, address).
    pub from: (String, String),
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Vec<String>,
    pub subject: String,
    /// (is HTML, text).
    pub body: Option<(bool, String)>,
    pub importance: Option<String>,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Unix seconds.
    pub date: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl Mail {
    /// Every recipient (To, Cc, Bcc), each once.
    pub fn recipients(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for a in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            if !all.iter().any(|b| b.eq_ignore_ascii_case(a)) {
                all.push(a.clone());
            }
        }
        all
    }

    /// The message as RFC 5322. `with_bcc`: the sender's copy keeps Bcc, the
    /// recipients' copies do not.
    pub fn mime(&self, with_bcc: bool) -> Vec<u8> {
        let mut out = String::new();
        let mut header = |name: &str, value: &str| {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(value);
            out.push_str("\r\n");
        };
        header(
            "From",
            &format!("{} <{}>", encode_word(&self.from.0), self.from.1),
        );
        for (name, list) in [
            ("To", &self.to),
            ("Cc", &self.cc),
            ("Reply-To", &self.reply_to),
        ] {
            if !list.is_empty() {
                header(name, &list.join(", "));
            }
        }
        if with_bcc && !self.bcc.is_empty() {
            header("Bcc", &self.bcc.join(", "));
        }
        header("Subject", &encode_word(&self.subject));
        header("Date", &rfc2822(self.date));
        header("Message-ID", &self.message_id);
        if let Some(v) = &self.in_reply_to {
            header("In-Reply-To", v);
        }
        if let Some(v) = &self.references {
            header("References", v);
        }
        if let Some(i) = &self.importance {
            header("Importance", i);
        }
        header("MIME-Version", "1.0");
        let body = match &self.body {
            Some((true, html)) => part("text/html; charset=utf-8", None, html.as_bytes()),
            Some((false, text)) => part("text/plain; charset=utf-8", None, text.as_bytes()),
            None => part("text/plain; charset=utf-8", None, b""),
        };
        if self.attachments.is_empty() {
            out.push_str(&body);
            return out.into_bytes();
        }
        let boundary = format!("=_mock_{:x}", self.date);
        out.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
        ));
        out.push_str(&format!("--{boundary}\r\n{body}\r\n"));
        for a in &self.attachments {
            let disposition = format!("attachment; filename*=utf-8''{}", pct(&a.name));
            out.push_str(&format!("--{boundary}\r\n"));
            out.push_str(&part(&a.content_type, Some(&disposition), &a.data));
            out.push_str("\r\n");
        }
        out.push_str(&format!("--{boundary}--\r\n"));
        out.into_bytes()
    }
}

/// Content-Type (and disposition) headers, a blank line, base64 in 76-column lines.
pub(crate) fn part(content_type: &str, disposition: Option<&str>, data: &[u8]) -> String {
    let mut s = format!("Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n");
    if let Some(d) = disposition {
        s.push_str(&format!("Content-Disposition: {d}\r\n"));
    }
    s.push_str("\r\n");
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    for line in b64.as_bytes().chunks(76) {
        s.push_str(std::str::from_utf8(line).unwrap_or_default());
        s.push_str("\r\n");
    }
    s
}

/// RFC 2047 B encoded words of at most 45 bytes of text each, folded.
pub(crate) fn encode_word(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| {
            let b = base64::engine::general_purpose::STANDARD.encode(w.as_bytes());
            format!("=?UTF-8?B?{b}?=")
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// RFC 2231 percent-encoding of a parameter value.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `Fri, 20 Nov 2026 09:00:00 +0000`, from the RFC 3339 form the store
/// already writes (`2026-11-20T09:00:00Z`).
pub(crate) fn rfc2822(ts: i64) -> String {
    let iso = crate::mime::format_datetime(ts);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = iso
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .unwrap_or(&"Jan");
    format!(
        "{}, {} {month} {} {} +0000",
        DAYS[ts.div_euclid(86_400).rem_euclid(7) as usize],
        iso.get(8..10).unwrap_or("01"),
        iso.get(0..4).unwrap_or("1970"),
        iso.get(11..19).unwrap_or("00:00:00")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_composes_parses_back_to_the_same_values() {
        let mail = Mail {
            from: ("Alice <&>".into(), "alice@example.com".into()),
            to: vec!["bob@example.com".into()],
            bcc: vec!["eve@example.com".into()],
            subject: "</t:Subject><t:Body>]]>& Grüße — a long subject that needs folding".into(),
            body: Some((false, "line 1\r\n]]>&<x>".into())),
            message_id: "<1@example.com>".into(),
            attachments: vec![Attachment {
                name: "r&d ü.bin".into(),
                content_type: "application/octet-stream".into(),
                data: vec![0, 255, 13, 10, 1],
            }],
            date: 1_795_683_600,
            ..Mail::default()
        };
        let mime = mail.mime(true);
        let m = mail_parser::MessageParser::default().parse(&mime).unwrap();
        assert_eq!(m.subject(), Some(mail.subject.as_str()));
        assert_eq!(m.body_text(0).as_deref(), Some("line 1\r\n]]>&<x>"));
        let a = m.attachments().next().unwrap();
        assert_eq!(
            mail_parser::MimeHeaders::attachment_name(a),
            Some("r&d ü.bin")
        );
        assert_eq!(a.contents(), &[0, 255, 13, 10, 1]);
        assert!(m.bcc().is_some());
        assert!(
            rfc2822(1_795_683_600).starts_with("Thu, 26 Nov 2026 09:00:00"),
            "{}",
            rfc2822(1_795_683_600)
        );
        let public = mail.mime(false);
        let public = mail_parser::MessageParser::default()
            .parse(&public)
            .unwrap();
        assert!(public.bcc().is_none());
    }
}
