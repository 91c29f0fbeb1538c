//! The embedded store: one SQLite file (bundled SQLite, WAL,
//! `synchronous = FULL`). One thread owns the connection and serves the
//! store's calls in order; records from every producer that arrived while
//! it was busy are written in one transaction (a group commit), so
//! throughput does not pay one fsync per record.
//!
//! Guarantees: `record` answers only after the transaction holding its
//! records has committed, so a record it answered for survives a crash at
//! any later point, and a crash before the commit leaves none of the
//! group (no producer was answered). Every transaction starts `IMMEDIATE`,
//! so several processes on one file (a recorder and a flusher) take turns
//! instead of failing to upgrade a read lock; each waits up to
//! [`BUSY_TIMEOUT`] for the other.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::sqlite_directory as directory;
use super::sqlite_hour_ids::HourIds;
use super::sqlite_record::record_group;
use super::{customer_columns, customer_from_columns, Counts, Hour, HourState, Lease, Recorded, Requeue, Settle, Store, StoreError};
use crate::buyers::{Buyer, Form};
use crate::meter::Clock;
use crate::quantity::Quantity;
use crate::usage::{Customer, Usage};

/// How long a transaction waits for another process's lock on the file.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// The most records written in one group commit.
const GROUP_LIMIT: usize = 20_000;

/// The schema, one entry per version; opening a file runs the ones it lacks.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE hours (
         id INTEGER PRIMARY KEY,
         product_code TEXT NOT NULL, customer_kind TEXT NOT NULL, customer TEXT NOT NULL, license_arn TEXT NOT NULL,
         dimension TEXT NOT NULL, hour INTEGER NOT NULL,
         total INTEGER NOT NULL, state TEXT NOT NULL,
         client_token TEXT, attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt_ms INTEGER NOT NULL DEFAULT 0, claimed_until_ms INTEGER NOT NULL DEFAULT 0,
         record_id TEXT, reason TEXT,
         UNIQUE (product_code, customer_kind, customer, license_arn, dimension, hour));
     CREATE INDEX hours_by_state ON hours (state, next_attempt_ms);
     CREATE TABLE records (
         id INTEGER PRIMARY KEY,
         hour_id INTEGER NOT NULL REFERENCES hours (id),
         time_ms INTEGER NOT NULL, quantity INTEGER NOT NULL, event_id TEXT);
     CREATE UNIQUE INDEX records_by_event ON records (event_id) WHERE event_id IS NOT NULL;",
    "CREATE TABLE pace (id INTEGER PRIMARY KEY CHECK (id = 1), next_ms INTEGER NOT NULL);
     INSERT INTO pace (id, next_ms) VALUES (1, 0);",
    // Claims fenced by generation; an id made with the store that MeterUsage tokens include.
    "ALTER TABLE hours ADD COLUMN claim_gen INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), store_id TEXT NOT NULL);
     INSERT INTO meta (id, store_id) VALUES (1, lower(hex(randomblob(16))));",
    // The customer directory: a product's buyers by all their names, and the name each product's usage is sent under.
    "CREATE TABLE buyers (
         id INTEGER PRIMARY KEY, product_code TEXT NOT NULL,
         identifier TEXT NOT NULL, account_id TEXT NOT NULL, license_arn TEXT NOT NULL);
     CREATE INDEX buyers_by_identifier ON buyers (product_code, identifier);
     CREATE INDEX buyers_by_account ON buyers (product_code, account_id);
     CREATE INDEX buyers_by_licence ON buyers (license_arn);
     CREATE TABLE product_forms (product_code TEXT PRIMARY KEY, form TEXT NOT NULL);
     CREATE INDEX hours_by_slot ON hours (product_code, dimension, hour, customer_kind, customer);",
];

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Command {
    Record(Vec<Usage>, Reply<Vec<Recorded>>),
    Seal(i64, Reply<u64>),
    SealCustomers(Vec<Customer>, Reply<u64>),
    Claim { due_ms: i64, now_ms: i64, lease_ms: i64, limit: usize, reply: Reply<Vec<Hour>> },
    Renew(Vec<Lease>, i64, Reply<Vec<Lease>>),
    Settle(Vec<(Lease, Settle)>, Reply<Vec<bool>>),
    Requeue(Requeue, Reply<u64>),
    AddBuyers(Vec<Buyer>, Reply<u64>),
    SetForm(String, Form, Reply<()>),
    Buyers(Reply<Vec<Buyer>>),
    Counts(Reply<Counts>),
    Hours(HourState, usize, Reply<Vec<Hour>>),
    Reserve { now_ms: i64, interval_ms: i64, max_ahead_ms: i64, reply: Reply<i64> },
}

/// A store in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    commands: mpsc::Sender<Command>,
    clock: Clock,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

