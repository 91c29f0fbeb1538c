//! A meter for AWS Marketplace that never loses a usage record.
//!
//! Producers hand it usage records ([`Usage`]); [`Meter::record`] returns
//! once they are durable. Records add up, exactly, per product or licence,
//! customer, dimension and UTC hour. Once an hour has ended and its grace
//! has passed, [`Meter::flush`] seals its total (frozen, written before the
//! first attempt to send it) and sends it: SaaS usage with BatchMeterUsage,
//! EC2 and container usage with MeterUsage and a `ClientToken` fixed at
//! sealing, at the service's request rate. What the service answers is kept
//! with each hour: billed (with its `MeteringRecordId`), to be retried,
//! rejected for good, or in conflict with a quantity someone else billed.
//!
//! The layout: `usage.rs` (a record and its checks), `quantity.rs` (exact
//! decimals), `policy.rs` (windows, grace, backoff: pure), `store/` (the
//! storage trait, its SQLite and PostgreSQL implementations and the suite
//! every store passes), `send.rs` (an hour's calls and how each answer settles it),
//! `pace.rs` (the request rate, shared through the store) and `meter.rs` (the whole, as callers use it).

pub mod buyers;
mod meter;
pub mod observe;
mod pace;
pub mod policy;
pub mod quantity;
mod send;
pub mod store;
pub mod usage;

pub use buyers::{Buyer, Form};
pub use meter::{record_all, status, Clock, FlushReport, Meter, MeterError, Status, SKEW_WARNING};
pub use policy::Policy;
pub use quantity::Quantity;
pub use send::BATCH_LIMIT;
pub use store::{AnyStore, Hour, HourState, Lease, PostgresStore, Recorded, Requeue, SqliteStore, Store};
pub use usage::{Customer, Route, Usage, UsageError};
