//! The meter as callers use it: record, flush, status.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mpkit_metering::error::ProvideErrorMetadata;
use mpkit_metering::Client;

use crate::buyers::{Buyer, Form};
use crate::observe::{self, CallObserver};
use crate::pace::{self, epoch_ms, Pace};
use crate::policy::Policy;
use crate::send::{self, Call, Context};
use crate::store::{Counts, Hour, HourState, Lease, Recorded, Requeue, Settle, Store, StoreError};
use crate::usage::{Customer, Usage, UsageError};

/// The meter's clock.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The most sealed hours one claim takes.
const CLAIM_LIMIT: usize = 500;

/// A replica whose clock is further than this from the store's says so.
pub const SKEW_WARNING: Duration = Duration::from_secs(60);

/// How many hours one claim may take: as many as the calls that fit in half
/// its lease at the shared rate can carry (25 a batch), so that a claim is
/// worked through at about the pace its lease is renewed; the other half is
/// the margin for one slow answer, which is renewed while it is awaited.
fn claim_limit(policy: &Policy) -> usize {
    let interval = pace::interval_ms(policy.requests_per_second);
    if interval == 0 {
        return CLAIM_LIMIT;
    }
    let lease_ms = i64::try_from(policy.lease.as_millis()).unwrap_or(i64::MAX);
    let calls = usize::try_from(lease_ms / 2 / interval).unwrap_or(CLAIM_LIMIT).max(1);
    calls.saturating_mul(send::BATCH_LIMIT).clamp(send::BATCH_LIMIT, CLAIM_LIMIT)
}

/// Why a call to the meter failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeterError {
    /// The record was refused before anything was written.
    Invalid(UsageError),
    /// The store failed; what that call was to write was not written.
    Store(StoreError),
    /// The service did not resolve a registration token (its code and message).
    Resolve(String),
}

impl fmt::Display for MeterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MeterError::Invalid(e) => write!(f, "the usage record was refused: {e}"),
            MeterError::Store(e) => e.fmt(f),
            MeterError::Resolve(e) => write!(f, "ResolveCustomer failed: {e}"),
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
    /// Hours held for an operator (set-up errors), retried later.
    pub held: u64,
    /// Hours whose claim another flusher took over before this one settled them (it settles them).
    pub taken_over: u64,
}

/// Where the meter stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Hours by state, and records stored.
    pub counts: Counts,
    /// Unsent hours within the warning margin of their window's end.
    pub nearing_deadline: Vec<Hour>,
    /// This replica's clock minus the store's, in ms (positive: ahead).
    pub clock_skew_ms: i64,
    /// The store's time, epoch ms, that the status was taken at.
    pub now_ms: i64,
    /// The start (epoch ms) of the oldest hour not yet billed (open, sealed or held).
    pub oldest_unsent_ms: Option<i64>,
    /// The earliest deadline (epoch ms) of an hour not yet billed.
    pub nearest_deadline_ms: Option<i64>,
}

/// A durable meter over a store, sending with a client of our SDK.
pub struct Meter<S: Store> {
    store: Arc<S>,
    client: Client,
    policy: Policy,
    clock: Clock,
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    observe: CallObserver,
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

impl<S: Store> Meter<S> {
    /// A meter over `store`, sending with `client`, as `policy` says; the system clock.
    pub fn new(store: S, client: Client, policy: Policy) -> Self {
        Meter { store: Arc::new(store), client, policy, clock: pace::system_clock(), jitter: default_jitter(), observe: observe::ignore() }
    }

    /// The same meter telling `observe` how each call to the service ended (the agent's metrics).
    pub fn with_call_observer(mut self, observe: CallObserver) -> Self {
        self.observe = observe;
        self
    }

