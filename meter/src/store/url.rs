//! A store named by URL, as the command line takes it: `sqlite:PATH` or
//! `postgres://user@host:port/database`.

use super::{Counts, Hour, HourState, Lease, PostgresStore, Recorded, Requeue, Settle, SqliteStore, Store, StoreError};
use crate::buyers::{Buyer, Form};
use crate::usage::{Customer, Usage};

/// Either store, chosen at run time.
#[derive(Debug)]
pub enum AnyStore {
    /// One SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database shared by replicas.
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Opens the store `url` names; the error says what a store URL looks like.
    pub async fn open(url: &str) -> Result<AnyStore, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(StoreError("`sqlite:` needs a path, as in sqlite:meter.db".into()));
            }
            return SqliteStore::open(std::path::Path::new(path)).map(AnyStore::Sqlite);
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return PostgresStore::open(url).await.map(AnyStore::Postgres);
        }
        Err(StoreError(format!("`{url}` is not a store: use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE")))
    }
}

macro_rules! either {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call.await,
            AnyStore::Postgres($s) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn record(&self, usage: Vec<Usage>) -> Result<Vec<Recorded>, StoreError> {
        either!(self, s => s.record(usage))
    }

    async fn seal(&self, closed_before: i64) -> Result<u64, StoreError> {
        either!(self, s => s.seal(closed_before))
    }

    async fn seal_customers(&self, names: Vec<Customer>) -> Result<u64, StoreError> {
        either!(self, s => s.seal_customers(names))
    }

    async fn claim(&self, due_ms: i64, now_ms: i64, lease_ms: i64, limit: usize) -> Result<Vec<Hour>, StoreError> {
        either!(self, s => s.claim(due_ms, now_ms, lease_ms, limit))
    }

    async fn renew(&self, leases: Vec<Lease>, until_ms: i64) -> Result<Vec<Lease>, StoreError> {
        either!(self, s => s.renew(leases, until_ms))
    }

    async fn settle(&self, outcomes: Vec<(Lease, Settle)>) -> Result<Vec<bool>, StoreError> {
        either!(self, s => s.settle(outcomes))
    }

    async fn requeue(&self, which: Requeue) -> Result<u64, StoreError> {
        either!(self, s => s.requeue(which))
    }

    async fn add_buyers(&self, buyers: Vec<Buyer>) -> Result<u64, StoreError> {
        either!(self, s => s.add_buyers(buyers))
    }

    async fn set_form(&self, product: String, form: Form) -> Result<(), StoreError> {
        either!(self, s => s.set_form(product, form))
    }

    async fn buyers(&self) -> Result<Vec<Buyer>, StoreError> {
        either!(self, s => s.buyers())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        either!(self, s => s.counts())
    }

    async fn hours(&self, state: HourState, limit: usize) -> Result<Vec<Hour>, StoreError> {
        either!(self, s => s.hours(state, limit))
    }

    async fn now_ms(&self) -> Result<i64, StoreError> {
        either!(self, s => s.now_ms())
    }

    async fn reserve_call(&self, now_ms: i64, interval_ms: i64, max_ahead_ms: i64) -> Result<i64, StoreError> {
        either!(self, s => s.reserve_call(now_ms, interval_ms, max_ahead_ms))
    }
}
