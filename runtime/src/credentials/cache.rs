//! Caches credentials and refreshes them before they expire. Concurrent
//! callers during a refresh wait for that one refresh instead of starting
//! their own: a fleet of metering tasks must not stampede the metadata
//! endpoint or STS.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;

use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::config::TimeSource;
use crate::http::BoxFuture;

/// Refresh this long before expiry, less a random part of [`JITTER`], so
/// clients that loaded together do not refresh together.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// The random part of the refresh margin.
pub const JITTER: Duration = Duration::from_secs(60);

/// Cached credentials and when to refresh them (`None`: never).
type Slot = Option<(Credentials, Option<SystemTime>)>;

/// A caching wrapper around a provider.
#[derive(Debug, Clone)]
pub struct CachedCredentials {
    inner: Arc<dyn ProvideCredentials>,
    time: Arc<dyn TimeSource>,
    state: Arc<Mutex<Slot>>,
}

impl CachedCredentials {
    /// Caches what `inner` provides, judging expiry by `time`.
    pub fn new(inner: Arc<dyn ProvideCredentials>, time: Arc<dyn TimeSource>) -> Self {
        CachedCredentials { inner, time, state: Arc::new(Mutex::new(None)) }
    }

    fn refresh_at(credentials: &Credentials) -> Option<SystemTime> {
        let expiry = credentials.expiry()?;
        let margin = REFRESH_BEFORE_EXPIRY + JITTER.mul_f64(crate::ids::random_unit());
        Some(expiry.checked_sub(margin).unwrap_or(expiry))
    }
}

impl ProvideCredentials for CachedCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            // Holding the lock across the refresh is the point: others wait for it.
            let mut state = self.state.lock().await;
            let now = self.time.now();
            if let Some((creds, refresh_at)) = state.as_ref() {
                if refresh_at.is_none_or(|t| now < t) {
                    return Ok(creds.clone());
                }
            }
            match self.inner.provide_credentials().await {
                Ok(fresh) => {
                    let refresh_at = Self::refresh_at(&fresh);
                    *state = Some((fresh.clone(), refresh_at));
                    Ok(fresh)
                }
                Err(e) => match state.as_ref() {
                    // A failed early refresh keeps using credentials that have not expired yet.
                    Some((creds, _)) if creds.expiry().is_some_and(|exp| now < exp) => Ok(creds.clone()),
                    _ => Err(e),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StaticTimeSource;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::UNIX_EPOCH;

    #[derive(Debug)]
    struct Counting {
        calls: AtomicU32,
        expiry: SystemTime,
        fail_after: u32,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                if n > self.fail_after {
                    return Err(CredentialsError::new("counting", "down"));
                }
                Ok(Credentials::new(format!("AKID{n}"), "s", None, Some(self.expiry), "counting"))
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn many_concurrent_callers_make_one_fetch() {
        let inner = Arc::new(Counting { calls: AtomicU32::new(0), expiry: UNIX_EPOCH + Duration::from_secs(10_000), fail_after: 99 });
        let cache = CachedCredentials::new(inner.clone(), Arc::new(StaticTimeSource(UNIX_EPOCH)));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let c = cache.clone();
            tasks.push(tokio::spawn(async move { c.provide_credentials().await.unwrap().access_key_id().to_owned() }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), "AKID1");
        }
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_before_expiry_and_survives_a_failed_early_refresh() {
        #[derive(Debug)]
        struct Clock(std::sync::Mutex<SystemTime>);
        impl TimeSource for Clock {
            fn now(&self) -> SystemTime {
                *self.0.lock().unwrap()
            }
        }
        let expiry = UNIX_EPOCH + Duration::from_secs(3600);
        let clock = Arc::new(Clock(std::sync::Mutex::new(UNIX_EPOCH)));
        let inner = Arc::new(Counting { calls: AtomicU32::new(0), expiry, fail_after: 2 });
        let cache = CachedCredentials::new(inner.clone(), clock.clone());
        assert_eq!(cache.provide_credentials().await.unwrap().access_key_id(), "AKID1");
        *clock.0.lock().unwrap() = expiry - Duration::from_secs(4 * 60);
        assert_eq!(cache.provide_credentials().await.unwrap().access_key_id(), "AKID2", "refreshed inside the margin");
        *clock.0.lock().unwrap() = expiry - Duration::from_secs(3 * 60);
        // The provider now fails, but what is cached is still valid.
        let kept = cache.provide_credentials().await.unwrap();
        assert_eq!(kept.access_key_id(), "AKID2");
        *clock.0.lock().unwrap() = expiry + Duration::from_secs(1);
        assert!(cache.provide_credentials().await.is_err(), "expired and no refresh: an error");
    }
}
