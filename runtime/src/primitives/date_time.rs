//! `DateTime`: a point in time with nanosecond precision, and its three wire
//! formats (epoch seconds, RFC 3339, HTTP date).
//!
//! The calendar arithmetic is the proleptic Gregorian "days from civil"
//! algorithm, so no date crate is needed.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The textual and numeric forms a timestamp takes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// RFC 3339 `date-time`, e.g. `1985-04-12T23:20:50.52Z`.
    DateTime,
    /// RFC 7231 IMF-fixdate, e.g. `Tue, 29 Apr 2014 18:30:38 GMT`.
    HttpDate,
    /// Seconds since the Unix epoch, with an optional fraction, e.g. `1398796238.123`.
    EpochSeconds,
}

/// A point in time: seconds since the Unix epoch and a sub-second part.
///
/// ```
/// use mpkit_runtime::primitives::{DateTime, DateTimeFormat};
/// let t = DateTime::from_secs(1_700_000_000);
/// assert_eq!(t.fmt(DateTimeFormat::DateTime).unwrap(), "2023-11-14T22:13:20Z");
/// assert_eq!(DateTime::from_str("2023-11-14T22:13:20Z", DateTimeFormat::DateTime).unwrap(), t);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    seconds: i64,
    subsec_nanos: u32,
}

/// A timestamp that could not be parsed or formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeError {
    message: String,
}

impl DateTimeError {
    fn new(message: impl Into<String>) -> Self {
        DateTimeError { message: message.into() }
    }
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DateTimeError {}

const NANOS_PER_SECOND: i128 = 1_000_000_000;

impl DateTime {
    /// Whole seconds since the Unix epoch.
    pub const fn from_secs(seconds: i64) -> Self {
        DateTime { seconds, subsec_nanos: 0 }
    }

    /// Milliseconds since the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        let seconds = millis.div_euclid(1000);
        let subsec_nanos = (millis.rem_euclid(1000) * 1_000_000) as u32;
        DateTime { seconds, subsec_nanos }
    }

    /// Nanoseconds since the Unix epoch.
    pub fn from_nanos(nanos: i128) -> Result<Self, DateTimeError> {
        let seconds = i64::try_from(nanos.div_euclid(NANOS_PER_SECOND)).map_err(|_| DateTimeError::new("timestamp out of range"))?;
        Ok(DateTime { seconds, subsec_nanos: nanos.rem_euclid(NANOS_PER_SECOND) as u32 })
    }

    /// Whole seconds plus a fraction of a second (which may be negative or above one).
    pub fn from_fractional_secs(seconds: i64, fraction: f64) -> Self {
        // Casts saturate and the sums are checked, so no input can overflow.
        let nanos = (fraction * 1e9).round() as i128;
        (seconds as i128)
            .checked_mul(NANOS_PER_SECOND)
            .and_then(|n| n.checked_add(nanos))
            .and_then(|n| Self::from_nanos(n).ok())
            .unwrap_or(DateTime { seconds, subsec_nanos: 0 })
    }

    /// Seconds since the epoch as a float, rounded to the nearest microsecond
    /// so that wire values such as `1.2` come back as written.
    ///
    /// Values beyond the range of `i64` seconds saturate; NaN is the epoch.
    pub fn from_secs_f64(seconds: f64) -> Self {
        if seconds.is_nan() {
            return DateTime::from_secs(0);
        }
        let micros = (seconds * 1e6).round() as i128;
        micros.checked_mul(1000).and_then(|n| Self::from_nanos(n).ok()).unwrap_or(DateTime { seconds: seconds as i64, subsec_nanos: 0 })
    }

