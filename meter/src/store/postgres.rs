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
//! - Event ids are kept under a unique index: a second producer with the
//!   same id fails its insert when the first commits, its transaction is
//!   rolled back whole and run again, and it then sees the id as stored, so
//!   the record is counted once.
//! - Claiming takes sealed hours with `FOR UPDATE SKIP LOCKED` and leases
//!   them: two flushers never hold one hour at once; a dead flusher's hours
//!   are taken over when its lease ends, and sent again with the same
//!   sealed quantity (which the service answers as the same record).
//! - A call's records are summed per hour in memory and added with one
//!   upsert in key order, so two producers take row locks in the same
//!   order; a deadlock or serialization failure the server still reports is
//!   retried, whole, a few times.
//!
//! `record` returns after the transaction commits (`synchronous_commit`
//! as the server has it: on by default, durable on the server's disk).

use super::postgres_connection::{connect, fail, Connections};
use super::postgres_directory as directory;
use super::postgres_record::record_batch;
use super::postgres_settings::Settings;
use super::{customer_from_columns, Counts, Hour, HourState, Lease, Recorded, Requeue, Settle, Store, StoreError};
use crate::buyers::{Buyer, Form};
use crate::meter::Clock;
use crate::quantity::Quantity;
use crate::usage::{Customer, Usage};

/// The advisory lock that serializes migrations between replicas starting together.
const MIGRATION_LOCK: i64 = 0x6d65_7465_7200_0001;
/// The advisory lock that serializes writers of the customer directory.
const DIRECTORY_LOCK: i64 = 0x6d65_7465_7200_0002;

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE meter_hours (
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
         time_ms BIGINT NOT NULL, quantity BIGINT NOT NULL, event_id TEXT UNIQUE);",
    "CREATE TABLE meter_pace (id INTEGER PRIMARY KEY CHECK (id = 1), next_ms BIGINT NOT NULL);
     INSERT INTO meter_pace (id, next_ms) VALUES (1, 0);",
    // Claims fenced by generation; an id made with the store that MeterUsage tokens include.
    "ALTER TABLE meter_hours ADD COLUMN claim_gen BIGINT NOT NULL DEFAULT 0;
     CREATE TABLE meter_meta (id INTEGER PRIMARY KEY CHECK (id = 1), store_id TEXT NOT NULL);
     INSERT INTO meter_meta (id, store_id) VALUES (1, md5(random()::text || clock_timestamp()::text));",
    // The customer directory: a product's buyers by all their names, and the name each product's usage is sent under.
    "CREATE TABLE meter_buyers (
         id BIGSERIAL PRIMARY KEY, product_code TEXT NOT NULL,
         identifier TEXT NOT NULL, account_id TEXT NOT NULL, license_arn TEXT NOT NULL);
     CREATE INDEX meter_buyers_by_identifier ON meter_buyers (product_code, identifier);
     CREATE INDEX meter_buyers_by_account ON meter_buyers (product_code, account_id);
     CREATE INDEX meter_buyers_by_licence ON meter_buyers (license_arn);
     CREATE TABLE meter_product_forms (product_code TEXT PRIMARY KEY, form TEXT NOT NULL);
     CREATE INDEX meter_hours_by_slot ON meter_hours (product_code, dimension, hour, customer_kind, customer);",
];

