//! The `--data` file: what the emulator billed, kept in SQLite so that a
//! restarted emulator still knows every hour it billed and every client
//! token it saw.
//!
//! Guarantees: [`Store::insert_record`] and [`Store::insert_token`] return
//! only after the row is committed (WAL, `synchronous = FULL`), so an answer
//! the emulator sent is on disk; a crash before the commit leaves no row and
//! no answer was sent. The schema is versioned with `PRAGMA user_version`
//! and created on open.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::decimal::Quantity;
use crate::state::Record;

/// The schema version this code writes.
const SCHEMA_VERSION: i64 = 1;

/// An open `--data` file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

/// What a store holds, read on open.
#[derive(Debug, Default)]
pub struct Contents {
    /// Every billed record.
    pub records: Vec<Record>,
    /// Every `(account, token, fingerprint, record id)` MeterUsage saw.
    pub tokens: Vec<(String, String, String, String)>,
}

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

impl Store {
    /// Opens (creating if needed) the file at `path` and reads what it holds.
    pub fn open(path: &Path) -> Result<(Store, Contents), String> {
        let conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        match version {
            0 => {
                conn.execute_batch(
                    "BEGIN;
                     CREATE TABLE records (
                         product TEXT NOT NULL, customer_account TEXT NOT NULL, dimension TEXT NOT NULL, hour INTEGER NOT NULL,
                         operation TEXT NOT NULL, customer_identifier TEXT, license_arn TEXT,
                         quantity TEXT NOT NULL, record_id TEXT NOT NULL,
                         PRIMARY KEY (product, customer_account, dimension, hour));
                     CREATE TABLE client_tokens (
                         account TEXT NOT NULL, token TEXT NOT NULL, fingerprint TEXT NOT NULL, record_id TEXT NOT NULL,
                         PRIMARY KEY (account, token));
                     PRAGMA user_version = 1;
                     COMMIT;",
                )
                .map_err(err)?;
            }
            SCHEMA_VERSION => {}
            other => return Err(format!("{}: schema version {other} is newer than this emulator's {SCHEMA_VERSION}", path.display())),
        }
        let store = Store { conn };
        let contents = store.read()?;
        Ok((store, contents))
    }

    fn read(&self) -> Result<Contents, String> {
        let mut contents = Contents::default();
        let mut stmt = self
            .conn
            .prepare("SELECT product, customer_account, dimension, hour, operation, customer_identifier, license_arn, quantity, record_id FROM records")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(err)?;
        for row in rows {
            let (product, customer_account, dimension, hour, operation, customer_identifier, license_arn, quantity, record_id) = row.map_err(err)?;
            let operation = match operation.as_str() {
                "MeterUsage" => "MeterUsage",
                "BatchMeterUsage" => "BatchMeterUsage",
                other => return Err(format!("the data file has a record of unknown operation `{other}`")),
            };
            let quantity = Quantity::parse(&quantity).ok_or_else(|| format!("the data file has a record with quantity `{quantity}`"))?;
            contents.records.push(Record { operation, product, customer_account, customer_identifier, license_arn, dimension, hour, quantity, record_id });
        }
        let mut stmt = self.conn.prepare("SELECT account, token, fingerprint, record_id FROM client_tokens").map_err(err)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).map_err(err)?;
        for row in rows {
            contents.tokens.push(row.map_err(err)?);
        }
        Ok(contents)
    }

    /// Commits a billed record.
    pub fn insert_record(&self, r: &Record) -> Result<(), String> {
        self.conn
            .execute(
                "INSERT INTO records (product, customer_account, dimension, hour, operation, customer_identifier, license_arn, quantity, record_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![r.product, r.customer_account, r.dimension, r.hour, r.operation, r.customer_identifier, r.license_arn, r.quantity.to_string(), r.record_id],
            )
            .map(|_| ())
            .map_err(err)
    }

    /// Commits a client token's first use.
    pub fn insert_token(&self, account: &str, token: &str, fingerprint: &str, record_id: &str) -> Result<(), String> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO client_tokens (account, token, fingerprint, record_id) VALUES (?1, ?2, ?3, ?4)",
                params![account, token, fingerprint, record_id],
            )
            .map(|_| ())
            .map_err(err)
    }
}
