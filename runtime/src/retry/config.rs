//! Retry settings: the mode, how many attempts, and the bounds of the
//! backoff. The policy that uses them is in `policy.rs` and the request loop.

use std::time::Duration;

/// Which retry strategy to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryMode {
    /// Exponential backoff with full jitter.
    Standard,
    /// Standard, plus client-side rate limiting on throttling.
    Adaptive,
}

/// Retry settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    mode: RetryMode,
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl RetryConfig {
    /// Standard mode: 3 attempts, backoff from 1 s up to 20 s.
    pub fn standard() -> Self {
        RetryConfig {
            mode: RetryMode::Standard,
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
        }
    }

    /// Adaptive mode with the standard bounds.
    pub fn adaptive() -> Self {
        RetryConfig { mode: RetryMode::Adaptive, ..Self::standard() }
    }

    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryConfig { max_attempts: 1, ..Self::standard() }
    }

    /// Sets the total number of attempts (at least 1).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Sets the base of the exponential backoff.
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets the cap of the exponential backoff.
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The mode.
    pub fn mode(&self) -> RetryMode {
        self.mode
    }

    /// Total attempts.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Backoff base.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Backoff cap.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}
