//! Date-times as exports write them, for rules that compare ages (the last backup, a job's start).
//!
//! Exports carry dates in whatever form the exporting tool and the computer's culture chose:
//! ISO 8601 from `CONVERT(..., 126)` or PowerShell 7, `yyyy-mm-dd hh:mm:ss.fff` from sqlcmd,
//! `\/Date(ms)\/` from Windows PowerShell 5.1's `ConvertTo-Json`, `11/20/2026 10:15:03 PM` from
//! `Export-Csv` on an en-US computer, `20.11.2026 22:15:03` on a German one. A date whose day
//! and month cannot be told apart (`03/04/2026` without AM/PM) is refused rather than guessed:
//! a wrong guess moves a backup by months.

/// Seconds since 1970-01-01 00:00:00 (UTC when the text has an offset; the exporting
/// computer's local time otherwise), or `None` when the text is no date-time this reads.
pub fn parse(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(ms) = t
        .strip_prefix("\\/Date(")
        .or_else(|| t.strip_prefix("/Date("))
        .and_then(|r| r.strip_suffix(")\\/").or_else(|| r.strip_suffix(")/")))
    {
        // `1700000000000+0100`: the offset only tells how the value was displayed.
        let digits = ms
            .char_indices()
            .find(|&(i, c)| i > 0 && (c == '+' || c == '-'))
            .map_or(ms, |(i, _)| &ms[..i]);
        return digits.parse::<i64>().ok().map(|ms| ms.div_euclid(1000));
    }
    let (date, rest) = t
        .split_once(['T', ' '])
        .map_or((t, ""), |(d, r)| (d, r.trim()));
    let (year, month, day) = date_part(date, rest)?;
    let (seconds, offset) = time_part(rest)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + seconds - offset)
}

fn date_part(date: &str, rest: &str) -> Option<(i64, i64, i64)> {
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    if let [y, m, d] = date.split('-').collect::<Vec<_>>()[..] {
        return (y.len() == 4).then_some((num(y)?, num(m)?, num(d)?));
    }
    if let [d, m, y] = date.split('.').collect::<Vec<_>>()[..] {
        return (y.len() == 4).then_some((num(y)?, num(m)?, num(d)?));
    }
    let [a, b, y] = date.split('/').collect::<Vec<_>>()[..] else {
        return None;
    };
    let (a, b, y) = (num(a)?, num(b)?, num(y)?);
    let twelve_hour = {
        let r = rest.to_ascii_uppercase();
        r.ends_with("AM") || r.ends_with("PM")
    };
    if y < 1000 {
        return None;
    }
    // en-US writes month first and a 12-hour clock; a part above 12 settles the rest.
    if twelve_hour || b > 12 {
        Some((y, a, b))
    } else if a > 12 {
        Some((y, b, a))
    } else {
        None
    }
}

/// Seconds into the day and the UTC offset in seconds.
fn time_part(rest: &str) -> Option<(i64, i64)> {
    if rest.is_empty() {
        return Some((0, 0));
    }
    let upper = rest.to_ascii_uppercase();
    let (clock, pm) = if let Some(c) = upper.strip_suffix("PM") {
        (c.trim().to_owned(), Some(true))
    } else if let Some(c) = upper.strip_suffix("AM") {
        (c.trim().to_owned(), Some(false))
    } else {
        (upper, None)
    };
    let (clock, offset) = if let Some(c) = clock.strip_suffix('Z') {
        (c.to_owned(), 0)
    } else if let Some(i) = clock.rfind(['+', '-']).filter(|&i| i >= 5) {
        let (h, m) = clock[i + 1..]
            .split_once(':')
            .unwrap_or((&clock[i + 1..], "0"));
        let sign = if clock.as_bytes()[i] == b'-' { -1 } else { 1 };
        let minutes = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
        (clock[..i].to_owned(), sign * minutes * 60)
    } else {
        (clock, 0)
    };
    let mut parts = clock.split(':');
    let hour: i64 = parts.next()?.trim().parse().ok()?;
    let minute: i64 = parts.next()?.trim().parse().ok()?;
    let second: i64 = match parts.next() {
        // Fractions of a second do not matter for ages in hours.
        Some(s) => s.split(['.', ',']).next()?.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || minute > 59 || second > 60 {
        return None;
    }
    let hour = match pm {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(true) => hour % 12 + 12,
        Some(false) => hour % 12,
        None if hour > 23 => return None,
        None => hour,
    };
    Some((hour * 3600 + minute * 60 + second, offset))
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

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse;

    const NOV_20_2026_2215: i64 = 1_795_212_900;

    #[test]
    fn the_forms_exports_use_agree() {
        for text in [
            "2026-11-20T22:15:00",
            "2026-11-20T22:15:00.123",
            "2026-11-20 22:15:00.000",
            "2026-11-20T23:15:00+01:00",
            "2026-11-20T22:15:00Z",
            "11/20/2026 10:15:00 PM",
            "20/11/2026 22:15:00",
            "20.11.2026 22:15:00",
            "\\/Date(1795212900000)\\/",
            "/Date(1795212900000+0100)/",
        ] {
            assert_eq!(parse(text), Some(NOV_20_2026_2215), "{text}");
        }
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2024-02-29 00:00:00"), Some(1_709_164_800));
        assert_eq!(
            parse("12/01/2026 12:30:00 AM"),
            parse("2026-12-01T00:30:00")
        );
        assert_eq!(
            parse("12/01/2026 12:30:00 PM"),
            parse("2026-12-01T12:30:00")
        );
    }

    #[test]
    fn ambiguous_or_impossible_dates_are_refused() {
        for text in [
            "03/04/2026 10:00:00",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-11-20 24:00:00",
            "11/20/2026 13:15:00 PM",
            "yesterday",
            "",
            "2026-11",
            "\\/Date(abc)\\/",
            "20/11/26 22:15",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
