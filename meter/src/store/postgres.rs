//! The shared store: PostgreSQL, for sellers with many replicas. Any
//! replica may record and any may flush; the database is the coordinator.
//!
//! How it stays right with many writers, all at `READ COMMITTED`:
//!
//! - A record adds to its hour with one upsert whose update applies only
//!   while the hour is open. Sealing is one `UPDATE … WHERE state = 'open'`.
//!   Both take the hour's row lock, so a record and a seal of one hour
//!   happen one after the other: the record lands in the sealed total
//!   (it committed first) or moves to the next hour (the seal did). A
//!   sealed total can never change.
//! - An event id is inserted before anything else, under a unique index:
//!   a second producer with the same id waits for the first to commit and
//!   then sees it, so it is counted once.
//! - Claiming takes sealed hours with `FOR UPDATE SKIP LOCKED` and leases
//!   them: two flushers never hold one hour at once; a dead flusher's hours
//!   are taken over when its lease ends, and sent again with the same
//!   sealed quantity (which the service answers as the same record).
//! - Records of one call are applied in key order, so two producers take
//!   row locks in the same order; a deadlock or serialization failure the
//!   server still reports is retried, whole, a few times.
//!
//! `record` returns after the transaction commits (`synchronous_commit`
//! as the server has it: on by default, durable on the server's disk).

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls, Transaction};

use super::sqlite::customer_columns;
use super::{Counts, Hour, HourState, Recorded, Settle, Store, StoreError};
use crate::policy::{hour_of, HOUR_MS};
use crate::quantity::Quantity;
use crate::usage::Usage;

/// Connections each store keeps; calls beyond that wait for one.
const CONNECTIONS: usize = 4;
/// Whole-transaction retries after a deadlock or serialization failure.
const RETRIES: usize = 5;
/// The advisory lock that serializes migrations between replicas starting together.
const MIGRATION_LOCK: i64 = 0x6d65_7465_7200_0001;

const MIGRATIONS: &[&str] = &["CREATE TABLE meter_hours (
         id BIGSERIAL PRIMARY KEY,
         product_code TEXT NOT NULL, customer_kind TEXT NOT NULL, customer TEXT NOT NULL, license_arn TEXT NOT NULL,
         dimension TEXT NOT NULL, hour BIGINT NOT NULL,
         total BIGINT NOT NULL, state TEXT NOT NULL,
         client_token TEXT, attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt_ms BIGINT NOT NULL DEFAULT 0, claimed_until_ms BIGINT NOT NULL DEFAULT 0,
         record_id TEXT, reason TEXT,
         UNIQUE (product_code, customer_kind, customer, license_arn, dimension, hour));
     CREATE INDEX meter_hours_by_state ON meter_hours (state, next_attempt_ms);
     CREATE TABLE meter_records (
         id BIGSERIAL PRIMARY KEY,
         hour_id BIGINT REFERENCES meter_hours (id),
         time_ms BIGINT NOT NULL, quantity BIGINT NOT NULL, event_id TEXT UNIQUE);"];

/// A store in a PostgreSQL database.
#[derive(Debug)]
pub struct PostgresStore {
    url: String,
    connections: Vec<Mutex<Option<Client>>>,
    next: AtomicUsize,
}

fn fail(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError(format!("{} ({})", db.message(), db.code().code())),
        None => StoreError(e.to_string()),
    }
}

fn retryable(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| *c == tokio_postgres::error::SqlState::T_R_DEADLOCK_DETECTED || *c == tokio_postgres::error::SqlState::T_R_SERIALIZATION_FAILURE)
}

