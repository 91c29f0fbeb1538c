//! Smithy's `date-time` text (RFC 3339 in UTC: `1985-04-12T23:20:50.52Z`)
//! read at generation time, for `@default` values of timestamps: the
//! generated code holds the instant as seconds and nanoseconds, so a model
//! whose default is not a real instant is refused before any code exists.

/// Seconds since the Unix epoch and the nanoseconds after them, or `None`
/// when `text` is not a UTC `date-time` (a wrong shape, a month 13, a
/// February 30th, an offset other than `Z`).
pub fn parse(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i).is_some_and(|x| x.eq_ignore_ascii_case(&c));
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    // A leap second (60) has no Unix time of its own.
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut nanos = 0u32;
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 || len > 9 {
            return None;
        }
        let value = fraction[..len].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        nanos = value * 10u32.pow(9 - len as u32);
        rest = &fraction[len..];
    }
    if !rest.eq_ignore_ascii_case(b"Z") {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    Some((days * 86_400 + i64::from(hour * 3600 + minute * 60 + second), nanos))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (counting in 400-year eras, which repeat exactly).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_utc_date_times_with_and_without_fractions() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse("2024-02-29T12:00:00Z"), Some((1_709_208_000, 0)));
        assert_eq!(parse("1985-04-12T23:20:50.52Z"), Some((482_196_050, 520_000_000)));
        assert_eq!(parse("2023-11-14t22:13:20.000000001z"), Some((1_700_000_000, 1)));
        assert_eq!(parse("1969-12-31T23:59:59Z"), Some((-1, 0)));
    }

    #[test]
    fn refuses_what_is_not_an_instant_in_utc() {
        for bad in [
            "",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+01:00",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890Z",
            "+024-01-01T00:00:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
