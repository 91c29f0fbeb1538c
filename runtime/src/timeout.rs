//! Time limits of a call: connect, read, stalled bodies, per attempt and
//! per operation, and the worst case they add up to.

use std::time::Duration;

use crate::retry::RetryConfig;

/// Timeout settings. `None` switches a limit off.
///
/// Defaults: connect 3.1 s; read 10 s without a byte (response head or
/// body); a body slower than 1 byte per second over any 5 s window is
/// stalled; 15 s per attempt; no limit on the whole operation beyond what the
/// attempts add up to, which [`worst_case`](Self::worst_case) tells: 48 s
/// with the default retry settings (three attempts of 15 s and at most 1 s
/// and 2 s of backoff between them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutConfig {
    connect: Option<Duration>,
    read: Option<Duration>,
    stalled_stream: Option<MinimumThroughput>,
    attempt: Option<Duration>,
    operation: Option<Duration>,
}

/// Stalled-stream protection: a response body that delivers fewer than
/// `bytes_per_second` on average over a window of `grace` fails the attempt
/// with a timeout, so a body that drips a byte at a time cannot hold a call
/// that the read timeout (which any single byte resets) would let live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinimumThroughput {
    /// The slowest acceptable average rate.
    pub bytes_per_second: u64,
    /// The window the rate is averaged over; also how long a body may deliver nothing.
    pub grace: Duration,
}

impl Default for MinimumThroughput {
    fn default() -> Self {
        MinimumThroughput { bytes_per_second: 1, grace: Duration::from_secs(5) }
    }
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        TimeoutConfig {
            connect: Some(Duration::from_millis(3100)),
            read: Some(Duration::from_secs(10)),
            stalled_stream: Some(MinimumThroughput::default()),
            attempt: Some(Duration::from_secs(15)),
            operation: None,
        }
    }
}

impl TimeoutConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> TimeoutConfigBuilder {
        TimeoutConfigBuilder { inner: TimeoutConfig::default() }
    }

    /// No limits at all.
    pub fn disabled() -> Self {
        TimeoutConfig { connect: None, read: None, stalled_stream: None, attempt: None, operation: None }
    }

    /// Stalled-stream protection of response bodies.
    pub fn stalled_stream_protection(&self) -> Option<MinimumThroughput> {
        self.stalled_stream
    }

    /// The longest one call can take under these limits and `retry`'s
    /// attempts and backoff (jitter at its maximum), not counting waits
    /// outside the attempts: fetching credentials when none are cached, and
    /// adaptive mode's send-rate waits. `None` when nothing bounds an attempt.
    pub fn worst_case(&self, retry: &RetryConfig) -> Option<Duration> {
        let attempts = retry.max_attempts();
        let by_attempts = self.attempt.map(|per_attempt| {
            let backoff: Duration =
                (1..attempts).map(|n| crate::retry::policy::backoff(n, retry.initial_backoff(), retry.max_backoff(), 1.0)).sum();
            per_attempt * attempts + backoff
        });
        match (by_attempts, self.operation) {
            (Some(a), Some(o)) => Some(a.min(o)),
            (a, o) => a.or(o),
        }
    }

    /// Connect timeout.
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect
    }

    /// Read timeout (no bytes for this long).
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read
    }

    /// Per-attempt timeout.
    pub fn operation_attempt_timeout(&self) -> Option<Duration> {
        self.attempt
    }

    /// Whole-call timeout, retries included.
    pub fn operation_timeout(&self) -> Option<Duration> {
        self.operation
    }
}

/// Builds a [`TimeoutConfig`].
#[derive(Debug, Clone)]
pub struct TimeoutConfigBuilder {
    inner: TimeoutConfig,
}

impl TimeoutConfigBuilder {
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.inner.connect = Some(d);
        self
    }

    /// Sets the read timeout.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.inner.read = Some(d);
        self
    }

    /// Sets the per-attempt timeout.
    pub fn operation_attempt_timeout(mut self, d: Duration) -> Self {
        self.inner.attempt = Some(d);
        self
    }

    /// Sets the whole-call timeout.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.inner.operation = Some(d);
        self
    }

    /// Sets stalled-stream protection of response bodies.
    pub fn stalled_stream_protection(mut self, minimum: MinimumThroughput) -> Self {
        self.inner.stalled_stream = Some(minimum);
        self
    }

    /// Switches stalled-stream protection off.
    pub fn disable_stalled_stream_protection(mut self) -> Self {
        self.inner.stalled_stream = None;
        self
    }

    /// Switches the connect timeout off.
    pub fn disable_connect_timeout(mut self) -> Self {
        self.inner.connect = None;
        self
    }

    /// Switches the read timeout off.
    pub fn disable_read_timeout(mut self) -> Self {
        self.inner.read = None;
        self
    }

    /// Switches the per-attempt timeout off.
    pub fn disable_operation_attempt_timeout(mut self) -> Self {
        self.inner.attempt = None;
        self
    }

    /// The settings.
    pub fn build(self) -> TimeoutConfig {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_worst_case_of_a_call_is_under_a_minute() {
        let retry = RetryConfig::standard();
        assert_eq!(TimeoutConfig::default().worst_case(&retry), Some(Duration::from_secs(48)));
        let capped = TimeoutConfig::builder().operation_timeout(Duration::from_secs(20)).build();
        assert_eq!(capped.worst_case(&retry), Some(Duration::from_secs(20)));
        assert_eq!(TimeoutConfig::disabled().worst_case(&retry), None);
        let five = RetryConfig::standard().with_max_attempts(5);
        // 5 × 15 s, and backoff of 1, 2, 4 and 8 s.
        assert_eq!(TimeoutConfig::default().worst_case(&five), Some(Duration::from_secs(90)));
    }
}
