//! Adaptive retry mode's client-side rate limiter: a token bucket whose fill
//! rate follows a CUBIC curve, as the AWS SDKs' adaptive mode does. A
//! throttling response cuts the allowed send rate to 70% of what was being
//! sent; successes grow it back along the cubic curve towards, then past,
//! the rate at which throttling last happened. Until the first throttle the
//! bucket is not enforced at all.
//!
//! Time is passed in (seconds on a monotonic clock), so the policy is a pure
//! state machine that tests can drive.

/// Smallest fill rate, in requests per second.
const MIN_FILL_RATE: f64 = 0.5;
/// Smallest bucket capacity.
const MIN_CAPACITY: f64 = 1.0;
/// Weight of the newest sample in the measured send rate.
const SMOOTH: f64 = 0.8;
/// Fraction of the send rate kept after a throttle.
const BETA: f64 = 0.7;
/// How fast the rate grows back.
const SCALE_CONSTANT: f64 = 0.4;

/// The limiter's state.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    fill_rate: f64,
    max_capacity: f64,
    current_capacity: f64,
    last_timestamp: Option<f64>,
    enabled: bool,
    measured_tx_rate: f64,
    last_tx_rate_bucket: f64,
    request_count: u64,
    last_max_rate: f64,
    last_throttle_time: f64,
    time_window: f64,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            fill_rate: 0.0,
            max_capacity: 0.0,
            current_capacity: 0.0,
            last_timestamp: None,
            enabled: false,
            measured_tx_rate: 0.0,
            last_tx_rate_bucket: 0.0,
            request_count: 0,
            last_max_rate: 0.0,
            last_throttle_time: 0.0,
            time_window: 0.0,
        }
    }
}

impl RateLimiter {
    fn refill(&mut self, now: f64) {
        if let Some(last) = self.last_timestamp {
            let filled = (now - last).max(0.0) * self.fill_rate;
            self.current_capacity = (self.current_capacity + filled).min(self.max_capacity);
        }
        self.last_timestamp = Some(now);
    }

    /// Takes a token to send at `now`; returns how long to wait first.
    pub fn acquire(&mut self, now: f64) -> f64 {
        if !self.enabled {
            return 0.0;
        }
        self.refill(now);
        let wait = if self.current_capacity >= 1.0 { 0.0 } else { (1.0 - self.current_capacity) / self.fill_rate };
        // The token is spent now; waiting makes up for the deficit.
        self.current_capacity -= 1.0;
        wait
    }

    /// Records a response at `now`; `throttled` when the service asked to slow down.
    pub fn update(&mut self, now: f64, throttled: bool) {
        self.update_measured_rate(now);
        let calculated = if throttled {
            let rate = if self.enabled { self.measured_tx_rate.min(self.fill_rate) } else { self.measured_tx_rate };
            self.last_max_rate = rate;
            self.time_window = self.calculate_time_window();
            self.last_throttle_time = now;
            self.enabled = true;
            rate * BETA
        } else {
            self.time_window = self.calculate_time_window();
            SCALE_CONSTANT * (now - self.last_throttle_time - self.time_window).powi(3) + self.last_max_rate
        };
        let new_rate = calculated.min(2.0 * self.measured_tx_rate);
        self.set_fill_rate(now, new_rate);
    }

    fn calculate_time_window(&self) -> f64 {
        (self.last_max_rate * (1.0 - BETA) / SCALE_CONSTANT).cbrt()
    }

    fn set_fill_rate(&mut self, now: f64, rate: f64) {
        self.refill(now);
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.current_capacity = self.current_capacity.min(self.max_capacity);
    }

    fn update_measured_rate(&mut self, now: f64) {
        let bucket = (now * 2.0).floor() / 2.0;
        self.request_count += 1;
        if bucket > self.last_tx_rate_bucket {
            let current = self.request_count as f64 / (bucket - self.last_tx_rate_bucket);
            self.measured_tx_rate = current * SMOOTH + self.measured_tx_rate * (1.0 - SMOOTH);
            self.request_count = 0;
            self.last_tx_rate_bucket = bucket;
        }
    }

    /// The allowed send rate, in requests per second (0 while not enforced).
    #[cfg(test)]
    pub fn fill_rate(&self) -> f64 {
        if self.enabled {
            self.fill_rate
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unthrottled_traffic_is_never_delayed() {
        let mut l = RateLimiter::default();
        for i in 0..100 {
            let t = i as f64 * 0.01;
            assert_eq!(l.acquire(t), 0.0);
            l.update(t, false);
        }
        assert_eq!(l.fill_rate(), 0.0);
    }

    #[test]
    fn a_throttle_cuts_the_rate_and_successes_restore_it() {
        let mut l = RateLimiter::default();
        // Ten requests a second for five seconds.
        let mut t = 0.0;
        while t < 5.0 {
            l.acquire(t);
            l.update(t, false);
            t += 0.1;
        }
        let measured = l.measured_tx_rate;
        assert!((measured - 10.0).abs() < 1.5, "measured {measured}");
        l.update(t, true);
        let after_throttle = l.fill_rate();
        assert!(after_throttle < measured && after_throttle > 0.5 * measured, "{after_throttle} vs {measured}");
        // Back-to-back sends now wait.
        let waits: f64 = (0..20).map(|_| l.acquire(t)).sum();
        assert!(waits > 1.0, "sends are spread out: {waits}");
        // Successes at the old pace grow the rate back above where the throttle left it
        // (growth is capped at twice the measured rate, so the pace matters).
        let mut grown = after_throttle;
        for i in 1..=100 {
            let now = t + i as f64 * 0.1;
            l.acquire(now);
            l.update(now, false);
            grown = l.fill_rate();
        }
        assert!(grown > after_throttle, "{grown} > {after_throttle}");
    }
}