    /// [`from_secs_f64`](Self::from_secs_f64) for data from outside: NaN,
    /// infinities and values beyond the range of `i64` seconds are errors
    /// instead of saturating.
    pub fn try_from_secs_f64(seconds: f64) -> Result<Self, DateTimeError> {
        // 2^63 is the first value past i64::MAX seconds; the bounds are exact in f64.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if !(-LIMIT..LIMIT).contains(&seconds) {
            return Err(DateTimeError::new(format!("{seconds} epoch seconds are outside the representable range")));
        }
        Ok(Self::from_secs_f64(seconds))
    }

    /// Whole seconds since the epoch (rounded down).
    pub const fn secs(&self) -> i64 {
        self.seconds
    }

    /// Nanoseconds past [`DateTime::secs`].
    pub const fn subsec_nanos(&self) -> u32 {
        self.subsec_nanos
    }

    /// Seconds since the epoch as a float.
    pub fn as_secs_f64(&self) -> f64 {
        self.seconds as f64 + self.subsec_nanos as f64 / 1e9
    }

    /// Milliseconds since the epoch (rounded down).
    pub fn to_millis(&self) -> Result<i64, DateTimeError> {
        self.seconds
            .checked_mul(1000)
            .and_then(|ms| ms.checked_add((self.subsec_nanos / 1_000_000) as i64))
            .ok_or_else(|| DateTimeError::new("timestamp does not fit in milliseconds"))
    }

    /// True when there is a sub-second part.
    pub const fn has_subsec_nanos(&self) -> bool {
        self.subsec_nanos != 0
    }

    /// Formats the timestamp in `format`.
    pub fn fmt(&self, format: Format) -> Result<String, DateTimeError> {
        match format {
            Format::EpochSeconds => Ok(self.epoch_seconds_text()),
            Format::DateTime => {
                let (y, mo, d, h, mi, s) = self.civil()?;
                let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
                if self.subsec_nanos != 0 {
                    let frac = format!("{:09}", self.subsec_nanos);
                    out.push('.');
                    out.push_str(frac.trim_end_matches('0'));
                }
                out.push('Z');
                Ok(out)
            }
            Format::HttpDate => {
                let (y, mo, d, h, mi, s) = self.civil()?;
                let weekday = WEEKDAYS[(self.seconds.div_euclid(86_400) + 4).rem_euclid(7) as usize];
                let mut out = format!("{weekday}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02}", MONTHS[mo as usize - 1]);
                if self.subsec_nanos != 0 {
                    let frac = format!("{:09}", self.subsec_nanos);
                    out.push('.');
                    out.push_str(&frac[..3]);
                }
                out.push_str(" GMT");
                Ok(out)
            }
        }
    }

    /// Seconds with the shortest fraction that keeps the value, e.g. `1.5`.
    fn epoch_seconds_text(&self) -> String {
        if self.subsec_nanos == 0 {
            return self.seconds.to_string();
        }
        // Before the epoch the fraction counts back from the next whole second.
        let (sign, whole, nanos) = if self.seconds < 0 {
            ("-", (self.seconds + 1).unsigned_abs(), 1_000_000_000 - self.subsec_nanos)
        } else {
            ("", self.seconds as u64, self.subsec_nanos)
        };
        let frac = format!("{nanos:09}");
        format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
    }

    /// Parses `text` in `format`.
    pub fn from_str(text: &str, format: Format) -> Result<Self, DateTimeError> {
        match format {
            Format::EpochSeconds => parse_epoch(text),
            Format::DateTime => parse_rfc3339(text),
            Format::HttpDate => parse_http_date(text),
        }
    }

    fn civil(&self) -> Result<(i64, u32, u32, u32, u32, u32), DateTimeError> {
        let parts = self.civil_parts();
        if !(0..=9999).contains(&parts.0) {
            return Err(DateTimeError::new(format!("year {} cannot be formatted", parts.0)));
        }
        Ok(parts)
    }

    /// Year, month, day, hour, minute and second, for any representable
    /// instant (the year may have more than four digits or be negative).
    pub(crate) fn civil_parts(&self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn parse_epoch(text: &str) -> Result<DateTime, DateTimeError> {
    let bad = || DateTimeError::new(format!("`{text}` is not a number of epoch seconds"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    // Whole seconds, what services send, of up to 18 digits cannot overflow.
    if (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        let n = digits.bytes().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        return Ok(DateTime::from_secs(if negative { -n } else { n }));
    }
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let out_of_range = || DateTimeError::new(format!("`{text}` epoch seconds are outside the representable range"));
    // Twenty digits is already past i64 seconds, so a longer number is out of range, not malformed;
    // a shorter one fits an i128 even after the multiplication below.
    if whole.len() > 20 {
        return Err(out_of_range());
    }
    let whole: i128 = whole.parse().map_err(|_| bad())?;
    let mut nanos: i128 = 0;
    for (i, b) in frac.bytes().take(9).enumerate() {
        nanos += (b - b'0') as i128 * 10i128.pow(8 - i as u32);
    }
    let total = whole * NANOS_PER_SECOND + nanos;
    DateTime::from_nanos(if negative { -total } else { total }).map_err(|_| out_of_range())
}

/// A tiny cursor over ASCII text for the two date grammars.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.text.get(self.pos..self.pos + n)?;
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.pos += n;
        s.parse().ok()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.text.as_bytes().get(self.pos) == Some(&c)).then(|| self.pos += 1)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn fraction(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = self.text.get(start..self.pos)?;
        if digits.is_empty() {
            return None;
        }
        let mut nanos = 0u32;
        for (i, b) in digits.bytes().take(9).enumerate() {
            nanos += (b - b'0') as u32 * 10u32.pow(8 - i as u32);
        }
        Some(nanos)
    }

    fn word(&mut self, n: usize) -> Option<&'a str> {
        let s = self.text.get(self.pos..self.pos + n)?;
        self.pos += n;
        Some(s)
    }
}

