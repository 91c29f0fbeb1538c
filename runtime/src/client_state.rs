//! `ClientState`: what clients learn while they run, kept apart from what
//! the user configured.
//!
//! The retry quota, the day's signing key, adaptive mode's send rate, the
//! service's clock skew and the default transport all change (or are made)
//! during calls. A [`Config`](crate::config::Config) carries one `ClientState`
//! so that the clients built from it share them; only the request loop
//! reads or changes it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use crate::auth::sign::SigningKeyCache;
use crate::http::{CaBundle, HttpClient, HyperClient, ProxyConfig};
use crate::retry::quota::RetryQuota;
use crate::retry::rate_limit::RateLimiter;
use crate::timeout::TimeoutConfig;

/// Run-time state shared by the clients of one configuration.
pub(crate) struct ClientState {
    /// The retry quota.
    pub(crate) retry_quota: RetryQuota,
    /// The day's SigV4 signing key.
    pub(crate) signing_keys: SigningKeyCache,
    /// Adaptive mode's rate limiter.
    pub(crate) rate_limiter: Mutex<RateLimiter>,
    /// The origin of the rate limiter's clock.
    created: tokio::time::Instant,
    /// The service's clock minus ours, in milliseconds, learnt from a
    /// response that rejected a request as mistimed.
    clock_skew_ms: AtomicI64,
    /// The default transport, made on first use.
    default_http_client: OnceLock<Result<Arc<dyn HttpClient>, String>>,
}

impl Default for ClientState {
    fn default() -> Self {
        ClientState {
            retry_quota: RetryQuota::default(),
            signing_keys: SigningKeyCache::default(),
            rate_limiter: Mutex::new(RateLimiter::default()),
            created: tokio::time::Instant::now(),
            clock_skew_ms: AtomicI64::new(0),
            default_http_client: OnceLock::new(),
        }
    }
}

impl ClientState {
    /// Seconds since this state was made: the rate limiter's clock.
    pub(crate) fn rate_clock(&self) -> f64 {
        self.created.elapsed().as_secs_f64()
    }

    /// The skew applied so far, in milliseconds.
    pub(crate) fn clock_skew_ms(&self) -> i64 {
        self.clock_skew_ms.load(Ordering::Relaxed)
    }

    /// Adopts a newly learnt skew.
    pub(crate) fn set_clock_skew_ms(&self, skew_ms: i64) {
        self.clock_skew_ms.store(skew_ms, Ordering::Relaxed);
    }

    /// The time to sign with: `now`, corrected by the learnt skew.
    pub(crate) fn signing_time(&self, now: SystemTime) -> SystemTime {
        let skew = self.clock_skew_ms();
        let shift = Duration::from_millis(skew.unsigned_abs());
        if skew >= 0 {
            now + shift
        } else {
            now.checked_sub(shift).unwrap_or(now)
        }
    }

    /// The default hyper client, made on first use with these timeouts, body
    /// cap, extra roots and proxies (the configuration's, which do not change).
    pub(crate) fn default_http_client(
        &self,
        timeouts: &TimeoutConfig,
        max_body: usize,
        roots: &CaBundle,
        proxies: &ProxyConfig,
    ) -> Result<Arc<dyn HttpClient>, String> {
        self.default_http_client
            .get_or_init(|| {
                HyperClient::with_network(timeouts, roots, proxies)
                    .map(|c| Arc::new(c.with_max_response_body(max_body)) as Arc<dyn HttpClient>)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}
