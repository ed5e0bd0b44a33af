//! A little fuzzing: truncated, mutated and random input, deep nesting, many parts.
//! Each runs on a 1 MiB stack, wasm32's default, so a recursion that would crash the
//! guest crashes here too.

mod common;
use common::*;

const FIXTURES: [&str; 15] = [
    "charset-ks_c_5601-1987-8bit.eml",
    "encword-euc-kr.eml",
    "encword-iso-2022-jp.eml",
    "encword-utf-7.eml",
    "encword-utf8-rfc2231-long-filename.eml",
    "encword-windows-1251-bad-date.eml",
    "encword-windows-1252.eml",
    "inline-images-multipart-related-cid.eml",
    "nested-rfc822-outlook-simple.eml",
    "nested-rfc822-with-inline-image.eml",
    "nested-rfc822.eml",
    "rfc2231-iso-2022-jp-filename.eml",
    "smime-multipart-signed-inline-png.eml",
    "smime-signed-forwarded.eml",
    "tnef-winmail-dat-koi8r.eml",
];

fn on_wasm_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// xorshift: deterministic, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn truncated_fixtures() {
    on_wasm_stack(|| {
        for name in FIXTURES {
            let mime = fixture(name);
            for cut in (0..mime.len()).step_by(13) {
                parse_checked(&mime[..cut]);
            }
        }
    });
}

#[test]
fn mutated_fixtures_and_random_bytes() {
    on_wasm_stack(|| {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let alphabet = b"-=:;\"'\r\n \t=?Bb/+\\<>@*%0123456789abcdefABCDEF\x00\xff\x80";
        for round in 0..1500 {
            let mut mime = fixture(FIXTURES[round % FIXTURES.len()]);
            for _ in 0..1 + rng.below(20) {
                let i = rng.below(mime.len());
                match rng.below(3) {
                    0 => mime[i] = alphabet[rng.below(alphabet.len())],
                    1 => {
                        mime.remove(i);
                    }
                    _ => mime.insert(i, alphabet[rng.below(alphabet.len())]),
                }
            }
            parse_checked(&mime);
        }
        for _ in 0..500 {
            let len = rng.below(3000);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            parse_checked(&bytes);
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            parse_checked(&text);
        }
    });
}

#[test]
fn deeply_nested_multiparts() {
    on_wasm_stack(|| {
        let depth = 5000;
        let mut m = String::from("From: a@b.c\r\nSubject: deep\r\n");
        for i in 0..depth {
            m.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
            ));
        }
        m.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
        for i in (0..depth).rev() {
            m.push_str(&format!("--b{i}--\r\n"));
        }
        let rec = parse_checked(m.as_bytes());
        assert_eq!(text(&rec), "bottom");
        // Unclosed, too.
        let cut = m.find("bottom").unwrap() + 6;
        parse_checked(&m.as_bytes()[..cut]);
    });
}

#[test]
fn deeply_nested_emails() {
    on_wasm_stack(|| {
        for depth in [3, 50, 2000] {
            let mut m = String::new();
            for i in 0..depth {
                m.push_str(&format!(
                    "From: l{i}@b.c\r\nSubject: level {i}\r\nContent-Type: message/rfc822\r\n\r\n"
                ));
            }
            m.push_str("From: z@b.c\r\nSubject: bottom\r\n\r\nbottom text\r\n");
            let rec = parse_checked(m.as_bytes());
            assert_eq!(rec.json["subject"], "level 0");
            let a = att(&rec, 0);
            assert_eq!(a["kind"], "email");
            assert_eq!(a["email"]["subject"], "level 1");
            // One level deep: the nested email's attached email has no record.
            assert!(a["email"]["attachments"][0].get("email").is_none());
        }
        // base64-wrapped attached emails (the parser decodes three levels of those).
        let mut inner = b"From: z@b.c\r\nSubject: bottom\r\n\r\nbottom text\r\n".to_vec();
        for i in 0..6 {
            let b64 = b64(&inner);
            inner = format!("From: l{i}@b.c\r\nSubject: wrap {i}\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n").into_bytes();
        }
        let rec = parse_checked(&inner);
        assert_eq!(att(&rec, 0)["kind"], "email");
        // A deep unencoded chain inside a base64 one (the parser copies that one into owned data).
        let mut deep = String::new();
        for i in 0..2000 {
            deep.push_str(&format!(
                "From: l{i}@b.c\r\nContent-Type: message/rfc822\r\n\r\n"
            ));
        }
        deep.push_str("From: z@b.c\r\n\r\nbottom\r\n");
        let outer = format!("From: a@b.c\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", b64(deep.as_bytes()));
        let rec = parse_checked(outer.as_bytes());
        assert!(
            rec.errors.iter().any(|e| e.contains("too deep")),
            "{:?}",
            rec.errors
        );
        assert_eq!(att(&rec, 0)["kind"], "email");
        // ... and the same chain inside base64 inside base64.
        let twice = format!("From: a@b.c\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", b64(outer.as_bytes()));
        let rec = parse_checked(twice.as_bytes());
        assert!(
            rec.errors.iter().any(|e| e.contains("too deep")),
            "{:?}",
            rec.errors
        );
        // The same chain as one part of a multipart, as phishing reports carry it: the
        // part's raw end runs on over the closing delimiter (found by the e2e test).
        let mixed = format!("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\nContent-Type: Message/RFC822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n", b64(deep.as_bytes()));
        let rec = parse_checked(mixed.as_bytes());
        assert!(
            rec.errors.iter().any(|e| e.contains("too deep")),
            "{:?}",
            rec.errors
        );
        // The worst that passes the guard: three base64 levels, each a 99-deep chain.
        let mut bottom = "From: z@b.c\r\n\r\nbottom\r\n".to_string();
        for _ in 0..3 {
            let mut chain = String::new();
            for i in 0..99 {
                chain.push_str(&format!(
                    "From: l{i}@b.c\r\nContent-Type: message/rfc822\r\n\r\n"
                ));
            }
            chain.push_str(&format!("From: e@b.c\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", b64(bottom.as_bytes())));
            bottom = chain;
        }
        let rec = parse_checked(bottom.as_bytes());
        assert!(rec.errors.is_empty(), "{:?}", rec.errors);
    });
}

fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (n, c) in data.chunks(3).enumerate() {
        let v = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            out.push(if k <= c.len() {
                A[(v >> (18 - 6 * k) & 63) as usize] as char
            } else {
                '='
            });
        }
        if n % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out
}

#[test]
fn ten_thousand_parts() {
    on_wasm_stack(|| {
        let mut m = String::from(
            "From: a@b.c\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary=\"q\"\r\n\r\n",
        );
        for i in 0..10_000 {
            let name = if i % 2 == 0 {
                "same.txt".to_string()
            } else {
                String::new()
            };
            m.push_str(&format!("--q\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n\r\npart {i}\r\n"));
        }
        m.push_str("--q--\r\n");
        let start = std::time::Instant::now();
        let rec = parse_checked(m.as_bytes());
        assert_eq!(rec.files.len(), 10_001);
        assert!(start.elapsed().as_secs() < 20, "names stay linear");
        assert_eq!(att(&rec, 2)["file"], "same-1.txt");
        assert_eq!(file(&rec, "same-1.txt"), b"part 2");
    });
}