fn fail(e: rusqlite::Error) -> StoreError {
    StoreError(e.to_string())
}

impl SqliteStore {
    /// Opens (creating, or migrating to the newest schema) the file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open(path).map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(fail)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(fail)?;
        // 32 MB of page cache: the event-id index takes its inserts all over the tree, and the default 2 MB thrashes.
        conn.pragma_update(None, "cache_size", -32_768).map_err(fail)?;
        migrate(&mut conn, path)?;
        let (commands, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("meter-sqlite".into())
            .spawn(move || serve(conn, &queue))
            .map_err(|e| StoreError(format!("the store's thread did not start: {e}")))?;
        Ok(SqliteStore { path: path.to_owned(), commands, clock: crate::pace::system_clock() })
    }

    /// The same store on another clock. One SQLite file is one host, whose
    /// clock decides; tests that run the service on a simulated clock give it here.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn call<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(command(reply)).map_err(|_| StoreError("the store's thread has stopped".into()))?;
        answer.await.map_err(|_| StoreError("the store's thread stopped before answering".into()))?
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
    let version: usize = tx.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).map_err(fail)? as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError(format!("{}: schema version {version} is newer than this meter's {}", path.display(), MIGRATIONS.len())));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(fail)?;
    }
    tx.commit().map_err(fail)
}

fn serve(mut conn: Connection, queue: &mpsc::Receiver<Command>) {
    let mut next = None;
    let mut ids = HourIds::default();
    loop {
        let command = match next.take() {
            Some(c) => c,
            None => match queue.recv() {
                Ok(c) => c,
                Err(_) => return,
            },
        };
        match command {
            Command::Record(usage, reply) => {
                // Everything else that waits to be recorded goes into the same transaction.
                let mut group = vec![(usage, reply)];
                let mut size = group[0].0.len();
                while size < GROUP_LIMIT {
                    match queue.try_recv() {
                        Ok(Command::Record(u, r)) => {
                            size += u.len();
                            group.push((u, r));
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                match record_group(&mut conn, &mut ids, group.iter().map(|(u, _)| u.as_slice())) {
                    Ok(outcomes) => {
                        for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(outcome));
                        }
                    }
                    Err(e) => {
                        ids.clear();
                        for (_, reply) in group {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
            Command::Seal(closed_before, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| seal(tx, closed_before)));
            }
            Command::SealCustomers(names, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| seal_customers(tx, &names)));
            }
            Command::Claim { due_ms, now_ms, lease_ms, limit, reply } => {
                let _ = reply.send(in_transaction(&mut conn, |tx| claim(tx, due_ms, now_ms, lease_ms, limit)));
            }
            Command::Renew(leases, until_ms, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| renew(tx, &leases, until_ms)));
            }
            Command::Settle(outcomes, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| settle(tx, &outcomes)));
            }
            Command::Requeue(which, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| requeue(tx, &which)));
            }
            Command::AddBuyers(buyers, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| {
                    buyers.iter().try_for_each(|b| directory::add(tx, b))?;
                    Ok(buyers.len() as u64)
                }));
            }
            Command::SetForm(product, form, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| directory::set_form(tx, &product, form)));
            }
            Command::Buyers(reply) => {
                let _ = reply.send(in_transaction(&mut conn, directory::list));
            }
            Command::Counts(reply) => {
                let _ = reply.send(in_transaction(&mut conn, counts));
            }
            Command::Hours(state, limit, reply) => {
                let _ = reply.send(in_transaction(&mut conn, |tx| hours(tx, state, limit)));
            }
            Command::Reserve { now_ms, interval_ms, max_ahead_ms, reply } => {
                let _ = reply.send(in_transaction(&mut conn, |tx| {
                    tx.query_row(
                        "UPDATE pace SET next_ms = (CASE WHEN next_ms > ?1 + ?3 THEN ?1 ELSE max(next_ms, ?1) END) + ?2 WHERE id = 1 RETURNING next_ms - ?2",
                        params![now_ms, interval_ms, max_ahead_ms],
                        |r| r.get(0),
                    )
                }));
            }
        }
    }
}

pub(super) fn in_transaction<T>(conn: &mut Connection, f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>) -> Result<T, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
    let out = f(&tx).map_err(fail)?;
    tx.commit().map_err(fail)?;
    Ok(out)
}

