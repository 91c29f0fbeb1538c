//! When usage may be sent: the hour a timestamp falls in, and the window
//! (in the past, not in the future, last month's only until the grace of
//! the new month has passed) each operation accepts.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::errors::{Code, ServiceError};

/// Epoch seconds of `t`.
pub(crate) fn epoch(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// The start of the hour of `timestamp` (epoch seconds).
pub(crate) fn hour_of(timestamp: f64) -> i64 {
    (timestamp.floor() as i64).div_euclid(3600) * 3600
}

/// Refuses a timestamp in the future, more than `window` in the past, or
/// of a month before now's once `month_end` of the new month has passed.
pub(crate) fn check_window(timestamp: f64, now: SystemTime, window: Duration, month_end: Duration) -> Result<(), ServiceError> {
    let now = epoch(now);
    let this_month = crate::time_text::month_start(now.floor() as i64) as f64;
    if timestamp < this_month && now - this_month > month_end.as_secs_f64() {
        return Err(ServiceError::new(
            Code::TimestampOutOfBounds,
            format!("usage of the previous month is accepted only until {} hours into the new month", month_end.as_secs() / 3600),
        ));
    }
    if timestamp > now {
        return Err(ServiceError::new(Code::TimestampOutOfBounds, "Timestamp is in the future"));
    }
    if now - timestamp > window.as_secs_f64() {
        return Err(ServiceError::new(
            Code::TimestampOutOfBounds,
            format!("Timestamp is more than {} hours in the past", window.as_secs() / 3600),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    /// 2023-12-01T00:00:00Z.
    const DECEMBER: f64 = 1_701_388_800.0;

    #[test]
    fn last_months_usage_is_accepted_until_six_in_the_morning_of_the_first() {
        let at = |secs: f64| UNIX_EPOCH + Duration::from_secs_f64(secs);
        let (day, six) = (Duration::from_secs(24 * 3600), Duration::from_secs(6 * 3600));
        let november_night = DECEMBER - 1800.0;
        assert!(check_window(november_night, at(DECEMBER + 6.0 * 3600.0), day, six).is_ok(), "06:00 on the 1st: still accepted");
        let late = check_window(november_night, at(DECEMBER + 6.0 * 3600.0 + 1.0), day, six).unwrap_err();
        assert_eq!(late.code, Code::TimestampOutOfBounds);
        assert!(late.message.contains("previous month"), "{}", late.message);
        assert!(check_window(DECEMBER + 60.0, at(DECEMBER + 7.0 * 3600.0), day, six).is_ok(), "this month's usage keeps its 24 hours");
    }
}
