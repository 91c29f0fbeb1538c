//! How one group commit of records is written to the SQLite store: each
//! record added to its open hour (found by the row-id hint of
//! `sqlite_hour_ids.rs`, else by its key), or a new hour made for it, then
//! the record itself stored under its event id. Called by the store's
//! thread (`sqlite.rs`) in one transaction per group.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::sqlite::in_transaction;
use super::sqlite_directory as directory;
use super::sqlite_hour_ids::{self as hour_ids, HourIds};
use super::{customer_columns, EventContent, Recorded, StoreError};
use crate::policy::{hour_of, HOUR_MS};
use crate::quantity::Quantity;
use crate::usage::Usage;

pub(super) fn record_group<'a>(
    conn: &mut Connection,
    ids: &mut HourIds,
    group: impl Iterator<Item = &'a [Usage]>,
) -> Result<Vec<Vec<Recorded>>, StoreError> {
    in_transaction(conn, |tx| {
        let mut names = directory::Names::new(tx)?;
        group.map(|usage| usage.iter().map(|u| record_one(tx, &mut names, ids, u)).collect()).collect()
    })
}

/// Two statements for the common case: add to the open hour (or create
/// it), then store the record. A SaaS record is kept under the name its
/// buyer is sent as (the customer directory's, `directory.rs`), added to
/// the buyer's hour whichever of its names that hour was opened under, and
/// refused when it opens an hour for a name the meter cannot tell apart
/// from a buyer already metered in it. A record whose event id is already
/// stored is not inserted (the unique index ignores it), and its addition is
/// taken back in the same transaction, so it is counted once.
fn record_one(tx: &Transaction<'_>, lookup: &mut directory::Names, ids: &mut HourIds, u: &Usage) -> rusqlite::Result<Recorded> {
    let Some(time_ms) = u.time_ms() else { return Ok(Recorded::Refused("the time is before 1970".into())) };
    let product = u.product_code.as_deref().unwrap_or("");
    let (buyer, names) = lookup.of(tx, product, &u.customer)?;
    let quantity = u.quantity.millionths();
    let from = hour_of(time_ms);
    let mut hour = from;
    let (hour_id, created, key) = 'hour: loop {
        for name in &names {
            let (kind, customer, license) = customer_columns(name);
            let key = hour_ids::key(product, kind, customer, license, &u.dimension, hour);
            if let Some(id) = ids.get(key) {
                let added: Option<i64> = tx
                    .prepare_cached(
                        "UPDATE hours SET total = total + ?7
                         WHERE id = ?9 AND product_code = ?1 AND customer_kind = ?2 AND customer = ?3 AND license_arn = ?4 AND dimension = ?5 AND hour = ?6
                           AND state = 'open' AND total + ?7 <= ?8
                         RETURNING id",
                    )?
                    .query_row(params![product, kind, customer, license, u.dimension, hour, quantity, Quantity::MAX.millionths(), id], |r| r.get(0))
                    .optional()?;
                match added {
                    Some(id) => break 'hour (id, false, key),
                    None => ids.forget(key),
                }
            }
            let added: Option<i64> = tx
                .prepare_cached(
                    "UPDATE hours SET total = total + ?7
                     WHERE product_code = ?1 AND customer_kind = ?2 AND customer = ?3 AND license_arn = ?4 AND dimension = ?5 AND hour = ?6
                       AND state = 'open' AND total + ?7 <= ?8
                     RETURNING id",
                )?
                .query_row(params![product, kind, customer, license, u.dimension, hour, quantity, Quantity::MAX.millionths()], |r| r.get(0))
                .optional()?;
            if let Some(id) = added {
                ids.insert(key, id);
                break 'hour (id, false, key);
            }
        }
        let mut state: Option<String> = None;
        for name in &names {
            let (kind, customer, license) = customer_columns(name);
            state = tx
                .prepare_cached(
                    "SELECT state FROM hours
                     WHERE product_code = ?1 AND customer_kind = ?2 AND customer = ?3 AND license_arn = ?4 AND dimension = ?5 AND hour = ?6",
                )?
                .query_row(params![product, kind, customer, license, u.dimension, hour], |r| r.get(0))
                .optional()?;
            if state.is_some() {
                break;
            }
        }
        match state.as_deref() {
            Some("open") => {
                return Ok(Recorded::Refused(format!("the hour's total would pass {}, the most one record can carry", Quantity::MAX)))
            }
            // Sealed or settled: frozen. The record goes to the next hour that is not.
            Some(_) => {
                hour += HOUR_MS;
                continue;
            }
            None => {}
        }
        if let Some(reason) = directory::ambiguity_in_slot(tx, product, &u.dimension, hour, &names[0], buyer.as_ref())? {
            return Ok(Recorded::Refused(reason));
        }
        let (kind, customer, license) = customer_columns(&names[0]);
        tx.prepare_cached(
            "INSERT INTO hours (product_code, customer_kind, customer, license_arn, dimension, hour, total, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open')",
        )?
        .execute(params![product, kind, customer, license, u.dimension, hour, quantity])?;
        let (id, key) = (tx.last_insert_rowid(), hour_ids::key(product, kind, customer, license, &u.dimension, hour));
        ids.insert(key, id);
        break (id, true, key);
    };
    let stored = tx
        .prepare_cached("INSERT OR IGNORE INTO records (hour_id, time_ms, quantity, event_id) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![hour_id, time_ms, quantity, u.event_id])?;
    if stored == 0 {
        if created {
            tx.prepare_cached("DELETE FROM hours WHERE id = ?1")?.execute([hour_id])?;
            ids.forget(key);
        } else {
            tx.prepare_cached("UPDATE hours SET total = total - ?2 WHERE id = ?1")?.execute(params![hour_id, quantity])?;
        }
        let event_id = u.event_id.as_deref().unwrap_or_default();
        let before = tx
            .prepare_cached(
                "SELECT h.product_code, h.customer_kind, h.customer, h.license_arn, h.dimension, r.time_ms, r.quantity
                 FROM records r JOIN hours h ON h.id = r.hour_id WHERE r.event_id = ?1",
            )?
            .query_row([event_id], |r| {
                let kind: String = r.get(1)?;
                Ok(EventContent::stored(r.get(0)?, &kind, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })?;
        return Ok(EventContent::of(u).repeat_of(event_id, &before, &names));
    }
    Ok(if hour == from { Recorded::Added { hour } } else { Recorded::Moved { from, to: hour } })
}
