//! Where records live: one trait, two stores (SQLite embedded, PostgreSQL
//! shared), one test suite both pass (`store/suite.rs`).
//!
//! The life of an hour's total ("an hour", for short: one product or
//! licence, customer, dimension and UTC hour):
//!
//! - **open**: records add to it, exactly;
//! - **sealed**: closed (ended plus the grace), frozen, with a `ClientToken`;
//!   written before the first attempt to send it, and never changed after;
//! - then, from what the service answered, **sent** (with its
//!   `MeteringRecordId`), **held** (refused for a reason an operator can
//!   fix: wrong account or region, credentials, permissions; retried with
//!   backoff while the window is open, listed by `status`), **rejected**
//!   (not subscribed, past the window, refused as invalid; with the reason)
//!   or **conflict** (someone billed that hour with another quantity). A
//!   sealed hour that failed in a way worth retrying stays sealed, with a
//!   time for the next attempt. A held or rejected hour can be put back on
//!   purpose ([`Store::requeue`]): it is sent again with the same sealed
//!   quantity and token, which is safe because a sealed total never changes.
//!
//! Claims are fenced: every claim of an hour gives it a new generation, and
//! only the holder of the current generation may renew or settle it, so a
//! flusher whose lease ran out while it waited for the service cannot
//! overwrite what the flusher that took the hour over settled.
//!
//! Time: a store has a clock of its own ([`Store::now_ms`]: PostgreSQL's
//! `clock_timestamp()`, the host's for SQLite), and every decision about an
//! hour (sealing, what is due, leases, call slots) is taken on it, so one
//! replica with a wrong clock cannot seal the hour in progress or stop the
//! others.
//!
//! Nothing is ever deleted: every record is kept as it arrived, with its own
//! time and the hour it was billed in.

mod postgres;
mod postgres_connection;
mod postgres_directory;
mod postgres_record;
pub mod postgres_settings;
pub mod postgres_tls;
mod sqlite;
mod sqlite_directory;
mod sqlite_hour_ids;
mod sqlite_record;
#[cfg(test)]
pub(crate) mod suite;
mod url;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use url::AnyStore;

use std::fmt;
use std::future::Future;

use crate::buyers::{Buyer, Form};
use crate::quantity::Quantity;
use crate::usage::{Customer, Usage};

/// Where an hour stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HourState {
    /// Still taking records.
    Open,
    /// Frozen; being sent.
    Sealed,
    /// Refused for a reason an operator can fix; retried while its window is open.
    Held,
    /// Billed.
    Sent,
    /// Refused for good.
    Rejected,
    /// Billed by someone else with another quantity.
    Conflict,
}

impl HourState {
    /// Every state, in the order of an hour's life.
    pub const ALL: [HourState; 6] =
        [HourState::Open, HourState::Sealed, HourState::Held, HourState::Sent, HourState::Rejected, HourState::Conflict];

    /// The name stores keep.
    pub fn as_str(self) -> &'static str {
        match self {
            HourState::Open => "open",
            HourState::Sealed => "sealed",
            HourState::Held => "held",
            HourState::Sent => "sent",
            HourState::Rejected => "rejected",
            HourState::Conflict => "conflict",
        }
    }

    /// Reads [`HourState::as_str`]'s form.
    pub fn parse(s: &str) -> Option<HourState> {
        HourState::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

/// What `record` did with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Added to the hour of its time (epoch ms).
    Added {
        /// The hour it is billed in.
        hour: i64,
    },
    /// Its hour was sealed: added to the earliest unsealed hour after it, keeping its own time.
    Moved {
        /// The hour of its time.
        from: i64,
        /// The hour it is billed in.
        to: i64,
    },
    /// A record with its event id and the same content was stored before: ignored.
    /// (The same event id with other content is `Refused`, naming both.)
    AlreadyRecorded,
    /// Refused before anything was written, with the reason.
    Refused(String),
}

/// One hour's total, as stores report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hour {
    /// The store's id of the hour.
    pub id: i64,
    /// The product code, when records named one.
    pub product_code: Option<String>,
    /// The customer.
    pub customer: Customer,
    /// The dimension.
    pub dimension: String,
    /// The start of the hour, epoch ms.
    pub hour: i64,
    /// The total.
    pub total: Quantity,
    /// Where it stands.
    pub state: HourState,
    /// The `ClientToken` of its MeterUsage call, fixed when sealed.
    pub client_token: Option<String>,
    /// Attempts made to send it.
    pub attempts: u32,
    /// The generation of the claim that returned it (see [`Store::claim`]); 0 when unclaimed.
    pub generation: i64,
    /// The `MeteringRecordId`, once sent.
    pub record_id: Option<String>,
    /// Why it was rejected or is in conflict, or why the last attempt failed.
    pub reason: Option<String>,
}

impl Hour {
    /// The claim this hour was returned under.
    pub fn lease(&self) -> Lease {
        Lease { hour_id: self.id, generation: self.generation }
    }
}

