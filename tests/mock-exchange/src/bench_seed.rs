//! The benchmark's mailbox (`bench/run`): N unread emails in one folder, of a
//! realistic mix drawn deterministically from a seed, so that every client of a
//! run (and the ceiling's replay) meets the same emails with the same ids.
//!
//! - 60%: an HTML + text body (multipart/alternative) of 5–50 KB;
//! - 30%: a small body and 1–3 attachments of 10 KB–2 MB each (log-uniform:
//!   most are small, as in real mail; incompressible bytes, base64);
//! - 10%: a small body and an attached email (message/rfc822).

use crate::compose::{encode_word, part, rfc2822};
use crate::model::{Model, OofSettings, OofState};

/// The benchmark's mailbox and folder when the binary is not told otherwise.
pub const BENCH_MAILBOX: &str = "bench@contoso.example";
pub const BENCH_FOLDER: &str = "Inbox/Bench";

/// 2026-11-20T00:00:00Z: the first email's received time (one a second after it).
const START: i64 = 1_795_132_800;

/// splitmix64: small, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// Log-uniform in `lo..=hi`.
    pub fn log_range(&mut self, lo: usize, hi: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        ((l + u * (h - l)).exp() as usize).clamp(lo, hi)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

const WORDS: &[&str] = &[
    "invoice",
    "account",
    "payment",
    "verify",
    "password",
    "urgent",
    "shipment",
    "meeting",
    "quarterly",
    "report",
    "security",
    "update",
    "the",
    "your",
    "please",
    "review",
    "attached",
    "document",
    "before",
    "Friday",
    "team",
    "customer",
    "order",
    "confirm",
    "details",
    "access",
    "suspended",
    "click",
    "link",
    "below",
    "regards",
    "thanks",
    "project",
    "budget",
    "approval",
    "contract",
    "delivery",
    "notice",
    "reset",
    "login",
    "mailbox",
    "storage",
    "limit",
    "exceeded",
];

/// About `len` bytes of ASCII prose, in lines of at most 76 characters.
fn prose(rng: &mut Rng, len: usize) -> String {
    let mut out = String::with_capacity(len + 80);
    let mut line = 0;
    while out.len() < len {
        let w = WORDS[rng.range(0, WORDS.len() - 1)];
        if line + w.len() + 1 > 76 {
            out.push_str("\r\n");
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(w);
        line += w.len();
    }
    out.push_str("\r\n");
    out
}

/// A multipart/alternative body of about `len` bytes: text, then the same in HTML.
fn alternative(rng: &mut Rng, len: usize, boundary: &str) -> String {
    let text = prose(rng, len * 2 / 5);
    let html = format!(
        "<html><head><meta charset=\"utf-8\"></head><body>\r\n<p>{}</p>\r\n<p><a href=\"https://portal.example/verify\">portal</a></p>\r\n</body></html>\r\n",
        prose(rng, len * 3 / 5).replace("\r\n\r\n", "</p>\r\n<p>")
    );
    format!(
        "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{text}\
         --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{html}\
         --{boundary}--\r\n"
    )
}

fn headers(rng: &mut Rng, seed: u64, i: usize, to: &str, subject: &str) -> String {
    let sender = rng.range(1, 200);
    format!(
        "From: {} <sender{sender}@partner{}.example>\r\nTo: {to}\r\nSubject: {}\r\nDate: {}\r\n\
         Message-ID: <bench-{seed}-{i}@mail.partner.example>\r\nMIME-Version: 1.0\r\n",
        encode_word(&format!("Sender {sender}")),
        sender % 17,
        encode_word(subject),
        rfc2822(START + i as i64),
    )
}

const ATTACHMENT_TYPES: &[(&str, &str)] = &[
    ("application/pdf", "pdf"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    ("image/png", "png"),
    ("application/zip", "zip"),
];

/// Email `i` of the mix drawn from `seed`, addressed to `to`.
pub fn email(seed: u64, i: usize, to: &str) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0xA076_1D64_78BD_642F));
    let kind = rng.range(0, 9);
    let subject = format!("Bench {i}: {} {}", WORDS[kind], WORDS[rng.range(0, 43)]);
    let mut out = headers(&mut rng, seed, i, to, &subject);
    let alt = format!("=_alt_{seed:x}_{i}");
    if kind < 6 {
        let len = rng.range(5_000, 50_000);
        out.push_str(&alternative(&mut rng, len, &alt));
        return out.into_bytes();
    }
    let mixed = format!("=_mixed_{seed:x}_{i}");
    out.push_str(&format!(
        "Content-Type: multipart/mixed; boundary=\"{mixed}\"\r\n\r\n--{mixed}\r\n"
    ));
    let len = rng.range(2_000, 10_000);
    out.push_str(&alternative(&mut rng, len, &alt));
    if kind < 9 {
        for n in 0..rng.range(1, 3) {
            let (media_type, ext) = ATTACHMENT_TYPES[rng.range(0, ATTACHMENT_TYPES.len() - 1)];
            let size = rng.log_range(10_000, 2_000_000);
            let data = rng.bytes(size);
            let disposition = format!("attachment; filename=\"file-{i}-{n}.{ext}\"");
            out.push_str(&format!("\r\n--{mixed}\r\n"));
            out.push_str(&part(media_type, Some(&disposition), &data));
        }
    } else {
        let inner_alt = format!("=_inner_{seed:x}_{i}");
        let mut inner = headers(&mut rng, seed ^ 1, i, to, &format!("Fwd: original {i}"));
        let len = rng.range(2_000, 8_000);
        inner.push_str(&alternative(&mut rng, len, &inner_alt));
        out.push_str(&format!(
            "\r\n--{mixed}\r\nContent-Type: message/rfc822\r\n\
             Content-Disposition: attachment; filename=\"original-{i}.eml\"\r\n\r\n{inner}"
        ));
    }
    out.push_str(&format!("\r\n--{mixed}--\r\n"));
    out.into_bytes()
}