/// A checked civil date and time of day, less a UTC offset in seconds.
fn assemble((y, mo, d): (i64, u32, u32), (h, mi, s): (u32, u32, u32), nanos: u32, offset: i64) -> Option<DateTime> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // A leap second is folded into the next second, as most clocks do.
    let seconds = days_from_civil(y, mo, d) * 86_400 + (h * 3600 + mi * 60 + s) as i64 - offset;
    Some(DateTime { seconds, subsec_nanos: nanos })
}

fn parse_rfc3339(text: &str) -> Result<DateTime, DateTimeError> {
    let parse = || -> Option<DateTime> {
        let mut c = Cursor { text, pos: 0 };
        let y = c.digits(4)? as i64;
        c.expect(b'-')?;
        let mo = c.digits(2)?;
        c.expect(b'-')?;
        let d = c.digits(2)?;
        match c.peek()? {
            b'T' | b't' | b' ' => c.pos += 1,
            _ => return None,
        }
        let h = c.digits(2)?;
        c.expect(b':')?;
        let mi = c.digits(2)?;
        c.expect(b':')?;
        let s = c.digits(2)?;
        let nanos = if c.peek() == Some(b'.') {
            c.pos += 1;
            c.fraction()?
        } else {
            0
        };
        let offset = match c.peek()? {
            b'Z' | b'z' => {
                c.pos += 1;
                0
            }
            sign @ (b'+' | b'-') => {
                c.pos += 1;
                let oh = c.digits(2)? as i64;
                c.expect(b':')?;
                let om = c.digits(2)? as i64;
                let off = oh * 3600 + om * 60;
                if sign == b'+' {
                    off
                } else {
                    -off
                }
            }
            _ => return None,
        };
        if c.pos != text.len() {
            return None;
        }
        assemble((y, mo, d), (h, mi, s), nanos, offset)
    };
    parse().ok_or_else(|| DateTimeError::new(format!("`{text}` is not an RFC 3339 date-time")))
}