/// A claim of one hour: its id and the generation the claim gave it. Only
/// the current generation may renew or settle the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The hour's id.
    pub hour_id: i64,
    /// The claim's generation.
    pub generation: i64,
}

/// Which held or rejected hours [`Store::requeue`] puts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requeue {
    /// Every held and rejected hour.
    All,
    /// Those whose reason starts with this code (`InvalidProductCodeException`, …).
    Reason(String),
    /// Those of the hour starting at this time (epoch ms).
    Hour(i64),
}

/// What the service said of a claimed hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// Billed, with this `MeteringRecordId`.
    Sent(String),
    /// Try again at this time (epoch ms), for this reason.
    Retry {
        /// The earliest time of the next attempt.
        at_ms: i64,
        /// What went wrong.
        reason: String,
    },
    /// Refused for a reason an operator can fix: try again at this time, and show it.
    Held {
        /// The earliest time of the next attempt.
        at_ms: i64,
        /// What the service said.
        reason: String,
    },
    /// Refused for good.
    Rejected(String),
    /// Billed by someone else with another quantity.
    Conflict(String),
}

impl Settle {
    /// The state, reason, record id and next attempt a store writes for it.
    pub(crate) fn columns(&self) -> (&'static str, Option<&str>, Option<&str>, i64) {
        match self {
            Settle::Sent(record_id) => ("sent", None, Some(record_id.as_str()), 0),
            Settle::Retry { at_ms, reason } => ("sealed", Some(reason.as_str()), None, *at_ms),
            Settle::Held { at_ms, reason } => ("held", Some(reason.as_str()), None, *at_ms),
            Settle::Rejected(reason) => ("rejected", Some(reason.as_str()), None, 0),
            Settle::Conflict(reason) => ("conflict", Some(reason.as_str()), None, 0),
        }
    }
}

/// Counts of hours by state, and how many unsent hours near their deadline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Open hours.
    pub pending: u64,
    /// Sealed, not yet settled.
    pub sealed: u64,
    /// Held for an operator (and retried).
    pub held: u64,
    /// Billed.
    pub sent: u64,
    /// Refused for good.
    pub rejected: u64,
    /// Billed by someone else with another quantity.
    pub conflicts: u64,
    /// Records stored, as they arrived.
    pub records: u64,
}

impl Counts {
    /// Sets the count of hours in the state a store names `state`; an unknown name counts nowhere.
    pub(crate) fn set(&mut self, state: &str, n: u64) {
        match HourState::parse(state) {
            Some(HourState::Open) => self.pending = n,
            Some(HourState::Sealed) => self.sealed = n,
            Some(HourState::Held) => self.held = n,
            Some(HourState::Sent) => self.sent = n,
            Some(HourState::Rejected) => self.rejected = n,
            Some(HourState::Conflict) => self.conflicts = n,
            None => {}
        }
    }
}

/// How a customer is kept: kind, id and licence, with `''` for none so that the key is unique.
pub(crate) fn customer_columns(c: &Customer) -> (&'static str, &str, &str) {
    match c {
        Customer::Identifier(id) => ("identifier", id, ""),
        Customer::Account { account_id, license_arn } => ("account", account_id, license_arn.as_deref().unwrap_or("")),
        Customer::Caller => ("caller", "", ""),
    }
}

/// Reads [`customer_columns`]' form back; `None` for an unknown kind.
pub(crate) fn customer_from_columns(kind: &str, id: String, license: String) -> Option<Customer> {
    match kind {
        "identifier" => Some(Customer::Identifier(id)),
        "account" => Some(Customer::Account { account_id: id, license_arn: (!license.is_empty()).then_some(license) }),
        "caller" => Some(Customer::Caller),
        _ => None,
    }
}

/// What a record with an event id said, as stores keep it: product,
/// customer, dimension, time and quantity in millionths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventContent {
    pub product: String,
    pub customer: Customer,
    pub dimension: String,
    pub time_ms: i64,
    pub quantity: i64,
}

impl EventContent {
    /// What `u` says.
    pub(crate) fn of(u: &Usage) -> EventContent {
        EventContent {
            product: u.product_code.clone().unwrap_or_default(),
            customer: u.customer.clone(),
            dimension: u.dimension.clone(),
            time_ms: u.time_ms().unwrap_or_default(),
            quantity: u.quantity.millionths(),
        }
    }

    /// What a stored record says: its own time and quantity, its hour's product, customer and dimension.
    pub(crate) fn stored(
        product: String,
        kind: &str,
        customer: String,
        license: String,
        dimension: String,
        time_ms: i64,
        quantity: i64,
    ) -> EventContent {
        EventContent {
            product,
            customer: customer_from_columns(kind, customer, license).unwrap_or(Customer::Caller),
            dimension,
            time_ms,
            quantity,
        }
    }