/// A small text email (about 1.5 KB), for the action benchmark's search folder
/// and the scale run's mailboxes: every tenth (`i % 10 == 0`) has "invoice" in
/// its subject, no other does.
pub fn small_email(seed: u64, i: usize, to: &str) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0xE703_7ED1_A0B4_28DB));
    let word = if i % 10 == 0 {
        "invoice"
    } else {
        WORDS[rng.range(1, 8)]
    };
    let subject = format!("Small {i}: {word} {}", WORDS[rng.range(12, 43)]);
    let mut out = headers(&mut rng, seed, i, to, &subject);
    out.push_str("Cc: soc@contoso.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    let len = rng.range(1_000, 1_500);
    out.push_str(&prose(&mut rng, len));
    out.into_bytes()
}

/// The action benchmark's folder to search: this many small emails.
pub const ACTIONS_SEARCH_FOLDER: &str = "Inbox/Search";
pub const ACTIONS_SEARCH_EMAILS: usize = 1000;
/// The action benchmark's folder holding one email with one attachment of this size.
pub const ACTIONS_ATTACHMENT_FOLDER: &str = "Inbox/Attachment";
pub const ACTIONS_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;

/// What the action benchmark needs in `mailbox` (created if missing): the
/// 1,000 small emails of [`ACTIONS_SEARCH_FOLDER`] (read), one email with a
/// 25 MiB attachment (`big.bin`, incompressible) in [`ACTIONS_ATTACHMENT_FOLDER`],
/// and scheduled automatic replies. Returns the MIME bytes filed.
pub fn seed_actions(model: &mut Model, mailbox: &str, seed: u64) -> usize {
    let mut total = seed_with(
        model,
        mailbox,
        ACTIONS_SEARCH_FOLDER,
        ACTIONS_SEARCH_EMAILS,
        seed,
        true,
        small_email,
    );
    let mut rng = Rng::new(seed ^ 0x25);
    let mixed = format!("=_big_{seed:x}");
    let mut mime = headers(&mut rng, seed, 0, mailbox, "Big attachment");
    mime.push_str(&format!(
        "Content-Type: multipart/mixed; boundary=\"{mixed}\"\r\n\r\n--{mixed}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nThe attachment is 25 MiB.\r\n\r\n--{mixed}\r\n"
    ));
    let data = rng.bytes(ACTIONS_ATTACHMENT_BYTES);
    mime.push_str(&part(
        "application/octet-stream",
        Some("attachment; filename=\"big.bin\""),
        &data,
    ));
    mime.push_str(&format!("\r\n--{mixed}--\r\n"));
    total += mime.len();
    let mailbox = model.mailbox_mut(mailbox).expect("added above");
    let folder = mailbox.store.ensure(ACTIONS_ATTACHMENT_FOLDER);
    mailbox
        .store
        .add_message(&folder, mime.as_bytes(), false, START, Vec::new(), "Normal");
    mailbox.oof = OofSettings {
        state: OofState::Scheduled,
        start: "2026-11-20T08:00:00Z".into(),
        end: "2026-11-30T17:00:00Z".into(),
        internal_reply: "Away until Monday".into(),
        external_reply: "Out of office".into(),
        ..Default::default()
    };
    total
}

