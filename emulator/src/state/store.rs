//! The `--data` file: what the emulator billed, kept in SQLite so that a
//! restarted emulator still knows every hour it billed and every client
//! token it saw. Records are not held in memory: each request looks up
//! the hours it names by primary key, so resident memory stays flat
//! however many records the file holds.
//!
//! Writes go through the committer's (`committer.rs`) own
//! connection, in group commits; this module opens the file, creates or
//! upgrades its schema (versioned with `PRAGMA user_version`), and reads.
//! Version 1 kept a client token's fingerprint as the request's text;
//! version 2 keeps its SHA-256, and opening a version 1 file rewrites those
//! in one transaction.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use super::records::{Fingerprint, Record, RecordKey};
use crate::decimal::Quantity;

/// The schema version this code writes.
const SCHEMA_VERSION: i64 = 3;

/// The reading side of an open `--data` file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    records: u64,
}

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

/// The records table's columns and key, as schema 3 has them; `{}` is the table's name.
const RECORDS_TABLE: &str = "CREATE TABLE {} (
    product TEXT NOT NULL, customer_account TEXT NOT NULL, dimension TEXT NOT NULL, hour INTEGER NOT NULL,
    operation TEXT NOT NULL, customer_identifier TEXT, license_arn TEXT,
    quantity TEXT NOT NULL, record_id TEXT NOT NULL, agreement TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (product, customer_account, agreement, dimension, hour));";

const COLUMNS: &str =
    "product, customer_account, dimension, hour, operation, customer_identifier, license_arn, quantity, record_id, agreement";

fn connect(path: &Path) -> Result<Connection, String> {
    let conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
    Ok(conn)
}

impl Store {
    /// Opens (creating or upgrading if needed) the file at `path`: the
    /// reading side, and a second connection for the committer to write with.
    pub fn open(path: &Path) -> Result<(Store, Connection), String> {
        let mut writer = connect(path)?;
        let version: i64 = writer.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(format!("{}: schema version {version} is newer than this emulator's {SCHEMA_VERSION}", path.display()));
        }
        if version == 0 {
            writer
                .execute_batch(&format!(
                    "BEGIN;
                     {}
                     CREATE TABLE client_tokens (
                         account TEXT NOT NULL, token TEXT NOT NULL, fingerprint TEXT NOT NULL, record_id TEXT NOT NULL,
                         PRIMARY KEY (account, token));
                     PRAGMA user_version = 3;
                     COMMIT;",
                    RECORDS_TABLE.replace("{}", "records")
                ))
                .map_err(err)?;
        }
        if version == 1 {
            upgrade_fingerprints(&mut writer).map_err(err)?;
        }
        if (1..=2).contains(&version) {
            upgrade_agreements(&writer).map_err(err)?;
        }
        let conn = connect(path)?;
        let records: i64 = conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0)).map_err(err)?;
        Ok((Store { conn, records: records as u64 }, writer))
    }

    /// How many records the file held when it was opened.
    pub fn records_at_open(&self) -> u64 {
        self.records
    }

    /// The committed record of `key`, if any.
    pub fn record(&self, key: &RecordKey<'_>) -> Result<Option<Record>, String> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM records WHERE product = ?1 AND customer_account = ?2 AND agreement = ?3 AND dimension = ?4 AND hour = ?5"
            ))
            .map_err(err)?;
        let row = stmt
            .query_row(params![key.product, key.customer_account, key.agreement, key.dimension, key.hour], raw_record)
            .optional()
            .map_err(err)?;
        row.map(decode).transpose()
    }

    /// Every committed record, by product, customer, dimension and hour.
    pub fn records(&self) -> Result<Vec<Record>, String> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM records ORDER BY product, customer_account, agreement, dimension, hour"))
            .map_err(err)?;
        let rows = stmt.query_map([], raw_record).map_err(err)?;
        rows.map(|row| row.map_err(err).and_then(decode)).collect()
    }

    /// What a committed `ClientToken` of `account` was first used with.
    pub fn token(&self, account: &str, token: &str) -> Result<Option<(Fingerprint, String)>, String> {
        let mut stmt =
            self.conn.prepare_cached("SELECT fingerprint, record_id FROM client_tokens WHERE account = ?1 AND token = ?2").map_err(err)?;
        let row: Option<(String, String)> =
            stmt.query_row(params![account, token], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(err)?;
        match row {
            None => Ok(None),
            Some((hex, id)) => Fingerprint::from_hex(&hex)
                .map(|f| Some((f, id)))
                .ok_or_else(|| format!("the data file has a token with fingerprint `{hex}`")),
        }
    }
}

type RawRecord = (String, String, String, i64, String, Option<String>, Option<String>, String, String, String);

fn raw_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?))
}