fn parse_http_date(text: &str) -> Result<DateTime, DateTimeError> {
    let parse = || -> Option<DateTime> {
        let mut c = Cursor { text, pos: 0 };
        let weekday = c.word(3)?;
        if !WEEKDAYS.contains(&weekday) {
            return None;
        }
        c.expect(b',')?;
        c.expect(b' ')?;
        let d = c.digits(2)?;
        c.expect(b' ')?;
        let mon = c.word(3)?;
        let mo = MONTHS.iter().position(|m| *m == mon)? as u32 + 1;
        c.expect(b' ')?;
        let y = c.digits(4)? as i64;
        c.expect(b' ')?;
        let h = c.digits(2)?;
        c.expect(b':')?;
        let mi = c.digits(2)?;
        c.expect(b':')?;
        let s = c.digits(2)?;
        let nanos = if c.peek() == Some(b'.') {
            c.pos += 1;
            c.fraction()?
        } else {
            0
        };
        if text.get(c.pos..) != Some(" GMT") {
            return None;
        }
        assemble((y, mo, d), (h, mi, s), nanos, 0)
    };
    parse().ok_or_else(|| DateTimeError::new(format!("`{text}` is not an HTTP date")))
}

impl From<SystemTime> for DateTime {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => DateTime { seconds: d.as_secs() as i64, subsec_nanos: d.subsec_nanos() },
            Err(e) => {
                let d = e.duration();
                DateTime::from_nanos(-(d.as_nanos() as i128)).unwrap_or(DateTime::from_secs(i64::MIN))
            }
        }
    }
}

impl TryFrom<DateTime> for SystemTime {
    type Error = DateTimeError;