    /// The same meter on another clock: this replica's own, which decides
    /// nothing (the store's does) and is only compared with the store's.
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
    ///
    /// Every time it decides by is the store's ([`Store::now_ms`]), read
    /// before each step: which hours are closed, which are due, leases and
    /// call slots. Each call's hours are renewed before it is made and
    /// while it waits for its answer, and settled only under a claim that
    /// is still this flusher's.
    pub async fn flush_with_grace(&self, grace: Duration) -> Result<FlushReport, MeterError> {
        let started_ms = self.store.now_ms().await?;
        self.check_skew(started_ms);
        let policy = Policy { grace, ..self.policy.clone() };
        let mut report = FlushReport { sealed: self.store.seal(policy.closed_before(started_ms)).await?, ..FlushReport::default() };
        let lease_ms = i64::try_from(self.policy.lease.as_millis()).unwrap_or(i64::MAX);
        let limit = claim_limit(&self.policy);
        loop {
            // Due by the flush's start (what it retries waits for the next flush), leased from now.
            let now_ms = self.store.now_ms().await?;
            let claimed = self.store.claim(started_ms, now_ms, lease_ms, limit).await?;
            if claimed.is_empty() {
                break;
            }
            let mut settled = Vec::with_capacity(claimed.len());
            let mut live = Vec::with_capacity(claimed.len());
            for h in claimed {
                let route = h.customer.route();
                if self.policy.expired(route, h.hour, now_ms) {
                    let (hours, month_end) = (self.policy.window(route).as_secs() / 3600, self.policy.month_end.as_secs() / 3600);
                    tracing::error!(hour = h.hour, dimension = %h.dimension, "an unsent hour passed the service's window and cannot be billed");
                    let reason = format!(
                        "past the accepted window: the service takes usage at most {hours} hours old, and last month's only until {month_end} hours into the new month"
                    );
                    settled.push((h.lease(), Settle::Rejected(reason)));
                } else {
                    live.push(h);
                }
            }
            if !settled.is_empty() {
                let stored = self.store.settle(settled.clone()).await?;
                tally(&mut report, &settled, &stored);
            }
            let pace = Pace { store: &*self.store, interval_ms: pace::interval_ms(self.policy.requests_per_second) };
            let mut remaining: Vec<Lease> = live.iter().map(Hour::lease).collect();
            for call in send::plan(live) {
                let now_ms = self.store.now_ms().await?;
                let Some(call) = self.still_ours(call, &mut remaining, now_ms, lease_ms, &mut report).await? else { continue };
                let ctx = Context {
                    client: &self.client,
                    pace: &pace,
                    policy: &self.policy,
                    now_ms,
                    jitter: &*self.jitter,
                    observe: &*self.observe,
                };
                let outcomes = self.send_renewing(&ctx, call, lease_ms).await;
                // Settled call by call, so a crash loses at most the answers of one call (which a resend repeats).
                let stored = self.store.settle(outcomes.clone()).await?;
                tally(&mut report, &outcomes, &stored);
            }
        }
        let status = self.status().await?;
        for h in &status.nearing_deadline {
            tracing::warn!(hour = h.hour, dimension = %h.dimension, state = h.state.as_str(), "an unsent hour is near the end of the service's window");
        }
        if status.counts.held > 0 {
            for h in self.store.hours(HourState::Held, 20).await? {
                tracing::error!(hour = h.hour, dimension = %h.dimension, reason = h.reason.as_deref().unwrap_or(""), "an hour is held: the service refused it for a reason an operator can fix");
            }
        }
        Ok(report)
    }

    /// Warns when this replica's clock is off from the store's.
    fn check_skew(&self, store_ms: i64) {
        let skew = epoch_ms((self.clock)()).saturating_sub(store_ms);
        if skew.unsigned_abs() > SKEW_WARNING.as_millis() as u64 {
            tracing::warn!(skew_ms = skew, "this replica's clock is off from the store's; the store's decides");
        }
    }

    /// Renews every hour of the claim not yet sent for a full lease, and
    /// returns the call without the hours whose claim another flusher took
    /// over (`None` when none is left); the call's hours leave `remaining`.
    async fn still_ours(
        &self,
        call: Call,
        remaining: &mut Vec<Lease>,
        now_ms: i64,
        lease_ms: i64,
        report: &mut FlushReport,
    ) -> Result<Option<Call>, MeterError> {
        let kept = self.store.renew(remaining.clone(), now_ms.saturating_add(lease_ms)).await?;
        report.taken_over += (remaining.len() - kept.len()) as u64;
        let call = call.keep(|h| kept.contains(&h.lease()));
        *remaining = kept;
        if let Some(call) = &call {
            let sending: Vec<Lease> = call.hours().map(Hour::lease).collect();
            remaining.retain(|l| !sending.contains(l));
        }
        Ok(call)
    }

    /// Sends a call, renewing its hours' leases every third of a lease while it waits.
    async fn send_renewing(&self, ctx: &Context<'_>, call: Call, lease_ms: i64) -> Vec<(Lease, Settle)> {
        let leases: Vec<_> = call.hours().map(Hour::lease).collect();
        let every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(0).max(1));
        let sending = send::send(ctx, call);
        tokio::pin!(sending);
        loop {
            tokio::select! {
                outcomes = &mut sending => return outcomes,
                () = tokio::time::sleep(every) => {
                    let renewed = match self.store.now_ms().await {
                        Ok(now) => self.store.renew(leases.clone(), now.saturating_add(lease_ms)).await,
                        Err(e) => Err(e),
                    };
                    match renewed {
                        Ok(kept) if kept.len() < leases.len() => tracing::warn!(lost = leases.len() - kept.len(), "another flusher took over hours of a call in flight; it settles them"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "could not renew the leases of a call in flight"),
                    }
                }
            }
        }
    }

    /// Counts by state, the unsent hours near their deadline, and how far this replica's clock is from the store's.
    pub async fn status(&self) -> Result<Status, MeterError> {
        Ok(status(&*self.store, &self.policy, (self.clock)()).await?)
    }

