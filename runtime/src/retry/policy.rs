//! Retry policy as pure functions: which failures are retried, how long to
//! wait before the next attempt, and whether there is a next attempt.

use std::time::Duration;

use super::quota::{RETRY_COST, TIMEOUT_RETRY_COST};
use super::RetryConfig;

/// Error codes that mean "slow down".
pub const THROTTLING_CODES: [&str; 14] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes of passing failures.
pub const TRANSIENT_CODES: [&str; 2] = ["RequestTimeout", "RequestTimeoutException"];

/// Error codes that say the request's signing time is too far from the
/// service's clock.
pub const CLOCK_SKEW_CODES: [&str; 6] =
    ["RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"];

/// A skew smaller than this cannot explain a rejected signature (AWS allows
/// five minutes), so it is not corrected.
pub const SIGNIFICANT_SKEW: std::time::Duration = std::time::Duration::from_secs(60);

/// A service clock further than this from ours is not believed: a `Date`
/// header a day or more away is a broken or hostile server, not skew, and
/// signing with it would only break every later call of the configuration.
pub const MAX_BELIEVABLE_SKEW: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// The skew to adopt, in milliseconds (the service's clock minus ours), when
/// a request was rejected as mistimed: `None` when the difference from the
/// skew already applied is too small to explain the rejection, or when the
/// service's clock is not believable (see [`MAX_BELIEVABLE_SKEW`]).
pub fn learned_skew_ms(server_secs: f64, ours_secs: f64, applied_ms: i64) -> Option<i64> {
    let skew_ms = (server_secs - ours_secs) * 1000.0;
    if !skew_ms.is_finite() || skew_ms.abs() > MAX_BELIEVABLE_SKEW.as_millis() as f64 {
        return None;
    }
    if (skew_ms - applied_ms as f64).abs() < SIGNIFICANT_SKEW.as_millis() as f64 {
        return None;
    }
    Some(skew_ms as i64)
}

/// HTTP statuses of passing server failures.
pub const TRANSIENT_STATUSES: [u16; 4] = [500, 502, 503, 504];

/// Why a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// The service asked the client to slow down.
    Throttling,
    /// A passing failure: a 5xx, a transient code, a broken connection.
    Transient,
    /// A timed-out attempt.
    Timeout,
}

/// Classifies a service error by its code, its HTTP status and the model's
/// `@retryable` errors (`(code, throttling)` pairs).
pub fn classify_service_error(code: Option<&str>, status: u16, modeled: &[(&str, bool)]) -> Option<RetryKind> {
    if let Some(code) = code {
        if THROTTLING_CODES.contains(&code) {
            return Some(RetryKind::Throttling);
        }
        if TRANSIENT_CODES.contains(&code) {
            return Some(RetryKind::Transient);
        }
        if let Some((_, throttling)) = modeled.iter().find(|(c, _)| *c == code) {
            return Some(if *throttling { RetryKind::Throttling } else { RetryKind::Transient });
        }
    }
    TRANSIENT_STATUSES.contains(&status).then_some(RetryKind::Transient)
}

/// The wait before attempt `attempt + 1` (`attempt` counts from 1): full
/// jitter over an exponential bound, `jitter` in `[0, 1)`.
pub fn backoff(attempt: u32, initial: Duration, max: Duration, jitter: f64) -> Duration {
    let exp = 2f64.powi(attempt.saturating_sub(1).min(62) as i32);
    let bound = (initial.as_secs_f64() * exp).min(max.as_secs_f64());
    Duration::from_secs_f64(bound * jitter.clamp(0.0, 1.0))
}

/// What the request loop does after attempt `attempt` failed in a way that
/// may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Take `cost` tokens from the retry quota, wait, and send the next attempt.
    Retry {
        /// The tokens the retry costs.
        cost: u32,
        /// The backoff before the next attempt.
        wait: Duration,
    },
    /// Stop: the attempt was the last one allowed.
    AttemptsExhausted,
    /// Stop: the retry quota cannot pay for another attempt.
    QuotaExhausted,
}