    fn try_from(t: DateTime) -> Result<Self, DateTimeError> {
        let out_of_range = || DateTimeError::new("timestamp is outside what SystemTime can hold");
        if t.seconds >= 0 {
            UNIX_EPOCH.checked_add(Duration::new(t.seconds as u64, t.subsec_nanos)).ok_or_else(out_of_range)
        } else {
            let nanos = -(t.seconds as i128 * NANOS_PER_SECOND + t.subsec_nanos as i128);
            UNIX_EPOCH.checked_sub(Duration::from_nanos(u64::try_from(nanos).map_err(|_| out_of_range())?)).ok_or_else(out_of_range)
        }
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fmt(Format::DateTime) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "DateTime({}s, {}ns)", self.seconds, self.subsec_nanos),
        }
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339_and_http_date() {
        let cases = [
            (0, 0, "1970-01-01T00:00:00Z", "Thu, 01 Jan 1970 00:00:00 GMT"),
            (1_398_796_238, 0, "2014-04-29T18:30:38Z", "Tue, 29 Apr 2014 18:30:38 GMT"),
            (1_398_796_238, 123_000_000, "2014-04-29T18:30:38.123Z", "Tue, 29 Apr 2014 18:30:38.123 GMT"),
            (951_782_400, 0, "2000-02-29T00:00:00Z", "Tue, 29 Feb 2000 00:00:00 GMT"),
            (-1, 0, "1969-12-31T23:59:59Z", "Wed, 31 Dec 1969 23:59:59 GMT"),
        ];
        for (secs, nanos, rfc, http) in cases {
            let t = DateTime { seconds: secs, subsec_nanos: nanos };
            assert_eq!(t.fmt(Format::DateTime).unwrap(), rfc);
            assert_eq!(t.fmt(Format::HttpDate).unwrap(), http);
            assert_eq!(DateTime::from_str(rfc, Format::DateTime).unwrap(), t);
            assert_eq!(DateTime::from_str(http, Format::HttpDate).unwrap(), t);
        }
    }

    #[test]
    fn parses_offsets_and_refuses_nonsense() {
        let t = DateTime::from_str("2019-12-16T23:48:18+01:00", Format::DateTime).unwrap();
        assert_eq!(t.fmt(Format::DateTime).unwrap(), "2019-12-16T22:48:18Z");
        for bad in ["2019-02-30T00:00:00Z", "2019-12-16 23:48", "2019-12-16T23:48:18", "x", ""] {
            assert!(DateTime::from_str(bad, Format::DateTime).is_err(), "{bad}");
        }
        assert!(DateTime::from_str("Mon, 29 Apr 2014 18:30:38 UTC", Format::HttpDate).is_err());
    }

    #[test]
    fn epoch_seconds() {
        assert_eq!(DateTime::from_str("1398796238.5", Format::EpochSeconds).unwrap(), DateTime::from_millis(1_398_796_238_500));
        assert_eq!(DateTime::from_str("-1.5", Format::EpochSeconds).unwrap(), DateTime::from_millis(-1500));
        assert_eq!(DateTime::from_millis(-1500).fmt(Format::EpochSeconds).unwrap(), "-1.5");
        assert_eq!(DateTime::from_millis(-500).fmt(Format::EpochSeconds).unwrap(), "-0.5");
        assert_eq!(DateTime::from_secs_f64(1.2).fmt(Format::EpochSeconds).unwrap(), "1.2");
        assert_eq!(DateTime::from_fractional_secs(10, 0.25).as_secs_f64(), 10.25);
        assert!(DateTime::from_str("1e3", Format::EpochSeconds).is_err());
        // Out-of-range values saturate instead of overflowing.
        assert_eq!(DateTime::from_secs_f64(f64::INFINITY).secs(), i64::MAX);
        assert_eq!(DateTime::from_secs_f64(1e300).secs(), i64::MAX);
        assert_eq!(DateTime::from_secs_f64(-1e300).secs(), i64::MIN);
        assert_eq!(DateTime::from_secs_f64(f64::NAN), DateTime::from_secs(0));
        assert_eq!(DateTime::from_fractional_secs(i64::MAX, 0.9).secs(), i64::MAX);
    }

    #[test]
    fn timestamps_out_of_range_are_errors_in_every_parser() {
        // Each of these overflowed the nanosecond product (a panic in debug builds).
        for text in
            ["9".repeat(30), format!("-{}", "9".repeat(30)), "9".repeat(40), "99999999999999999999.5".into(), "9223372036854775808".into()]
        {
            let err = DateTime::from_str(&text, Format::EpochSeconds).unwrap_err();
            assert!(err.to_string().contains("outside the representable range"), "{text}: {err}");
        }
        assert_eq!(DateTime::from_str("9223372036854775807", Format::EpochSeconds).unwrap().secs(), i64::MAX);
        assert_eq!(DateTime::from_str("-9223372036854775808", Format::EpochSeconds).unwrap().secs(), i64::MIN);
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e19, -1e19, 9.3e18] {
            assert!(DateTime::try_from_secs_f64(f).is_err(), "{f}");
        }
        assert_eq!(DateTime::try_from_secs_f64(1.5).unwrap(), DateTime::from_millis(1500));
        // The date grammars have four-digit years, so their range is always representable; broken text is an error, not a panic.
        for text in ["9999-12-31T23:59:60.999999999999Z", "0000-01-01T00:00:00Z"] {
            assert!(DateTime::from_str(text, Format::DateTime).is_ok(), "{text}");
        }
        for text in ["Fri, 31 Dec 9999 23:59:59 GMTé", "Fri, 31 Dec 9999 23:59:59.é GMT", "Fri, 31 Dec 9999 23:59:5é"] {
            assert!(DateTime::from_str(text, Format::HttpDate).is_err(), "{text}");
        }
        // Formatting never fails for the parts a signer needs, whatever the year.
        assert!((1..=12).contains(&DateTime::from_secs(i64::MAX).civil_parts().1));
        assert!(DateTime::from_secs(i64::MIN).civil_parts().0 < 0);
    }

    #[test]
    fn system_time_round_trip() {
        let now = DateTime::from_millis(1_700_000_000_123);
        let st: SystemTime = now.try_into().unwrap();
        assert_eq!(DateTime::from(st), now);
    }
}
