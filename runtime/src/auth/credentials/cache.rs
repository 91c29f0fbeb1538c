//! Caches credentials and refreshes them before they expire.
//!
//! One refresh at a time: the first caller that finds the cache stale
//! refreshes; callers that arrive meanwhile wait for that refresh and get
//! its outcome, success or error, so a fleet of metering tasks neither
//! stampedes the metadata endpoint or STS nor retries a failing one once per
//! caller. No lock is held while the refresh runs, and a refresh that takes
//! longer than [`REFRESH_DEADLINE`] fails, for every waiter at once. If the
//! refreshing caller is cancelled, a waiter takes over.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::http::BoxFuture;
use crate::time::TimeSource;

/// Refresh this long before expiry, less a random part of [`JITTER`], so
/// clients that loaded together do not refresh together.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// The random part of the refresh margin.
pub const JITTER: Duration = Duration::from_secs(60);
/// The longest one refresh may take, whatever the provider does.
pub const REFRESH_DEADLINE: Duration = Duration::from_secs(60);

/// Cached credentials and when to refresh them (`None`: never).
type Slot = Option<(Credentials, Option<SystemTime>)>;

/// The outcome of a refresh, published to the callers waiting for it; `None` until it ends.
type Outcome = Option<Result<Credentials, CredentialsError>>;

#[derive(Debug, Default)]
struct State {
    cached: Slot,
    /// Set while a refresh runs: where its outcome will appear.
    refreshing: Option<watch::Receiver<Outcome>>,
}

/// A caching wrapper around a provider.
#[derive(Debug, Clone)]
pub struct CachedCredentials {
    inner: Arc<dyn ProvideCredentials>,
    time: Arc<dyn TimeSource>,
    state: Arc<Mutex<State>>,
}

/// Clears the refreshing mark if the refreshing caller goes away before
/// publishing, so waiters (who see the sender dropped) elect a new one.
struct RefreshGuard<'a>(&'a Mutex<State>);

impl Drop for RefreshGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.lock() {
            state.refreshing = None;
        }
    }
}

enum Role {
    Done(Credentials),
    Wait(watch::Receiver<Outcome>),
    Refresh(watch::Sender<Outcome>),
}

impl CachedCredentials {
    /// Caches what `inner` provides, judging expiry by `time`.
    pub fn new(inner: Arc<dyn ProvideCredentials>, time: Arc<dyn TimeSource>) -> Self {
        CachedCredentials { inner, time, state: Arc::new(Mutex::new(State::default())) }
    }

    fn refresh_at(credentials: &Credentials) -> Option<SystemTime> {
        let expiry = credentials.expiry()?;
        let margin = REFRESH_BEFORE_EXPIRY + JITTER.mul_f64(crate::ids::random_unit());
        Some(expiry.checked_sub(margin).unwrap_or(expiry))
    }

    fn role(&self) -> Role {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = self.time.now();
        if let Some((creds, refresh_at)) = state.cached.as_ref() {
            if refresh_at.is_none_or(|t| now < t) {
                return Role::Done(creds.clone());
            }
        }
        if let Some(rx) = &state.refreshing {
            return Role::Wait(rx.clone());
        }
        let (tx, rx) = watch::channel(None);
        state.refreshing = Some(rx);
        Role::Refresh(tx)
    }

    async fn refresh(&self, tx: watch::Sender<Outcome>) -> Result<Credentials, CredentialsError> {
        let guard = RefreshGuard(&self.state);
        let fetched = match tokio::time::timeout(REFRESH_DEADLINE, self.inner.provide_credentials()).await {
            Ok(result) => result,
            Err(_) => {
                Err(CredentialsError::new("the credentials cache", format!("the refresh did not finish within {REFRESH_DEADLINE:?}")))
            }
        };
        let outcome = {
            let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let outcome = match fetched {
                Ok(fresh) => {
                    state.cached = Some((fresh.clone(), Self::refresh_at(&fresh)));
                    Ok(fresh)
                }
                Err(e) => match state.cached.as_ref() {
                    // A failed early refresh keeps using credentials that have not expired yet.
                    Some((creds, _)) if creds.expiry().is_some_and(|exp| self.time.now() < exp) => Ok(creds.clone()),
                    _ => Err(e),
                },
            };
            state.refreshing = None;
            outcome
        };
        // The mark was cleared under the lock above; dropping the guard now could clear a newer refresh's mark.
        std::mem::forget(guard);
        let _ = tx.send(Some(outcome.clone()));
        outcome
    }
}

impl ProvideCredentials for CachedCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            loop {
                match self.role() {
                    Role::Done(creds) => return Ok(creds),
                    Role::Refresh(tx) => return self.refresh(tx).await,
                    Role::Wait(mut rx) => {
                        // The outcome, or the refreshing caller went away: then look again.
                        if let Ok(outcome) = rx.wait_for(Option::is_some).await {
                            if let Some(result) = outcome.clone() {
                                return result;
                            }
                        }
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::StaticTimeSource;
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
    async fn waiting_callers_share_the_refresh_error_instead_of_each_retrying() {
        // Before: each waiter took the lock after the failed refresh and ran its own, 50 fetches in a row.
        let inner = Arc::new(Counting { calls: AtomicU32::new(0), expiry: UNIX_EPOCH, fail_after: 0 });
        let cache = CachedCredentials::new(inner.clone(), Arc::new(StaticTimeSource(UNIX_EPOCH)));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let c = cache.clone();
                tokio::spawn(async move { c.provide_credentials().await.unwrap_err().to_string() })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().contains("down"));
        }
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
        // The next caller, after the failure, tries again.
        assert!(cache.provide_credentials().await.is_err());
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refresh_that_never_ends_fails_every_waiter_at_the_deadline() {
        #[derive(Debug)]
        struct Hangs(AtomicU32);
        impl ProvideCredentials for Hangs {
            fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
                self.0.fetch_add(1, Ordering::SeqCst);
                Box::pin(std::future::pending())
            }
        }
        let inner = Arc::new(Hangs(AtomicU32::new(0)));
        let cache = CachedCredentials::new(inner.clone(), Arc::new(StaticTimeSource(UNIX_EPOCH)));
        let start = tokio::time::Instant::now();
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let c = cache.clone();
                tokio::spawn(async move { c.provide_credentials().await.unwrap_err().to_string() })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().contains("did not finish within 60s"));
        }
        assert_eq!(start.elapsed(), REFRESH_DEADLINE);
        assert_eq!(inner.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_refresh_hands_over_to_a_waiter() {
        let inner = Arc::new(Counting { calls: AtomicU32::new(0), expiry: UNIX_EPOCH + Duration::from_secs(10_000), fail_after: 99 });
        let cache = CachedCredentials::new(inner.clone(), Arc::new(StaticTimeSource(UNIX_EPOCH)));
        // The first caller gives up after 10 ms, in the middle of its 50 ms fetch.
        let first = tokio::time::timeout(Duration::from_millis(10), cache.provide_credentials());
        let second = cache.provide_credentials();
        let (first, second) = tokio::join!(first, second);
        assert!(first.is_err(), "the first caller timed out");
        assert_eq!(second.unwrap().access_key_id(), "AKID2", "the waiter refreshed in its place");
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