async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(|e| StoreError(format!("{}: {}", redact(url), fail(e).0)))?;
    // The connection task ends when the client is dropped or the server goes away; a closed client is replaced on next use.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates the schema to the newest version.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let mut client = connect(url).await?;
        let tx = client.transaction().await.map_err(fail)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(fail)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS meter_schema (version INTEGER NOT NULL)").await.map_err(fail)?;
        let version: i32 = match tx.query_opt("SELECT version FROM meter_schema", &[]).await.map_err(fail)? {
            Some(row) => row.get(0),
            None => {
                tx.execute("INSERT INTO meter_schema (version) VALUES (0)", &[]).await.map_err(fail)?;
                0
            }
        };
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError(format!("{}: schema version {version} is newer than this meter's {}", redact(url), MIGRATIONS.len())));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).await.map_err(fail)?;
            tx.execute("UPDATE meter_schema SET version = $1", &[&((i + 1) as i32)]).await.map_err(fail)?;
        }
        tx.commit().await.map_err(fail)?;
        let mut connections = vec![Mutex::new(Some(client))];
        connections.extend((1..CONNECTIONS).map(|_| Mutex::new(None)));
        Ok(PostgresStore { url: url.to_owned(), connections, next: AtomicUsize::new(0) })
    }

    /// Runs `work` in a transaction on one of the connections, again (whole) after a deadlock.
    async fn with_transaction<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: for<'a> Fn(&'a Transaction<'a>) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, tokio_postgres::Error>> + Send + 'a>> + Send + Sync,
        T: Send,
    {
        let slot = &self.connections[self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len()];
        let mut guard = slot.lock().await;
        let mut attempt = 0;
        loop {
            if guard.as_ref().is_none_or(|c| c.is_closed()) {
                *guard = Some(connect(&self.url).await?);
            }
            let Some(client) = guard.as_mut() else { return Err(StoreError("no connection".into())) };
            let tx = client.transaction().await.map_err(fail)?;
            let outcome = match work(&tx).await {
                Ok(v) => tx.commit().await.map(|()| v),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(v) => return Ok(v),
                Err(e) if retryable(&e) && attempt < RETRIES => attempt += 1,
                Err(e) => return Err(fail(e)),
            }
        }
    }
}

async fn record_one(tx: &Transaction<'_>, u: &Usage) -> Result<Recorded, tokio_postgres::Error> {
    let Some(time_ms) = u.time_ms() else { return Ok(Recorded::Refused("the time is before 1970".into())) };
    let quantity = u.quantity.millionths();
    let inserted = tx
        .query_opt(
            "INSERT INTO meter_records (time_ms, quantity, event_id) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING id",
            &[&time_ms, &quantity, &u.event_id],
        )
        .await?;
    let Some(row) = inserted else { return Ok(Recorded::AlreadyRecorded) };
    let record_id: i64 = row.get(0);
    let product = u.product_code.as_deref().unwrap_or("");
    let (kind, customer, license) = customer_columns(&u.customer);
    let from = hour_of(time_ms);
    let mut hour = from;
    let hour_id: i64 = loop {
        let upserted = tx
            .query_opt(
                "INSERT INTO meter_hours (product_code, customer_kind, customer, license_arn, dimension, hour, total, state)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')
                 ON CONFLICT (product_code, customer_kind, customer, license_arn, dimension, hour)
                 DO UPDATE SET total = meter_hours.total + EXCLUDED.total
                 WHERE meter_hours.state = 'open' AND meter_hours.total + EXCLUDED.total <= $8
                 RETURNING id",
                &[&product, &kind, &customer, &license, &u.dimension, &hour, &quantity, &Quantity::MAX.millionths()],
            )
            .await?;
        if let Some(row) = upserted {
            break row.get(0);
        }
        let state: String = tx
            .query_one(
                "SELECT state FROM meter_hours
                 WHERE product_code = $1 AND customer_kind = $2 AND customer = $3 AND license_arn = $4 AND dimension = $5 AND hour = $6",
                &[&product, &kind, &customer, &license, &u.dimension, &hour],
            )
            .await?
            .get(0);
        if state == "open" {
            tx.execute("DELETE FROM meter_records WHERE id = $1", &[&record_id]).await?;
            return Ok(Recorded::Refused(format!("the hour's total would pass {}, the most one record can carry", Quantity::MAX)));
        }
        // Sealed or settled: frozen. The record goes to the next hour that is not.
        hour += HOUR_MS;
    };
    tx.execute("UPDATE meter_records SET hour_id = $2 WHERE id = $1", &[&record_id, &hour_id]).await?;
    Ok(if hour == from { Recorded::Added { hour } } else { Recorded::Moved { from, to: hour } })
}