    fn describe(&self) -> String {
        let quantity = Quantity::from_millionths(self.quantity).map_or_else(|| self.quantity.to_string(), |q| q.to_string());
        let product = if self.product.is_empty() { "no product code" } else { &self.product };
        format!("{product}, {}, {}, at {} ms, quantity {quantity}", crate::buyers::describe(&self.customer), self.dimension, self.time_ms)
    }

    /// A record whose event id is stored with `stored`: the idempotent repeat
    /// when it says the same (its customer by any of `names`, the names of
    /// its buyer), else refused with both.
    pub(crate) fn repeat_of(&self, event_id: &str, stored: &EventContent, names: &[Customer]) -> Recorded {
        let same_customer = stored.customer == self.customer || names.contains(&stored.customer);
        if same_customer
            && (&self.product, &self.dimension, self.time_ms, self.quantity)
                == (&stored.product, &stored.dimension, stored.time_ms, stored.quantity)
        {
            Recorded::AlreadyRecorded
        } else {
            Recorded::Refused(format!(
                "EventId `{event_id}` was recorded before with other usage (stored: {}; this record: {})",
                stored.describe(),
                self.describe()
            ))
        }
    }
}

/// A store failed; nothing it was asked to do in that call happened, unless it says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the usage store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Where records live. Every method is one transaction: it happened whole, or not at all.
pub trait Store: Send + Sync + 'static {
    /// Writes `usage` (already checked); returns once every record it
    /// returns `Added` or `Moved` for is durable, in the order given. A
    /// SaaS record is kept under the name the customer directory sends its
    /// buyer as, and is refused when it would open an hour under a name
    /// that might be a buyer already metered in that hour (`buyers.rs`).
    fn record(&self, usage: Vec<Usage>) -> impl Future<Output = Result<Vec<Recorded>, StoreError>> + Send;

    /// Seals every open hour that starts before `closed_before` (epoch
    /// ms), fixing its total and its `ClientToken`; returns how many.
    fn seal(&self, closed_before: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Seals every open hour, the hour in progress included, of a customer
    /// by any of `names` (a licence that ended: its last usage goes at once); returns how many.
    fn seal_customers(&self, names: Vec<Customer>) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Claims up to `limit` sealed or held hours whose next attempt was due by
    /// `due_ms` and that no other flusher holds at `now_ms`, until
    /// `now_ms + lease_ms`, each under a new generation ([`Hour::generation`]).
    /// (A flush passes its own start as `due_ms`, so what it retries waits
    /// for the next flush, and the current time as `now_ms`, so a long
    /// flush's later claims still hold for a full lease.)
    fn claim(&self, due_ms: i64, now_ms: i64, lease_ms: i64, limit: usize) -> impl Future<Output = Result<Vec<Hour>, StoreError>> + Send;

    /// Extends the leases that are still current until `until_ms`; returns
    /// those (the others were taken over, or settled, by another flusher).
    fn renew(&self, leases: Vec<Lease>, until_ms: i64) -> impl Future<Output = Result<Vec<Lease>, StoreError>> + Send;

    /// Stores what the service said of claimed hours and releases them,
    /// each only under its current lease; returns, in order, whether each was stored.
    fn settle(&self, outcomes: Vec<(Lease, Settle)>) -> impl Future<Output = Result<Vec<bool>, StoreError>> + Send;

    /// Puts held and rejected hours back to be sent (sealed, due now),
    /// with their sealed total and token unchanged; returns how many.
    fn requeue(&self, which: Requeue) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Adds buyers to the customer directory (completing an entry that
    /// already names one of them); returns how many it was given.
    fn add_buyers(&self, buyers: Vec<Buyer>) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Sets the name `product`'s usage is sent under (for records that arrive later).
    fn set_form(&self, product: String, form: Form) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The customer directory, by product.
    fn buyers(&self) -> impl Future<Output = Result<Vec<Buyer>, StoreError>> + Send;

    /// Counts of hours by state.
    fn counts(&self) -> impl Future<Output = Result<Counts, StoreError>> + Send;

    /// Hours in `state`, oldest first, at most `limit`.
    fn hours(&self, state: HourState, limit: usize) -> impl Future<Output = Result<Vec<Hour>, StoreError>> + Send;

    /// The store's clock (epoch ms), which decides for every meter on the store.
    fn now_ms(&self) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Reserves the next call slot (epoch ms): `now_ms`, or `interval_ms`
    /// after the last slot reserved on this store, whichever is later.
    /// Shared by every meter on the store, so they share the account's rate.
    /// A last slot more than `max_ahead_ms` past `now_ms` was left by a
    /// clock that ran ahead: the rate never needs such a wait, so the slot
    /// starts again from `now_ms`.
    fn reserve_call(&self, now_ms: i64, interval_ms: i64, max_ahead_ms: i64) -> impl Future<Output = Result<i64, StoreError>> + Send;
}
