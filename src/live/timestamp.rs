//! One canonical text for a proxy timestamp. Ownership proofs are bound to a server's
//! `created_at`, and the proxy may write the same instant in several ways (`Z` or
//! `+00:00`, three or six fractional digits) depending on the endpoint and version;
//! a proof must not depend on which one mcpform happened to read.

/// `created_at` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC (microseconds, what the proxy
/// stores). Text that is not an ISO-8601 date and time is kept as it is (trimmed): a
/// proof over it still binds the server, as long as the proxy repeats it.
pub(crate) fn canonical_timestamp(text: &str) -> String {
    let text = text.trim();
    parse(text).map_or_else(
        || text.to_owned(),
        |(secs, micros)| rfc3339(secs, Some(micros)),
    )
}

/// Seconds since the epoch (UTC) and microseconds.
fn parse(text: &str) -> Option<(i64, u32)> {
    let bytes = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = digits(0, 4)?;
    let month = digits(5, 2)?;
    let day = digits(8, 2)?;
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| bytes.get(i) != Some(&c))
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut micros: u32 = 0;
    if let Some(fraction) = rest.strip_prefix(['.', ',']) {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let kept: String = fraction[..n]
            .chars()
            .chain("000000".chars())
            .take(6)
            .collect();
        micros = kept.parse().ok()?;
        rest = &fraction[n..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let hm = rest[1..].replace(':', "");
            if hm.len() != 4 || !hm.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h: i64 = hm[..2].parse().ok()?;
            let m: i64 = hm[2..].parse().ok()?;
            sign * (h * 3_600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some((
        days * 86_400 + hour * 3_600 + minute * 60 + second - offset,
        micros,
    ))
}

/// Howard Hinnant's days from the civil calendar: days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch as RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SSZ`, or with
/// `.ffffff` before the `Z` when `micros` is given. The one writer of dates in mcpform.
pub(crate) fn rfc3339(secs: i64, micros: Option<u32>) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-from-civil, inverted: exact for the proleptic Gregorian
    // calendar, no time crate needed for a few timestamps.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let fraction = micros.map_or_else(String::new, |m| format!(".{m:06}"));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_instant_written_several_ways_is_one_text() {
        let canonical = "2026-12-08T00:27:40.655000Z";
        for written in [
            "2026-12-08T00:27:40.655000Z",
            "2026-12-08T00:27:40.655Z",
            "2026-12-08T00:27:40.655000+00:00",
            "2026-12-08 00:27:40.655",
            "2026-12-08T02:27:40.655+02:00",
            "2026-12-07T23:27:40.655-01:00",
            " 2026-12-08T00:27:40.6550001Z ",
        ] {
            assert_eq!(canonical_timestamp(written), canonical, "{written}");
        }
        assert_eq!(
            canonical_timestamp("2000-02-29T00:00:00Z"),
            "2000-02-29T00:00:00.000000Z"
        );
        assert_ne!(
            canonical_timestamp("2026-12-08T00:27:40.655001Z"),
            canonical
        );
        // Not a timestamp: kept, so a proof still binds to it.
        assert_eq!(canonical_timestamp("yesterday"), "yesterday");
        assert_eq!(
            canonical_timestamp("2026-13-08T00:00:00Z"),
            "2026-13-08T00:00:00Z"
        );
    }
}