const HOUR_COLUMNS: &str = "id, product_code, customer_kind, customer, license_arn, dimension, hour, total, state, client_token, attempts, record_id, reason";

fn read_hour(row: &tokio_postgres::Row) -> Result<Hour, StoreError> {
    let kind: String = row.get(2);
    let product: String = row.get(1);
    let total: i64 = row.get(7);
    let state: String = row.get(8);
    let attempts: i32 = row.get(10);
    Ok(Hour {
        id: row.get(0),
        product_code: (!product.is_empty()).then_some(product),
        customer: super::sqlite::customer_from_columns(&kind, row.get(3), row.get(4)).ok_or_else(|| StoreError(format!("unknown customer kind `{kind}`")))?,
        dimension: row.get(5),
        hour: row.get(6),
        total: Quantity::from_millionths(total).ok_or_else(|| StoreError(format!("total {total} out of range")))?,
        state: HourState::parse(&state).ok_or_else(|| StoreError(format!("unknown state `{state}`")))?,
        client_token: row.get(9),
        attempts: attempts.max(0) as u32,
        record_id: row.get(11),
        reason: row.get(12),
    })
}

impl Store for PostgresStore {
    async fn record(&self, usage: Vec<Usage>) -> Result<Vec<Recorded>, StoreError> {
        // Applied in key order, so that concurrent producers lock hours in one order.
        let mut order: Vec<usize> = (0..usage.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |u: &Usage| (u.product_code.clone(), customer_columns(&u.customer).1.to_owned(), u.dimension.clone(), u.time_ms());
            key(&usage[a]).cmp(&key(&usage[b]))
        });
        let (usage, order) = (std::sync::Arc::new(usage), std::sync::Arc::new(order));
        let (shared_usage, shared_order) = (usage.clone(), order.clone());
        let sorted = self
            .with_transaction(move |tx| {
                let (usage, order) = (shared_usage.clone(), shared_order.clone());
                Box::pin(async move {
                    let mut out = Vec::with_capacity(order.len());
                    for &i in order.iter() {
                        out.push((i, record_one(tx, &usage[i]).await?));
                    }
                    Ok(out)
                })
            })
            .await?;
        let mut answers: Vec<Option<Recorded>> = vec![None; usage.len()];
        for (i, r) in sorted {
            answers[i] = Some(r);
        }
        Ok(answers.into_iter().map(|a| a.unwrap_or(Recorded::Refused("the store answered nothing".into()))).collect())
    }

    async fn seal(&self, closed_before: i64) -> Result<u64, StoreError> {
        self.with_transaction(move |tx| {
            Box::pin(async move {
                tx.execute(
                    "UPDATE meter_hours
                     SET state = 'sealed',
                         client_token = encode(sha256(convert_to(product_code || E'\\n' || dimension || E'\\n' || hour::text, 'UTF8')), 'hex')
                     WHERE state = 'open' AND hour < $1",
                    &[&closed_before],
                )
                .await
            })
        })
        .await
    }

    async fn claim(&self, now_ms: i64, lease_ms: i64, limit: usize) -> Result<Vec<Hour>, StoreError> {
        let until = now_ms.saturating_add(lease_ms);
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = self
            .with_transaction(move |tx| {
                Box::pin(async move {
                    tx.query(
                        &format!(
                            "UPDATE meter_hours SET claimed_until_ms = $2, attempts = attempts + 1
                             WHERE id IN (SELECT id FROM meter_hours
                                          WHERE state = 'sealed' AND next_attempt_ms <= $1 AND claimed_until_ms <= $1
                                          ORDER BY hour, id LIMIT $3 FOR UPDATE SKIP LOCKED)
                             RETURNING {HOUR_COLUMNS}"
                        ),
                        &[&now_ms, &until, &limit],
                    )
                    .await
                })
            })
            .await?;
        let mut hours = rows.iter().map(read_hour).collect::<Result<Vec<_>, _>>()?;
        hours.sort_by_key(|h| (h.hour, h.id));
        Ok(hours)
    }

    async fn settle(&self, outcomes: Vec<(i64, Settle)>) -> Result<(), StoreError> {
        let outcomes = std::sync::Arc::new(outcomes);
        self.with_transaction(move |tx| {
            let outcomes = outcomes.clone();
            Box::pin(async move {
                for (id, outcome) in outcomes.iter() {
                    let (state, record_id, reason, next): (&str, Option<&str>, Option<&str>, i64) = match outcome {
                        Settle::Sent(record_id) => ("sent", Some(record_id.as_str()), None, 0),
                        Settle::Retry { at_ms, reason } => ("sealed", None, Some(reason.as_str()), *at_ms),
                        Settle::Rejected(reason) => ("rejected", None, Some(reason.as_str()), 0),
                        Settle::Conflict(reason) => ("conflict", None, Some(reason.as_str()), 0),
                    };
                    tx.execute(
                        "UPDATE meter_hours SET state = $2, record_id = $3, reason = $4, next_attempt_ms = $5, claimed_until_ms = 0
                         WHERE id = $1 AND state = 'sealed'",
                        &[id, &state, &record_id, &reason, &next],
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let (by_state, records) = self
            .with_transaction(|tx| {
                Box::pin(async move {
                    let rows = tx.query("SELECT state, count(*) FROM meter_hours GROUP BY state", &[]).await?;
                    let records: i64 = tx.query_one("SELECT count(*) FROM meter_records WHERE hour_id IS NOT NULL", &[]).await?.get(0);
                    Ok((rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1))).collect::<Vec<_>>(), records))
                })
            })
            .await?;
        let mut c = Counts { records: records as u64, ..Counts::default() };
        for (state, n) in by_state {
            let n = n as u64;
            match HourState::parse(&state) {
                Some(HourState::Open) => c.pending = n,
                Some(HourState::Sealed) => c.sealed = n,
                Some(HourState::Sent) => c.sent = n,
                Some(HourState::Rejected) => c.rejected = n,
                Some(HourState::Conflict) => c.conflicts = n,
                None => {}
            }
        }
        Ok(c)
    }

    async fn hours(&self, state: HourState, limit: usize) -> Result<Vec<Hour>, StoreError> {
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = self
            .with_transaction(move |tx| {
                Box::pin(async move {
                    tx.query(&format!("SELECT {HOUR_COLUMNS} FROM meter_hours WHERE state = $1 ORDER BY hour, id LIMIT $2"), &[&state.as_str(), &limit]).await
                })
            })
            .await?;
        rows.iter().map(read_hour).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL of the PostgreSQL that `.ci/run` starts; `None` (with a message) when there is none outside CI.
    pub(crate) fn database() -> Option<String> {
        match std::env::var("METER_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("METER_POSTGRES_URL is not set under CI=true: .ci/run starts a PostgreSQL and sets it"),
            _ => {
                eprintln!("skipped: METER_POSTGRES_URL is not set (.ci/run starts a PostgreSQL and sets it)");
                None
            }
        }
    }

    /// A fresh schema of its own for one test, on the shared server.
    pub(crate) async fn fresh(name: &str) -> Option<String> {
        let url = database()?;
        let schema = format!("t_{name}_{}", std::process::id());
        let (client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
        tokio::spawn(connection);
        client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};")).await.unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        Some(format!("{url}{sep}options=-csearch_path%3D{schema}"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_store_suite_passes_on_postgres() {
        let Some(url) = fresh("suite").await else { return };
        let handle = tokio::runtime::Handle::current();
        super::super::suite::run(|| tokio::task::block_in_place(|| handle.block_on(PostgresStore::open(&url)).unwrap())).await;
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://meter:s3cret@127.0.0.1:5432/db"), "postgres://meter:***@127.0.0.1:5432/db");
        assert_eq!(redact("postgres://meter@127.0.0.1/db"), "postgres://meter@127.0.0.1/db");
    }
}
