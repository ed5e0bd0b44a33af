//! Dates without std::time (absent on wasm32-unknown-unknown): xs:dateTime as
//! Exchange writes it, converted to RFC 3339 UTC for outputs.

/// Parses `YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]` into Unix seconds. A time
/// without a zone is taken as UTC, which is how EWS writes UTC values.
pub fn parse_xs_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        z if z.len() == 6
            && z.is_ascii()
            && (z.starts_with('+') || z.starts_with('-'))
            && &z[3..4] == ":" =>
        {
            let oh = num_str(&z[1..3])?;
            let om = num_str(&z[4..6])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if z.starts_with('-') {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), as in Retry-After.
/// RFC 3339 as users write it: like `parse_xs_datetime`, but the zone (`Z`
/// or an offset) is required, so that no one's local time is guessed.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let has_zone =
        s.ends_with(['Z', 'z']) || s.len() > 6 && matches!(s.as_bytes()[s.len() - 6], b'+' | b'-');
    if has_zone {
        parse_xs_datetime(s)
    } else {
        None
    }
}

pub fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| x == month)? + 1;
    let day: u32 = day.parse().ok()?;
    parse_xs_datetime(&format!("{year}-{m:02}-{day:02}T{time}Z"))
}

fn num_str(s: &str) -> Option<i64> {
    s.bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| s.parse().ok())?
}

/// `2026-11-20T08:00:00Z`.
pub fn format_rfc3339_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_utc() {
        assert_eq!(parse_xs_datetime("1970-01-01T00:00:00Z"), Some(0));
        let t = parse_xs_datetime("2026-11-20T08:00:00Z").unwrap();
        assert_eq!(format_rfc3339_utc(t), "2026-11-20T08:00:00Z");
        assert_eq!(format_rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn converts_offsets_and_fractions() {
        let t = parse_xs_datetime("2026-11-20T09:30:00.123+01:30").unwrap();
        assert_eq!(format_rfc3339_utc(t), "2026-11-20T08:00:00Z");
        let t = parse_xs_datetime("2026-12-31T23:00:00-02:00").unwrap();
        assert_eq!(format_rfc3339_utc(t), "2027-01-01T01:00:00Z");
        assert_eq!(
            parse_xs_datetime("2026-11-20T08:00:00"),
            parse_xs_datetime("2026-11-20T08:00:00Z")
        );
    }

    #[test]
    fn refuses_garbage() {
        for s in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-20 08:00:00",
            "2026-11-20T08:00:00+1",
            "２026-11-20T08:00:00Z",
            "2026-11-20T08:00:00.Z",
            "2026-11-20T08:00:00+é:00",
        ] {
            assert_eq!(parse_xs_datetime(s), None, "{s}");
        }
    }
}