    /// Resolves a buyer's registration token (ResolveCustomer, with the
    /// meter's client: the seller's credentials) and keeps what the service
    /// says of them in the customer directory: their `CustomerIdentifier`,
    /// `CustomerAWSAccountId` and `LicenseArn` for the product. Records
    /// under any of these names then add up to one hour per dimension.
    pub async fn resolve_customer(&self, registration_token: &str) -> Result<Buyer, MeterError> {
        let out = self.client.resolve_customer().registration_token(registration_token).send().await.map_err(|e| {
            let said = match e.as_service_error() {
                Some(s) => format!("{}: {}", s.code().unwrap_or("an error"), s.message().unwrap_or("")),
                None => mpkit_metering::error::DisplayErrorContext(&e).to_string(),
            };
            MeterError::Resolve(said)
        })?;
        let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        let buyer = Buyer {
            product_code: text(out.product_code()).ok_or_else(|| MeterError::Resolve("the answer names no product".into()))?,
            identifier: text(out.customer_identifier()),
            account_id: text(out.customer_aws_account_id()),
            license_arn: text(out.license_arn()),
        };
        self.store.add_buyers(vec![buyer.clone()]).await?;
        Ok(buyer)
    }

    /// Adds buyers to the customer directory (`metering customers import`).
    pub async fn add_buyers(&self, buyers: Vec<Buyer>) -> Result<u64, MeterError> {
        Ok(self.store.add_buyers(buyers).await?)
    }

    /// Sets the name `product`'s usage is sent under: [`Form::Account`] for
    /// products on concurrent agreements (`CustomerAWSAccountId` with `LicenseArn`).
    pub async fn set_form(&self, product: &str, form: Form) -> Result<(), MeterError> {
        Ok(self.store.set_form(product.to_owned(), form).await?)
    }

    /// Closes a customer whose licence ended (EventBridge `License
    /// Deprovisioned`: the service takes its usage for one more hour): seals
    /// every open hour of theirs at once, the hour in progress included,
    /// under any of the names the directory knows them by, and flushes, so
    /// their last usage goes before anything else can delay it. Records of
    /// theirs that arrive later go to a later hour, as for any sealed hour.
    pub async fn close(&self, customer: &Customer) -> Result<FlushReport, MeterError> {
        let mut names = vec![customer.clone()];
        for b in self.store.buyers().await? {
            if b.names(customer) {
                for n in b.forms(None) {
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
            }
        }
        let sealed = self.store.seal_customers(names).await?;
        let report = self.flush().await?;
        Ok(FlushReport { sealed: report.sealed + sealed, ..report })
    }

    /// Puts held and rejected hours back to be sent by the next flush (see [`Store::requeue`]).
    pub async fn requeue(&self, which: Requeue) -> Result<u64, MeterError> {
        Ok(self.store.requeue(which).await?)
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

/// Counts by state in `store`, the unsent hours near their deadline on the
/// store's clock, and how far `local` (this replica's time) is from it.
pub async fn status<S: Store>(store: &S, policy: &Policy, local: SystemTime) -> Result<Status, StoreError> {
    let now_ms = store.now_ms().await?;
    let counts = store.counts().await?;
    let (mut nearing_deadline, mut oldest_unsent_ms, mut nearest_deadline_ms) = (Vec::new(), None::<i64>, None::<i64>);
    for state in [HourState::Open, HourState::Sealed, HourState::Held] {
        for h in store.hours(state, usize::MAX >> 1).await? {
            let deadline = policy.deadline(h.customer.route(), h.hour);
            oldest_unsent_ms = Some(oldest_unsent_ms.map_or(h.hour, |o| o.min(h.hour)));
            nearest_deadline_ms = Some(nearest_deadline_ms.map_or(deadline, |d| d.min(deadline)));
            if policy.nearing_deadline(h.customer.route(), h.hour, now_ms) {
                nearing_deadline.push(h);
            }
        }
    }
    Ok(Status {
        counts,
        nearing_deadline,
        clock_skew_ms: epoch_ms(local).saturating_sub(now_ms),
        now_ms,
        oldest_unsent_ms,
        nearest_deadline_ms,
    })
}

/// Counts what was stored; an outcome not stored (the claim was taken over) counts as taken over.
fn tally(report: &mut FlushReport, outcomes: &[(Lease, Settle)], stored: &[bool]) {
    for ((_, s), stored) in outcomes.iter().zip(stored) {
        if !stored {
            report.taken_over += 1;
            continue;
        }
        match s {
            Settle::Sent(_) => report.sent += 1,
            Settle::Retry { .. } => report.retry_later += 1,
            Settle::Held { .. } => report.held += 1,
            Settle::Rejected(_) => report.rejected += 1,
            Settle::Conflict(_) => report.conflicts += 1,
        }
    }
}