/// The decision after a retryable failure of kind `kind` on attempt
/// `attempt` (from 1), with `quota_available` tokens left and `jitter` in
/// `[0, 1)`. A timeout costs more of the quota than other failures: it held
/// a connection for the whole attempt.
pub fn next_step(kind: RetryKind, attempt: u32, retry: &RetryConfig, quota_available: u32, jitter: f64) -> NextStep {
    if attempt >= retry.max_attempts() {
        return NextStep::AttemptsExhausted;
    }
    let cost = if kind == RetryKind::Timeout { TIMEOUT_RETRY_COST } else { RETRY_COST };
    if quota_available < cost {
        return NextStep::QuotaExhausted;
    }
    NextStep::Retry { cost, wait: backoff(attempt, retry.initial_backoff(), retry.max_backoff(), jitter) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_believable_significant_skew_is_learned() {
        let now = 1_700_000_000.0;
        assert_eq!(learned_skew_ms(now + 3600.0, now, 0), Some(3_600_000));
        assert_eq!(learned_skew_ms(now - 600.0, now, 0), Some(-600_000));
        assert_eq!(learned_skew_ms(now + 30.0, now, 0), None, "too small to explain a rejection");
        assert_eq!(learned_skew_ms(now + 3630.0, now, 3_600_000), None, "already applied");
        assert_eq!(learned_skew_ms(now + 86_400.0, now, 0), Some(86_400_000), "a day is the limit");
        // Fri, 31 Dec 9999 23:59:59 GMT: believed, this made every later signing time fall in year 10000.
        assert_eq!(learned_skew_ms(253_402_300_799.0, now, 0), None);
        assert_eq!(learned_skew_ms(0.0, now, 0), None);
        assert_eq!(learned_skew_ms(f64::INFINITY, now, 0), None);
    }

    #[test]
    fn classification_table() {
        let modeled = [("InternalServiceErrorException", false), ("SlowDownPlease", true)];
        let table = [
            (Some("ThrottlingException"), 400, Some(RetryKind::Throttling)),
            (Some("RequestTimeout"), 400, Some(RetryKind::Transient)),
            (Some("InvalidProductCodeException"), 400, None),
            (Some("InternalServiceErrorException"), 400, Some(RetryKind::Transient)),
            (Some("SlowDownPlease"), 400, Some(RetryKind::Throttling)),
            (None, 503, Some(RetryKind::Transient)),
            (None, 501, None),
            (Some("Anything"), 500, Some(RetryKind::Transient)),
        ];
        for (code, status, want) in table {
            assert_eq!(classify_service_error(code, status, &modeled), want, "{code:?} {status}");
        }
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        let (one, twenty) = (Duration::from_secs(1), Duration::from_secs(20));
        assert_eq!(backoff(1, one, twenty, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(3, one, twenty, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(10, one, twenty, 1.0), twenty);
        assert_eq!(backoff(2, one, twenty, 0.0), Duration::ZERO);
    }

    #[test]
    fn the_next_step_follows_attempts_quota_and_kind() {
        let standard = RetryConfig::standard();
        let (one, two) = (Duration::from_secs(1), Duration::from_secs(2));
        assert_eq!(next_step(RetryKind::Transient, 1, &standard, 500, 1.0), NextStep::Retry { cost: RETRY_COST, wait: one });
        assert_eq!(next_step(RetryKind::Throttling, 2, &standard, 500, 1.0), NextStep::Retry { cost: RETRY_COST, wait: two });
        assert_eq!(next_step(RetryKind::Timeout, 1, &standard, 500, 0.5), NextStep::Retry { cost: TIMEOUT_RETRY_COST, wait: one / 2 });
        assert_eq!(next_step(RetryKind::Transient, 3, &standard, 500, 1.0), NextStep::AttemptsExhausted);
        assert_eq!(next_step(RetryKind::Transient, 1, &standard, RETRY_COST - 1, 1.0), NextStep::QuotaExhausted);
        assert_eq!(next_step(RetryKind::Timeout, 1, &standard, TIMEOUT_RETRY_COST - 1, 1.0), NextStep::QuotaExhausted);
        // Attempts are checked before the quota: an empty quota on the last attempt is not the reason for stopping.
        assert_eq!(next_step(RetryKind::Transient, 3, &standard, 0, 1.0), NextStep::AttemptsExhausted);
        assert_eq!(next_step(RetryKind::Transient, 1, &RetryConfig::disabled(), 500, 1.0), NextStep::AttemptsExhausted);
    }
}