/// Files `emails` unread emails of the mix in `mailbox`'s `folder` (both
/// created if missing), received a second apart. Returns their total MIME size.
pub fn seed(model: &mut Model, mailbox: &str, folder: &str, emails: usize, seed: u64) -> usize {
    seed_with(model, mailbox, folder, emails, seed, false, email)
}

/// As [`seed`], with emails made by `make` (`email` or `small_email`), read or unread.
pub fn seed_with(
    model: &mut Model,
    mailbox: &str,
    folder: &str,
    emails: usize,
    seed: u64,
    read: bool,
    make: fn(u64, usize, &str) -> Vec<u8>,
) -> usize {
    if !model.contains(mailbox) {
        model.add_mailbox(mailbox, "Benchmark");
    }
    let store = &mut model.mailbox_mut(mailbox).expect("just added").store;
    let folder = store.ensure(folder);
    let mut total = 0;
    for i in 0..emails {
        let mime = make(seed, i, mailbox);
        total += mime.len();
        store.add_message(&folder, &mime, read, START + i as i64, Vec::new(), "Normal");
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_deterministic_and_parses() {
        assert_eq!(email(7, 3, BENCH_MAILBOX), email(7, 3, BENCH_MAILBOX));
        assert_ne!(email(7, 3, BENCH_MAILBOX), email(8, 3, BENCH_MAILBOX));
        let (mut plain, mut attached, mut eml) = (0, 0, 0);
        for i in 0..200 {
            let mime = email(42, i, BENCH_MAILBOX);
            let s = crate::mime::summarize(&mime);
            assert!(
                s.subject.starts_with(&format!("Bench {i}:")),
                "{}",
                s.subject
            );
            let text = String::from_utf8_lossy(&mime);
            if text.contains("message/rfc822") {
                eml += 1;
            } else if text.contains("Content-Disposition: attachment") {
                attached += 1;
            } else {
                plain += 1;
                assert!((5_000..60_000).contains(&mime.len()), "{}", mime.len());
            }
        }
        // 60/30/10 within sampling noise.
        assert!((100..140).contains(&plain), "{plain}");
        assert!((45..75).contains(&attached), "{attached}");
        assert!((8..35).contains(&eml), "{eml}");
    }

    #[test]
    fn seeding_files_unread_emails_with_stable_ids() {
        let ids = |n| {
            let mut model = Model::default();
            seed(&mut model, BENCH_MAILBOX, BENCH_FOLDER, n, 1);
            let store = &model.mailbox(BENCH_MAILBOX).unwrap().store;
            let folder = store.resolve(BENCH_FOLDER).unwrap();
            assert_eq!(store.counts(&folder.id), (n, n));
            store
                .in_folder(&folder.id)
                .map(|m| m.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(5), ids(5));
    }

    #[test]
    fn the_action_fixtures_are_seeded() {
        let mut model = Model::default();
        let bytes = seed_actions(&mut model, BENCH_MAILBOX, 1);
        assert!(bytes > ACTIONS_ATTACHMENT_BYTES * 4 / 3, "{bytes}");
        let mailbox = model.mailbox(BENCH_MAILBOX).unwrap();
        assert_eq!(mailbox.oof.state, OofState::Scheduled);
        let store = &mailbox.store;
        let search = store.resolve(ACTIONS_SEARCH_FOLDER).unwrap();
        assert_eq!(store.counts(&search.id), (ACTIONS_SEARCH_EMAILS, 0));
        let invoices = store
            .in_folder(&search.id)
            .filter(|m| m.summary.subject.contains("invoice"))
            .count();
        assert_eq!(invoices, ACTIONS_SEARCH_EMAILS / 10);
        let big = store.resolve(ACTIONS_ATTACHMENT_FOLDER).unwrap();
        let message = store.in_folder(&big.id).next().unwrap();
        assert_eq!(message.summary.attachments.len(), 1);
        assert_eq!(
            message.summary.attachments[0].size,
            ACTIONS_ATTACHMENT_BYTES
        );
        assert_eq!(message.summary.cc.len(), 0, "the big email has no Cc");
    }
}
