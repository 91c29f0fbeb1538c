//! The meter as callers use it: record, flush, status.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use marketplacemetering::Client;

use crate::pace::{self, Pace};
use crate::policy::Policy;
use crate::send::{self, Context};
use crate::store::{Counts, Hour, HourState, Recorded, Settle, Store, StoreError};
use crate::usage::{Usage, UsageError};

/// The meter's clock.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// How many sealed hours one claim takes.
const CLAIM_LIMIT: usize = 500;

/// Why a call to the meter failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeterError {
    /// The record was refused before anything was written.
    Invalid(UsageError),
    /// The store failed; what that call was to write was not written.
    Store(StoreError),
}

impl fmt::Display for MeterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MeterError::Invalid(e) => write!(f, "the usage record was refused: {e}"),
            MeterError::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for MeterError {}

impl From<StoreError> for MeterError {
    fn from(e: StoreError) -> Self {
        MeterError::Store(e)
    }
}

/// What one flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Hours sealed by this flush.
    pub sealed: u64,
    /// Hours billed.
    pub sent: u64,
    /// Hours to be tried again later.
    pub retry_later: u64,
    /// Hours refused for good (past the window included).
    pub rejected: u64,
    /// Hours in conflict with a quantity billed before.
    pub conflicts: u64,
}

/// Where the meter stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Hours by state, and records stored.
    pub counts: Counts,
    /// Unsent hours within the warning margin of their window's end.
    pub nearing_deadline: Vec<Hour>,
}

/// A durable meter over a store, sending with a client of our SDK.
pub struct Meter<S: Store> {
    store: Arc<S>,
    client: Client,
    policy: Policy,
    clock: Clock,
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
}

impl<S: Store> fmt::Debug for Meter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meter").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// A small generator for backoff jitter; not for anything that needs real randomness.
fn default_jitter() -> Arc<dyn Fn() -> f64 + Send + Sync> {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
    let state = Mutex::new(seed);
    Arc::new(move || {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        (*s >> 11) as f64 / (1u64 << 53) as f64
    })
}

fn epoch_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

impl<S: Store> Meter<S> {
    /// A meter over `store`, sending with `client`, as `policy` says; the system clock.
    pub fn new(store: S, client: Client, policy: Policy) -> Self {
        Meter { store: Arc::new(store), client, policy, clock: pace::system_clock(), jitter: default_jitter() }
    }

    /// The same meter on another clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The same meter with backoff jitter drawn from `jitter` (values in `[0, 1)`; tests).
    pub fn with_jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The settings.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Records one usage record; returns once it is durable.
    pub async fn record(&self, usage: Usage) -> Result<Recorded, MeterError> {
        usage.check().map_err(MeterError::Invalid)?;
        let mut out = self.store.record(vec![usage]).await?;
        Ok(out.pop().unwrap_or(Recorded::Refused("the store answered nothing".into())))
    }

    /// Records many; returns once every record not refused is durable (see [`record_all`]).
    pub async fn record_all(&self, usage: Vec<Usage>) -> Result<Vec<Recorded>, MeterError> {
        Ok(record_all(&*self.store, usage).await?)
    }

    /// Seals every closed hour and sends every sealed hour that is due,
    /// until none is left due; what is to be retried waits for its time.
    pub async fn flush(&self) -> Result<FlushReport, MeterError> {
        self.flush_with_grace(self.policy.grace).await
    }

