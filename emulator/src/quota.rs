//! Request quotas per account and operation: a token bucket whose capacity
//! and refill rate are the operation's requests per second (MeterUsage and
//! BatchMeterUsage 10, RegisterUsage 5 by default, as reported for the
//! service; ResolveCustomer and the Entitlement Service's GetEntitlements
//! have no documented quota and none by default, and can be given one).
//! Over the quota a request is answered `ThrottlingException`.

use std::collections::HashMap;
use std::time::SystemTime;

use serde::Deserialize;

/// Requests per second per account; 0 means no limit.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// MeterUsage.
    #[serde(default = "ten")]
    pub meter_usage: u32,
    /// BatchMeterUsage.
    #[serde(default = "ten")]
    pub batch_meter_usage: u32,
    /// RegisterUsage.
    #[serde(default = "five")]
    pub register_usage: u32,
    /// ResolveCustomer.
    #[serde(default)]
    pub resolve_customer: u32,
    /// GetEntitlements (the Entitlement Service).
    #[serde(default)]
    pub get_entitlements: u32,
}

fn ten() -> u32 {
    10
}
fn five() -> u32 {
    5
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas { meter_usage: 10, batch_meter_usage: 10, register_usage: 5, resolve_customer: 0, get_entitlements: 0 }
    }
}

impl Quotas {
    /// The rate of `operation`; 0 for none.
    pub fn per_second(&self, operation: &str) -> u32 {
        match operation {
            "MeterUsage" => self.meter_usage,
            "BatchMeterUsage" => self.batch_meter_usage,
            "RegisterUsage" => self.register_usage,
            "ResolveCustomer" => self.resolve_customer,
            "GetEntitlements" => self.get_entitlements,
            _ => 0,
        }
    }
}

/// One bucket: tokens left and when they were counted.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: SystemTime,
}

/// The buckets of every account and operation.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: HashMap<(String, &'static str), Bucket>,
}

impl Limiter {
    /// Takes a token for `account` calling `operation` at `now`; false when
    /// the quota of `per_second` is used up (0: unlimited).
    pub fn admit(&mut self, account: &str, operation: &'static str, per_second: u32, now: SystemTime) -> bool {
        if per_second == 0 {
            return true;
        }
        let rate = f64::from(per_second);
        let bucket = self.buckets.entry((account.to_owned(), operation)).or_insert(Bucket { tokens: rate, at: now });
        let elapsed = now.duration_since(bucket.at).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_burst_of_the_rate_passes_and_then_the_bucket_refills() {
        let mut limiter = Limiter::default();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let admitted = (0..15).filter(|_| limiter.admit("a", "MeterUsage", 10, t0)).count();
        assert_eq!(admitted, 10);
        assert!(limiter.admit("b", "MeterUsage", 10, t0), "another account has its own quota");
        assert!(limiter.admit("a", "BatchMeterUsage", 10, t0), "another operation has its own quota");
        assert!(!limiter.admit("a", "MeterUsage", 10, t0 + Duration::from_millis(50)));
        assert!(limiter.admit("a", "MeterUsage", 10, t0 + Duration::from_millis(150)), "a tenth of a second refills one");
        assert!((0..100).all(|_| limiter.admit("a", "ResolveCustomer", 0, t0)), "0 is unlimited");
    }
}