/// A store in a PostgreSQL database.
pub struct PostgresStore {
    connections: Connections,
    clock: Option<Clock>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("settings", self.connections.settings()).finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`, completed from
    /// the environment and the password file as libpq completes it:
    /// `postgres_settings.rs`) and migrates the schema to the newest version.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(Settings::from_url(url)?).await
    }

    /// Connects as `settings` say and migrates the schema, within the call deadline.
    pub async fn open_with(settings: Settings) -> Result<PostgresStore, StoreError> {
        let deadline = settings.call_deadline;
        match tokio::time::timeout(deadline, PostgresStore::migrate(settings.clone())).await {
            Ok(opened) => opened,
            Err(_) => Err(StoreError(format!("{settings}: the database did not answer within {deadline:?} while the store was opened"))),
        }
    }

    async fn migrate(settings: Settings) -> Result<PostgresStore, StoreError> {
        let mut client = connect(&settings).await?;
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
            return Err(StoreError(format!("{settings}: schema version {version} is newer than this meter's {}", MIGRATIONS.len())));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).await.map_err(fail)?;
            tx.execute("UPDATE meter_schema SET version = $1", &[&((i + 1) as i32)]).await.map_err(fail)?;
        }
        tx.commit().await.map_err(fail)?;
        Ok(PostgresStore { connections: Connections::new(settings, client), clock: None })
    }

    /// The same store with `clock` instead of the database's: for tests
    /// that run the service on a simulated clock. In production the
    /// database's clock decides, whatever the replicas' clocks say.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }
}

const HOUR_COLUMNS: &str = "id, product_code, customer_kind, customer, license_arn, dimension, hour, total, state, client_token, attempts, record_id, reason, claim_gen";

fn read_hour(row: &tokio_postgres::Row) -> Result<Hour, StoreError> {
    let kind: String = row.get(2);
    let product: String = row.get(1);
    let total: i64 = row.get(7);
    let state: String = row.get(8);
    let attempts: i32 = row.get(10);
    Ok(Hour {
        id: row.get(0),
        product_code: (!product.is_empty()).then_some(product),
        customer: customer_from_columns(&kind, row.get(3), row.get(4))
            .ok_or_else(|| StoreError(format!("unknown customer kind `{kind}`")))?,
        dimension: row.get(5),
        hour: row.get(6),
        total: Quantity::from_millionths(total).ok_or_else(|| StoreError(format!("total {total} out of range")))?,
        state: HourState::parse(&state).ok_or_else(|| StoreError(format!("unknown state `{state}`")))?,
        client_token: row.get(9),
        attempts: attempts.max(0) as u32,
        record_id: row.get(11),
        reason: row.get(12),
        generation: row.get(13),
    })
}

impl Store for PostgresStore {
    async fn now_ms(&self) -> Result<i64, StoreError> {
        if let Some(clock) = &self.clock {
            return Ok(crate::pace::epoch_ms(clock()));
        }
        self.connections.clock_ms().await
    }

    async fn reserve_call(&self, now_ms: i64, interval_ms: i64, max_ahead_ms: i64) -> Result<i64, StoreError> {
        self.connections.with_transaction(move |tx| {
            Box::pin(async move {
                let row = tx
                    .query_one(
                        "UPDATE meter_pace SET next_ms = (CASE WHEN next_ms > $1::bigint + $3::bigint THEN $1::bigint ELSE GREATEST(next_ms, $1::bigint) END) + $2::bigint
                         WHERE id = 1 RETURNING next_ms - $2",
                        &[&now_ms, &interval_ms, &max_ahead_ms],
                    )
                    .await?;
                Ok(row.get(0))
            })
        })
        .await
    }

    async fn record(&self, usage: Vec<Usage>) -> Result<Vec<Recorded>, StoreError> {
        let usage = std::sync::Arc::new(usage);
        self.connections
            .with_transaction(move |tx| {
                let usage = usage.clone();
                Box::pin(async move { record_batch(tx, &usage).await })
            })
            .await
    }

    async fn seal(&self, closed_before: i64) -> Result<u64, StoreError> {
        self.connections.with_transaction(move |tx| {
            Box::pin(async move {
                tx.execute(
                    "UPDATE meter_hours
                     SET state = 'sealed',
                         client_token = encode(sha256(convert_to(
                             (SELECT store_id FROM meter_meta WHERE id = 1) || E'\\n' || product_code || E'\\n' || dimension || E'\\n' || hour::text,
                             'UTF8')), 'hex')
                     WHERE state = 'open' AND hour < $1",
                    &[&closed_before],
                )
                .await
            })
        })
        .await
    }

    async fn seal_customers(&self, names: Vec<Customer>) -> Result<u64, StoreError> {
        let columns: Vec<(&'static str, String, String)> = names.iter().map(directory::columns).collect();
        let kinds: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let customers: Vec<String> = columns.iter().map(|c| c.1.clone()).collect();
        let licences: Vec<String> = columns.iter().map(|c| c.2.clone()).collect();
        self.connections.with_transaction(move |tx| {
            let (kinds, customers, licences) = (kinds.clone(), customers.clone(), licences.clone());
            Box::pin(async move {
                tx.execute(
                    "UPDATE meter_hours h
                     SET state = 'sealed',
                         client_token = encode(sha256(convert_to(
                             (SELECT store_id FROM meter_meta WHERE id = 1) || E'\\n' || h.product_code || E'\\n' || h.dimension || E'\\n' || h.hour::text,
                             'UTF8')), 'hex')
                     FROM unnest($1::text[], $2::text[], $3::text[]) AS n(k, c, l)
                     WHERE h.state = 'open' AND h.customer_kind = n.k AND h.customer = n.c AND h.license_arn = n.l",
                    &[&kinds, &customers, &licences],
                )
                .await
            })
        })
        .await
    }

    async fn claim(&self, due_ms: i64, now_ms: i64, lease_ms: i64, limit: usize) -> Result<Vec<Hour>, StoreError> {
        let until = now_ms.saturating_add(lease_ms);
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = self
            .connections
            .with_transaction(move |tx| {
                Box::pin(async move {
                    tx.query(
                        &format!(
                            "UPDATE meter_hours SET claimed_until_ms = $2, attempts = attempts + 1, claim_gen = claim_gen + 1
                             WHERE id IN (SELECT id FROM meter_hours
                                          WHERE state IN ('sealed', 'held') AND next_attempt_ms <= $1 AND claimed_until_ms <= $4
                                          ORDER BY hour, id LIMIT $3 FOR UPDATE SKIP LOCKED)
                             RETURNING {HOUR_COLUMNS}"
                        ),
                        &[&due_ms, &until, &limit, &now_ms],
                    )
                    .await
                })
            })
            .await?;
        let mut hours = rows.iter().map(read_hour).collect::<Result<Vec<_>, _>>()?;
        hours.sort_by_key(|h| (h.hour, h.id));
        Ok(hours)
    }

    async fn renew(&self, leases: Vec<Lease>, until_ms: i64) -> Result<Vec<Lease>, StoreError> {
        let ids: Vec<i64> = leases.iter().map(|l| l.hour_id).collect();
        let generations: Vec<i64> = leases.iter().map(|l| l.generation).collect();
        let rows = self
            .connections
            .with_transaction(move |tx| {
                let (ids, generations) = (ids.clone(), generations.clone());
                Box::pin(async move {
                    tx.query(
                        "UPDATE meter_hours h SET claimed_until_ms = $3
                         FROM unnest($1::bigint[], $2::bigint[]) AS l(id, g)
                         WHERE h.id = l.id AND h.claim_gen = l.g AND h.state IN ('sealed', 'held')
                         RETURNING h.id, h.claim_gen",
                        &[&ids, &generations, &until_ms],
                    )
                    .await
                })
            })
            .await?;
        let kept: std::collections::HashSet<Lease> = rows.iter().map(|r| Lease { hour_id: r.get(0), generation: r.get(1) }).collect();
        Ok(leases.into_iter().filter(|l| kept.contains(l)).collect())
    }

    async fn settle(&self, outcomes: Vec<(Lease, Settle)>) -> Result<Vec<bool>, StoreError> {
        let outcomes = std::sync::Arc::new(outcomes);
        self.connections
            .with_transaction(move |tx| {
                let outcomes = outcomes.clone();
                Box::pin(async move {
                    let update = tx
                        .prepare(
                            "UPDATE meter_hours SET state = $3, reason = $4, record_id = $5, next_attempt_ms = $6, claimed_until_ms = 0
                         WHERE id = $1 AND claim_gen = $2 AND state IN ('sealed', 'held')",
                        )
                        .await?;
                    let mut stored = Vec::with_capacity(outcomes.len());
                    for (lease, outcome) in outcomes.iter() {
                        let (state, reason, record_id, next) = outcome.columns();
                        stored.push(
                            tx.execute(&update, &[&lease.hour_id, &lease.generation, &state, &reason, &record_id, &next]).await? == 1,
                        );
                    }
                    Ok(stored)
                })
            })
            .await
    }

    async fn requeue(&self, which: Requeue) -> Result<u64, StoreError> {
        self.connections.with_transaction(move |tx| {
            let which = which.clone();
            Box::pin(async move {
                const PUT_BACK: &str =
                    "UPDATE meter_hours SET state = 'sealed', next_attempt_ms = 0, claimed_until_ms = 0 WHERE state IN ('held', 'rejected')";
                match which {
                    Requeue::All => tx.execute(PUT_BACK, &[]).await,
                    Requeue::Reason(code) => tx.execute(&format!("{PUT_BACK} AND starts_with(reason, $1)"), &[&code]).await,
                    Requeue::Hour(hour) => tx.execute(&format!("{PUT_BACK} AND hour = $1"), &[&hour]).await,
                }
            })
        })
        .await
    }

    async fn add_buyers(&self, buyers: Vec<Buyer>) -> Result<u64, StoreError> {
        let buyers = std::sync::Arc::new(buyers);
        self.connections
            .with_transaction(move |tx| {
                let buyers = buyers.clone();
                Box::pin(async move {
                    // One writer of the directory at a time, so two imports cannot add one buyer twice.
                    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK]).await?;
                    for b in buyers.iter() {
                        directory::add(tx, b).await?;
                    }
                    Ok(buyers.len() as u64)
                })
            })
            .await
    }

    async fn set_form(&self, product: String, form: Form) -> Result<(), StoreError> {
        self.connections
            .with_transaction(move |tx| {
                let product = product.clone();
                Box::pin(async move { directory::set_form(tx, &product, form).await })
            })
            .await
    }

    async fn buyers(&self) -> Result<Vec<Buyer>, StoreError> {
        self.connections.with_transaction(|tx| Box::pin(async move { directory::list(tx).await })).await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let (by_state, records) = self
            .connections
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
            c.set(&state, n as u64);
        }
        Ok(c)
    }

    async fn hours(&self, state: HourState, limit: usize) -> Result<Vec<Hour>, StoreError> {
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = self
            .connections
            .with_transaction(move |tx| {
                Box::pin(async move {
                    tx.query(
                        &format!("SELECT {HOUR_COLUMNS} FROM meter_hours WHERE state = $1 ORDER BY hour, id LIMIT $2"),
                        &[&state.as_str(), &limit],
                    )
                    .await
                })
            })
            .await?;
        rows.iter().map(read_hour).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::NoTls;

    /// The URL of the PostgreSQL that `.ci/run` starts; `None` (with a message) when there is none outside CI.
    pub(crate) fn database() -> Option<String> {
        match std::env::var("METER_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("METER_POSTGRES_URL is not set under CI=true: .ci/run starts a PostgreSQL and sets it")
            }
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_directory_suite_passes_on_postgres() {
        let Some(url) = fresh("directory").await else { return };
        super::super::suite::directory(PostgresStore::open(&url).await.unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_replicas_recording_the_same_events_at_once_count_each_once() {
        let Some(url) = fresh("race").await else { return };
        let (a, b) = (PostgresStore::open(&url).await.unwrap(), PostgresStore::open(&url).await.unwrap());
        let usage: Vec<Usage> = (0..400)
            .map(|i| Usage {
                product_code: Some("p".into()),
                customer: crate::usage::Customer::Identifier(format!("c{}", i % 7)),
                dimension: "d".into(),
                quantity: Quantity::units(1),
                time: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000 * 3600 + i),
                event_id: Some(format!("e{i}")),
            })
            .collect();
        for _ in 0..3 {
            let (x, y) = tokio::join!(a.record(usage.clone()), b.record(usage.iter().rev().cloned().collect()));
            let (x, y) = (x.unwrap(), y.unwrap());
            assert!(x.iter().chain(&y).all(|r| matches!(r, Recorded::Added { .. } | Recorded::AlreadyRecorded)));
        }
        let open = a.hours(HourState::Open, 100).await.unwrap();
        let total: i64 = open.iter().map(|h| h.total.millionths()).sum();
        assert_eq!(total, Quantity::units(400).millionths(), "every event once, however the replicas raced");
        assert_eq!(a.counts().await.unwrap().records, 400);
    }

    #[tokio::test]
    async fn passwords_stay_out_of_messages() {
        // Nothing listens on port 1: the error names the database, never the password.
        let e = PostgresStore::open("postgres://meter:hunter2@127.0.0.1:1/db").await.unwrap_err();
        assert!(e.0.contains("meter@127.0.0.1:1/db") && !e.0.contains("hunter2"), "{e}");
    }

    #[tokio::test]
    async fn the_password_comes_from_the_password_file() {
        let (Ok(url), Ok(password)) = (std::env::var("METER_POSTGRES_PASSWORD_URL"), std::env::var("METER_POSTGRES_PASSWORD")) else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("METER_POSTGRES_PASSWORD_URL is not set under CI=true: .ci/run starts a PostgreSQL and sets it");
            }
            eprintln!("skipped: METER_POSTGRES_PASSWORD_URL is not set (.ci/run starts a PostgreSQL and sets it)");
            return;
        };
        // A schema the password role may use (the trusted role makes it).
        let Some(trusted) = fresh("password").await else { return };
        let schema = format!("t_password_{}", std::process::id());
        let (client, connection) = tokio_postgres::connect(&trusted, NoTls).await.unwrap();
        tokio::spawn(connection);
        client.batch_execute(&format!("GRANT ALL ON SCHEMA {schema} TO meter_secret")).await.unwrap();
        let url = format!("{url}?options=-csearch_path%3D{schema}");

        let nothing = |_: &str| None;
        let refused = PostgresStore::open_with(Settings::read(&url, &nothing).unwrap()).await.unwrap_err();
        assert!(refused.0.contains("password") && !refused.0.contains(&password), "without one the server refuses: {refused}");
        let dir = std::env::temp_dir().join(format!("meter-pgpass-live-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pgpass");
        std::fs::write(&file, format!("127.0.0.1:*:postgres:meter_secret:{password}\n")).unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let path = file.to_str().unwrap().to_owned();
        let from_file = move |k: &str| (k == "PGPASSFILE").then(|| path.clone());
        let store = PostgresStore::open_with(Settings::read(&url, &from_file).unwrap()).await.unwrap();
        assert_eq!(store.counts().await.unwrap(), Counts::default(), "connected with the file's password");
        assert!(!format!("{store:?}").contains(&password));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_database_that_accepts_and_never_answers_is_an_error_not_a_hang() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let url = format!("postgres://meter@127.0.0.1:{port}/db?connect_timeout=1");
        let e = tokio::time::timeout(std::time::Duration::from_secs(30), PostgresStore::open(&url))
            .await
            .expect("open gave up by itself")
            .unwrap_err();
        assert!(e.0.contains("no connection within 1s"), "{e}");
        silent.abort();
    }
}