    /// [`Meter::flush`] with another grace (`metering flush --grace`).
    pub async fn flush_with_grace(&self, grace: Duration) -> Result<FlushReport, MeterError> {
        let started_ms = epoch_ms((self.clock)());
        let policy = Policy { grace, ..self.policy.clone() };
        let mut report = FlushReport { sealed: self.store.seal(policy.closed_before(started_ms)).await?, ..FlushReport::default() };
        let lease_ms = i64::try_from(self.policy.lease.as_millis()).unwrap_or(i64::MAX);
        loop {
            // Due by the flush's start (what it retries waits for the next flush), leased from now.
            let now_ms = epoch_ms((self.clock)());
            let claimed = self.store.claim(started_ms, now_ms, lease_ms, CLAIM_LIMIT).await?;
            if claimed.is_empty() {
                break;
            }
            let mut settled = Vec::with_capacity(claimed.len());
            let mut live = Vec::with_capacity(claimed.len());
            for h in claimed {
                let route = h.customer.route();
                if self.policy.expired(route, h.hour, now_ms) {
                    let hours = self.policy.window(route).as_secs() / 3600;
                    tracing::error!(hour = h.hour, dimension = %h.dimension, "an unsent hour passed the service's window and cannot be billed");
                    settled.push((h.id, Settle::Rejected(format!("past the accepted window: the service takes usage at most {hours} hours old"))));
                } else {
                    live.push(h);
                }
            }
            let pace = Pace { store: &*self.store, clock: &self.clock, interval_ms: pace::interval_ms(self.policy.requests_per_second) };
            let ctx = Context { client: &self.client, pace: &pace, policy: &self.policy, now_ms, jitter: &*self.jitter };
            for call in send::plan(live) {
                let outcomes = send::send(&ctx, call).await;
                // Settled call by call, so a crash loses at most the answers of one call (which a resend repeats).
                self.store.settle(outcomes.clone()).await?;
                tally(&mut report, &outcomes);
            }
            if !settled.is_empty() {
                self.store.settle(settled.clone()).await?;
                tally(&mut report, &settled);
            }
        }
        for h in self.status().await?.nearing_deadline {
            tracing::warn!(hour = h.hour, dimension = %h.dimension, state = h.state.as_str(), "an unsent hour is near the end of the service's window");
        }
        Ok(report)
    }

    /// Counts by state, and the unsent hours near their deadline.
    pub async fn status(&self) -> Result<Status, MeterError> {
        Ok(status(&*self.store, &self.policy, (self.clock)()).await?)
    }

    /// Hours in `state`, oldest first, at most `limit`.
    pub async fn hours(&self, state: HourState, limit: usize) -> Result<Vec<Hour>, MeterError> {
        Ok(self.store.hours(state, limit).await?)
    }
}

/// Records many into `store`; returns once every record not refused is
/// durable. A refused record is answered `Refused` with the reason, in its
/// place; the others are kept.
pub async fn record_all<S: Store>(store: &S, usage: Vec<Usage>) -> Result<Vec<Recorded>, StoreError> {
    let mut answers: Vec<Option<Recorded>> = Vec::with_capacity(usage.len());
    let mut good = Vec::with_capacity(usage.len());
    for u in usage {
        match u.check() {
            Ok(()) => {
                answers.push(None);
                good.push(u);
            }
            Err(e) => answers.push(Some(Recorded::Refused(e.to_string()))),
        }
    }
    let mut stored = store.record(good).await?.into_iter();
    Ok(answers.into_iter().map(|a| a.or_else(|| stored.next()).unwrap_or(Recorded::Refused("the store answered nothing".into()))).collect())
}

/// Counts by state in `store`, and the unsent hours near their deadline at `now`.
pub async fn status<S: Store>(store: &S, policy: &Policy, now: SystemTime) -> Result<Status, StoreError> {
    let now_ms = epoch_ms(now);
    let counts = store.counts().await?;
    let mut nearing_deadline = Vec::new();
    for state in [HourState::Open, HourState::Sealed] {
        for h in store.hours(state, usize::MAX >> 1).await? {
            if policy.nearing_deadline(h.customer.route(), h.hour, now_ms) {
                nearing_deadline.push(h);
            }
        }
    }
    Ok(Status { counts, nearing_deadline })
}

fn tally(report: &mut FlushReport, outcomes: &[(i64, Settle)]) {
    for (_, s) in outcomes {
        match s {
            Settle::Sent(_) => report.sent += 1,
            Settle::Retry { .. } => report.retry_later += 1,
            Settle::Rejected(_) => report.rejected += 1,
            Settle::Conflict(_) => report.conflicts += 1,
        }
    }
}
