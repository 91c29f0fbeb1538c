//! When hours close, how long the service accepts them, when to warn, and
//! how long to wait before trying again: pure functions of the settings
//! and the time, so tests can walk through days in microseconds.

use std::time::Duration;

use mpkit_metering::primitives::{DateTime, DateTimeFormat};

use crate::usage::Route;

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;

/// The start of the UTC hour holding `ms` (epoch milliseconds).
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// The start (epoch ms) of the UTC month after the one holding `ms`;
/// `i64::MAX` for a time the calendar cannot name (before year 0 or after
/// 9999). The SDK's own date-time text does the calendar arithmetic.
pub fn next_month_start(ms: i64) -> i64 {
    let Ok(text) = DateTime::from_millis(ms.div_euclid(HOUR_MS) * HOUR_MS).fmt(DateTimeFormat::DateTime) else { return i64::MAX };
    let (Some(year), Some(month)) =
        (text.get(0..4).and_then(|y| y.parse::<i64>().ok()), text.get(5..7).and_then(|m| m.parse::<i64>().ok()))
    else {
        return i64::MAX;
    };
    let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    DateTime::from_str(&format!("{year:04}-{month:02}-01T00:00:00Z"), DateTimeFormat::DateTime)
        .ok()
        .and_then(|t| t.to_millis().ok())
        .unwrap_or(i64::MAX)
}

/// The meter's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// How long after an hour ends it stays open for late records before it is sealed.
    pub grace: Duration,
    /// How far in the past BatchMeterUsage accepts a record (the newest documentation: 24 hours).
    pub batch_window: Duration,
    /// How far in the past MeterUsage accepts a record (the API reference: 6 hours).
    pub meter_usage_window: Duration,
    /// How long into a month the service still accepts the previous month's
    /// usage (BatchMeterUsage's documentation: until 06:00 UTC on the 1st),
    /// whatever the window.
    pub month_end: Duration,
    /// How long before its window closes an unsent hour raises a warning.
    pub warn_before: Duration,
    /// Requests per second, shared by every meter on one store: the service's rate per account (10 by default).
    pub requests_per_second: u32,
    /// How long a flusher holds the hours it claimed before another may take them over.
    pub lease: Duration,
    /// The first wait before trying an hour again; doubled each attempt up to `max_backoff`.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            grace: Duration::from_secs(10 * 60),
            batch_window: Duration::from_secs(24 * 3600),
            meter_usage_window: Duration::from_secs(6 * 3600),
            month_end: Duration::from_secs(6 * 3600),
            warn_before: Duration::from_secs(2 * 3600),
            requests_per_second: 10,
            lease: Duration::from_secs(60),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5 * 60),
        }
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Policy {
    /// The accepted window of a route.
    pub fn window(&self, route: Route) -> Duration {
        match route {
            Route::Batch => self.batch_window,
            Route::MeterUsage => self.meter_usage_window,
        }
    }

    /// Hours starting before this (epoch ms) are closed at `now`.
    pub fn closed_before(&self, now_ms: i64) -> i64 {
        now_ms.saturating_sub(ms(self.grace)).saturating_sub(HOUR_MS) + 1
    }

    /// The last time (epoch ms) the service accepts the hour starting at
    /// `hour`: its window's end, or `month_end` into the next month when
    /// that comes first.
    pub fn deadline(&self, route: Route, hour: i64) -> i64 {
        hour.saturating_add(ms(self.window(route))).min(next_month_start(hour).saturating_add(ms(self.month_end)))
    }

    /// Whether the service no longer accepts the hour starting at `hour` (epoch ms) at `now`.
    pub fn expired(&self, route: Route, hour: i64, now_ms: i64) -> bool {
        now_ms > self.deadline(route, hour)
    }

    /// Whether the hour is within [`Policy::warn_before`] of its deadline at `now`.
    pub fn nearing_deadline(&self, route: Route, hour: i64, now_ms: i64) -> bool {
        now_ms > self.deadline(route, hour).saturating_sub(ms(self.warn_before))
    }

    /// How long to wait after the `attempts`th failed attempt, with `jitter` in `[0, 1)` drawn by the caller.
    pub fn backoff(&self, attempts: u32, jitter: f64) -> Duration {
        let doubled = self.first_backoff.saturating_mul(1u32 << attempts.min(20).saturating_sub(1));
        let capped = doubled.min(self.max_backoff);
        // Full jitter over the upper half keeps retries of many hours from arriving together.
        capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_closes_after_it_ends_plus_the_grace() {
        let p = Policy { grace: Duration::from_secs(600), ..Policy::default() };
        let ten = 10 * HOUR_MS;
        assert_eq!(hour_of(ten + 59 * 60_000), ten);
        assert_eq!(hour_of(-1), -HOUR_MS, "before 1970 still floors");
        // The 10:00 hour is closed from 11:10 on, not a millisecond before.
        assert!(ten >= p.closed_before(ten + HOUR_MS + 600_000 - 1));
        assert!(ten < p.closed_before(ten + HOUR_MS + 600_000));
    }

    #[test]
    fn windows_warnings_and_backoff() {
        let p = Policy::default();
        let hour = 100 * HOUR_MS;
        assert!(!p.expired(Route::Batch, hour, hour + 24 * HOUR_MS));
        assert!(p.expired(Route::Batch, hour, hour + 24 * HOUR_MS + 1));
        assert!(p.expired(Route::MeterUsage, hour, hour + 6 * HOUR_MS + 1));
        assert!(!p.nearing_deadline(Route::Batch, hour, hour + 22 * HOUR_MS));
        assert!(p.nearing_deadline(Route::Batch, hour, hour + 22 * HOUR_MS + 1));
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(p.backoff(3, 1.0), Duration::from_secs(4));
        assert_eq!(p.backoff(3, 0.0), Duration::from_secs(2));
        assert_eq!(p.backoff(40, 1.0), Duration::from_secs(300), "capped");
    }

    #[test]
    fn last_months_usage_is_due_by_six_in_the_morning_of_the_first() {
        // 2023-12-01T00:00:00Z, 2024-01-01, 2024-03-01 (a leap year's February).
        let (december, january, march) = (1_701_388_800_000, 1_704_067_200_000, 1_709_251_200_000);
        assert_eq!(next_month_start(december - 1), december);
        assert_eq!(next_month_start(december), january, "December's next month is next year's January");
        assert_eq!(next_month_start(march - HOUR_MS), march);
        assert_eq!(next_month_start(-1), 0, "December 1969");
        let p = Policy::default();
        let last_hour = december - HOUR_MS;
        assert_eq!(p.deadline(Route::Batch, last_hour), december + 6 * HOUR_MS, "not 24 hours: 06:00 on the 1st");
        assert!(!p.expired(Route::Batch, last_hour, december + 6 * HOUR_MS));
        assert!(p.expired(Route::Batch, last_hour, december + 6 * HOUR_MS + 1));
        assert!(p.nearing_deadline(Route::Batch, last_hour, december + 4 * HOUR_MS + 1));
        assert_eq!(p.deadline(Route::Batch, december), december + 24 * HOUR_MS, "this month's hours keep their window");
        assert_eq!(p.deadline(Route::MeterUsage, last_hour), december + 5 * HOUR_MS, "MeterUsage's 6 hours end first");
    }
}