fn decode(raw: RawRecord) -> Result<Record, String> {
    let (product, customer_account, dimension, hour, operation, customer_identifier, license_arn, quantity, record_id, agreement) = raw;
    let agreement = (!agreement.is_empty()).then_some(agreement);
    let operation = match operation.as_str() {
        "MeterUsage" => "MeterUsage",
        "BatchMeterUsage" => "BatchMeterUsage",
        other => return Err(format!("the data file has a record of unknown operation `{other}`")),
    };
    let quantity = Quantity::parse(&quantity).ok_or_else(|| format!("the data file has a record with quantity `{quantity}`"))?;
    Ok(Record { operation, product, customer_account, customer_identifier, license_arn, agreement, dimension, hour, quantity, record_id })
}

/// Version 1 to 2: fingerprints from the request's text to its digest, in one transaction.
fn upgrade_fingerprints(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let rows: Vec<(String, String, String)> = {
        let mut stmt = tx.prepare("SELECT account, token, fingerprint FROM client_tokens")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (account, token, text) in rows {
        tx.execute(
            "UPDATE client_tokens SET fingerprint = ?3 WHERE account = ?1 AND token = ?2",
            params![account, token, Fingerprint::of(&text).to_hex()],
        )?;
    }
    tx.pragma_update(None, "user_version", 2)?;
    tx.commit()
}

/// Version 2 to 3: records keyed by agreement too (every record so far by account alone), in one transaction.
fn upgrade_agreements(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN;
         {}
         INSERT INTO records_v3 (product, customer_account, dimension, hour, operation, customer_identifier, license_arn, quantity, record_id, agreement)
             SELECT product, customer_account, dimension, hour, operation, customer_identifier, license_arn, quantity, record_id, '' FROM records;
         DROP TABLE records;
         ALTER TABLE records_v3 RENAME TO records;
         PRAGMA user_version = 3;
         COMMIT;",
        RECORDS_TABLE.replace("{}", "records_v3")
    ))
}

/// Writes a billed record (inside the committer's transaction).
pub fn insert_record(conn: &Connection, r: &Record) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&format!("INSERT INTO records ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"))?;
    let agreement = r.agreement.as_deref().unwrap_or("");
    stmt.execute(params![
        r.product,
        r.customer_account,
        r.dimension,
        r.hour,
        r.operation,
        r.customer_identifier,
        r.license_arn,
        r.quantity.to_string(),
        r.record_id,
        agreement
    ])?;
    Ok(())
}

/// Writes a client token's first use (inside the committer's transaction).
pub fn insert_token(conn: &Connection, account: &str, token: &str, fingerprint: &str, record_id: &str) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO client_tokens (account, token, fingerprint, record_id) VALUES (?1, ?2, ?3, ?4)")?;
    stmt.execute(params![account, token, fingerprint, record_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_file_is_upgraded_with_its_fingerprints_digested_and_its_records_keyed_by_account() {
        let dir = std::env::temp_dir().join(format!("emulator-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v1.sqlite");
        let _ = std::fs::remove_file(&path);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE records (product TEXT NOT NULL, customer_account TEXT NOT NULL, dimension TEXT NOT NULL, hour INTEGER NOT NULL,
                     operation TEXT NOT NULL, customer_identifier TEXT, license_arn TEXT, quantity TEXT NOT NULL, record_id TEXT NOT NULL,
                     PRIMARY KEY (product, customer_account, dimension, hour));
                 CREATE TABLE client_tokens (account TEXT NOT NULL, token TEXT NOT NULL, fingerprint TEXT NOT NULL, record_id TEXT NOT NULL,
                     PRIMARY KEY (account, token));
                 INSERT INTO client_tokens VALUES ('1', 'tok', '{\"ProductCode\":\"p\"}', 'rid');
                 INSERT INTO records VALUES ('p', '1', 'd', 3600, 'BatchMeterUsage', 'c', 'arn:l', '2.5', 'rid');
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let (store, _writer) = Store::open(&path).unwrap();
        assert_eq!(store.token("1", "tok").unwrap(), Some((Fingerprint::of("{\"ProductCode\":\"p\"}"), "rid".to_owned())));
        let version: i64 = store.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let key = RecordKey { product: "p", customer_account: "1", agreement: "", dimension: "d", hour: 3600 };
        let record = store.record(&key).unwrap().unwrap();
        assert_eq!((record.license_arn.as_deref(), record.agreement, record.record_id.as_str()), (Some("arn:l"), None, "rid"));
        drop((store, _writer));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_newer_schema_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("emulator-store-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v9.sqlite");
        let _ = std::fs::remove_file(&path);
        Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 9;").unwrap();
        let e = Store::open(&path).unwrap_err();
        assert!(e.contains("schema version 9 is newer"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