/// The `ClientToken` of an hour's MeterUsage call: the same hour of the
/// same store always gets the same token, on every replica of the store;
/// two stores (two tasks of one buyer, each with its own file) get two.
pub(crate) fn client_token(store_id: &str, product: &str, dimension: &str, hour: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{store_id}\n{product}\n{dimension}\n{hour}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn seal(tx: &Transaction<'_>, closed_before: i64) -> rusqlite::Result<u64> {
    let closing: Vec<(i64, String, String, i64)> = {
        let mut stmt = tx.prepare_cached("SELECT id, product_code, dimension, hour FROM hours WHERE state = 'open' AND hour < ?1")?;
        let rows = stmt.query_map([closed_before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    seal_rows(tx, &closing)
}

fn seal_customers(tx: &Transaction<'_>, names: &[Customer]) -> rusqlite::Result<u64> {
    let mut closing: Vec<(i64, String, String, i64)> = Vec::new();
    let mut stmt = tx.prepare_cached(
        "SELECT id, product_code, dimension, hour FROM hours WHERE state = 'open' AND customer_kind = ?1 AND customer = ?2 AND license_arn = ?3",
    )?;
    for name in names {
        let (kind, customer, license) = customer_columns(name);
        let rows = stmt.query_map(params![kind, customer, license], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        closing.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    seal_rows(tx, &closing)
}

/// Seals the open hours `closing` (id, product, dimension, hour), each with its token.
fn seal_rows(tx: &Transaction<'_>, closing: &[(i64, String, String, i64)]) -> rusqlite::Result<u64> {
    let store_id: String = tx.query_row("SELECT store_id FROM meta WHERE id = 1", [], |r| r.get(0))?;
    let mut update = tx.prepare_cached("UPDATE hours SET state = 'sealed', client_token = ?2 WHERE id = ?1 AND state = 'open'")?;
    for (id, product, dimension, hour) in closing {
        update.execute(params![id, client_token(&store_id, product, dimension, *hour)])?;
    }
    Ok(closing.len() as u64)
}

const HOUR_COLUMNS: &str = "id, product_code, customer_kind, customer, license_arn, dimension, hour, total, state, client_token, attempts, record_id, reason, claim_gen";

fn read_hour(r: &rusqlite::Row<'_>) -> rusqlite::Result<Hour> {
    let bad = |what: String| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into());
    let product: String = r.get(1)?;
    let kind: String = r.get(2)?;
    let customer = customer_from_columns(&kind, r.get(3)?, r.get(4)?).ok_or_else(|| bad(format!("unknown customer kind `{kind}`")))?;
    let total: i64 = r.get(7)?;
    let state: String = r.get(8)?;
    Ok(Hour {
        id: r.get(0)?,
        product_code: (!product.is_empty()).then_some(product),
        customer,
        dimension: r.get(5)?,
        hour: r.get(6)?,
        total: Quantity::from_millionths(total).ok_or_else(|| bad(format!("total {total} out of range")))?,
        state: HourState::parse(&state).ok_or_else(|| bad(format!("unknown state `{state}`")))?,
        client_token: r.get(9)?,
        attempts: r.get(10)?,
        record_id: r.get(11)?,
        reason: r.get(12)?,
        generation: r.get(13)?,
    })
}

fn claim(tx: &Transaction<'_>, due_ms: i64, now_ms: i64, lease_ms: i64, limit: usize) -> rusqlite::Result<Vec<Hour>> {
    let due: Vec<i64> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id FROM hours
             WHERE state IN ('sealed', 'held') AND next_attempt_ms <= ?1 AND claimed_until_ms <= ?2 ORDER BY hour, id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![due_ms, now_ms, limit as i64], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut update = tx.prepare_cached(&format!(
        "UPDATE hours SET claimed_until_ms = ?2, attempts = attempts + 1, claim_gen = claim_gen + 1 WHERE id = ?1 RETURNING {HOUR_COLUMNS}"
    ))?;
    due.iter().map(|id| update.query_row(params![id, now_ms.saturating_add(lease_ms)], read_hour)).collect()
}

fn renew(tx: &Transaction<'_>, leases: &[Lease], until_ms: i64) -> rusqlite::Result<Vec<Lease>> {
    let mut update =
        tx.prepare_cached("UPDATE hours SET claimed_until_ms = ?3 WHERE id = ?1 AND claim_gen = ?2 AND state IN ('sealed', 'held')")?;
    let mut kept = Vec::with_capacity(leases.len());
    for lease in leases {
        if update.execute(params![lease.hour_id, lease.generation, until_ms])? == 1 {
            kept.push(*lease);
        }
    }
    Ok(kept)
}

fn settle(tx: &Transaction<'_>, outcomes: &[(Lease, Settle)]) -> rusqlite::Result<Vec<bool>> {
    let mut update = tx.prepare_cached(
        "UPDATE hours SET state = ?3, reason = ?4, record_id = ?5, next_attempt_ms = ?6, claimed_until_ms = 0
         WHERE id = ?1 AND claim_gen = ?2 AND state IN ('sealed', 'held')",
    )?;
    let mut stored = Vec::with_capacity(outcomes.len());
    for (lease, outcome) in outcomes {
        let (state, reason, record_id, next) = outcome.columns();
        stored.push(update.execute(params![lease.hour_id, lease.generation, state, reason, record_id, next])? == 1);
    }
    Ok(stored)
}

fn requeue(tx: &Transaction<'_>, which: &Requeue) -> rusqlite::Result<u64> {
    const PUT_BACK: &str =
        "UPDATE hours SET state = 'sealed', next_attempt_ms = 0, claimed_until_ms = 0 WHERE state IN ('held', 'rejected')";
    let n = match which {
        Requeue::All => tx.execute(PUT_BACK, [])?,
        Requeue::Reason(code) => tx.execute(&format!("{PUT_BACK} AND substr(reason, 1, length(?1)) = ?1"), [code])?,
        Requeue::Hour(hour) => tx.execute(&format!("{PUT_BACK} AND hour = ?1"), [hour])?,
    };
    Ok(n as u64)
}

fn counts(tx: &Transaction<'_>) -> rusqlite::Result<Counts> {
    let mut c = Counts::default();
    let mut stmt = tx.prepare_cached("SELECT state, count(*) FROM hours GROUP BY state")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
    for row in rows {
        let (state, n) = row?;
        c.set(&state, n);
    }
    c.records = tx.query_row("SELECT count(*) FROM records", [], |r| r.get::<_, i64>(0))? as u64;
    Ok(c)
}

fn hours(tx: &Transaction<'_>, state: HourState, limit: usize) -> rusqlite::Result<Vec<Hour>> {
    let mut stmt = tx.prepare_cached(&format!("SELECT {HOUR_COLUMNS} FROM hours WHERE state = ?1 ORDER BY hour, id LIMIT ?2"))?;
    let rows = stmt.query_map(params![state.as_str(), limit as i64], read_hour)?;
    rows.collect()
}

impl Store for SqliteStore {
    async fn record(&self, usage: Vec<Usage>) -> Result<Vec<Recorded>, StoreError> {
        self.call(|reply| Command::Record(usage, reply)).await
    }

    async fn seal(&self, closed_before: i64) -> Result<u64, StoreError> {
        self.call(|reply| Command::Seal(closed_before, reply)).await
    }

    async fn seal_customers(&self, names: Vec<Customer>) -> Result<u64, StoreError> {
        self.call(|reply| Command::SealCustomers(names, reply)).await
    }

    async fn claim(&self, due_ms: i64, now_ms: i64, lease_ms: i64, limit: usize) -> Result<Vec<Hour>, StoreError> {
        self.call(|reply| Command::Claim { due_ms, now_ms, lease_ms, limit, reply }).await
    }

    async fn renew(&self, leases: Vec<Lease>, until_ms: i64) -> Result<Vec<Lease>, StoreError> {
        self.call(|reply| Command::Renew(leases, until_ms, reply)).await
    }

    async fn settle(&self, outcomes: Vec<(Lease, Settle)>) -> Result<Vec<bool>, StoreError> {
        self.call(|reply| Command::Settle(outcomes, reply)).await
    }

    async fn requeue(&self, which: Requeue) -> Result<u64, StoreError> {
        self.call(|reply| Command::Requeue(which, reply)).await
    }

    async fn add_buyers(&self, buyers: Vec<Buyer>) -> Result<u64, StoreError> {
        self.call(|reply| Command::AddBuyers(buyers, reply)).await
    }

    async fn set_form(&self, product: String, form: Form) -> Result<(), StoreError> {
        self.call(|reply| Command::SetForm(product, form, reply)).await
    }

    async fn buyers(&self) -> Result<Vec<Buyer>, StoreError> {
        self.call(Command::Buyers).await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        self.call(Command::Counts).await
    }

    async fn hours(&self, state: HourState, limit: usize) -> Result<Vec<Hour>, StoreError> {
        self.call(|reply| Command::Hours(state, limit, reply)).await
    }

    async fn now_ms(&self) -> Result<i64, StoreError> {
        Ok(crate::pace::epoch_ms((self.clock)()))
    }

    async fn reserve_call(&self, now_ms: i64, interval_ms: i64, max_ahead_ms: i64) -> Result<i64, StoreError> {
        self.call(|reply| Command::Reserve { now_ms, interval_ms, max_ahead_ms, reply }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("meter-sqlite-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("meter.sqlite");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        path
    }

    #[tokio::test]
    async fn the_store_suite_passes_on_sqlite() {
        let path = temp("suite");
        super::super::suite::run(|| SqliteStore::open(&path).unwrap()).await;
    }

    #[tokio::test]
    async fn the_directory_suite_passes_on_sqlite() {
        super::super::suite::directory(SqliteStore::open(&temp("directory")).unwrap()).await;
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused_by_name() {
        let path = temp("newer");
        Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 7;").unwrap();
        let e = SqliteStore::open(&path).unwrap_err();
        assert!(e.0.contains("schema version 7 is newer than this meter's 4"), "{e}");
    }
}
