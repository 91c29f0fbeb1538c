//! The customer directory in SQLite: a product's buyers by every name
//! they are known by, and the name each product's usage is sent under
//! (the rules are in `buyers.rs`; this is where they meet the tables).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::customer_from_columns;
use crate::buyers::{self, Buyer, Form};
use crate::usage::{Customer, Route};

fn read_buyer(r: &rusqlite::Row<'_>) -> rusqlite::Result<Buyer> {
    let some = |s: String| (!s.is_empty()).then_some(s);
    Ok(Buyer { product_code: r.get(0)?, identifier: some(r.get(1)?), account_id: some(r.get(2)?), license_arn: some(r.get(3)?) })
}

/// The directory's entries that might name `customer` for `product`
/// (for a record without a product, by its licence, across products).
fn entries(tx: &Transaction<'_>, product: &str, customer: &Customer) -> rusqlite::Result<Vec<Buyer>> {
    const COLUMNS: &str = "SELECT product_code, identifier, account_id, license_arn FROM buyers";
    let rows = match (product, customer) {
        (_, Customer::Caller) => return Ok(Vec::new()),
        ("", Customer::Account { license_arn: Some(l), .. }) => tx
            .prepare_cached(&format!("{COLUMNS} WHERE license_arn = ?1"))?
            .query_map([l], read_buyer)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        (_, Customer::Identifier(id)) => tx
            .prepare_cached(&format!("{COLUMNS} WHERE product_code = ?1 AND identifier = ?2"))?
            .query_map(params![product, id], read_buyer)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        (_, Customer::Account { account_id, .. }) => tx
            .prepare_cached(&format!("{COLUMNS} WHERE product_code = ?1 AND account_id = ?2"))?
            .query_map(params![product, account_id], read_buyer)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

/// The form `product` is sent in, when one was set.
fn form(tx: &Transaction<'_>, product: &str) -> rusqlite::Result<Option<Form>> {
    let form: Option<String> =
        tx.prepare_cached("SELECT form FROM product_forms WHERE product_code = ?1")?.query_row([product], |r| r.get(0)).optional()?;
    Ok(form.as_deref().and_then(Form::parse))
}

/// The names of the customers one transaction looked up. A transaction
/// holds the file's write lock, so the directory cannot change under it:
/// each customer is looked up once per group commit, and not at all while
/// the directory is empty.
pub(super) struct Names {
    known: bool,
    seen: HashMap<(String, Customer), (Option<Buyer>, Vec<Customer>)>,
}

impl Names {
    /// For a transaction on `tx`.
    pub(super) fn new(tx: &Transaction<'_>) -> rusqlite::Result<Names> {
        let known = tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM buyers)")?.query_row([], |r| r.get(0))?;
        Ok(Names { known, seen: HashMap::new() })
    }

    /// The buyer `customer` names, if the directory knows them, and every
    /// name a record of theirs may be kept under, the one it is sent as first.
    pub(super) fn of(
        &mut self,
        tx: &Transaction<'_>,
        product: &str,
        customer: &Customer,
    ) -> rusqlite::Result<(Option<Buyer>, Vec<Customer>)> {
        if !self.known || customer.route() != Route::Batch {
            return Ok((None, vec![customer.clone()]));
        }
        let key = (product.to_owned(), customer.clone());
        if let Some(found) = self.seen.get(&key) {
            return Ok(found.clone());
        }
        let known = entries(tx, product, customer)?;
        let found = match buyers::find(&known, customer) {
            Some(buyer) => (Some(buyer.clone()), buyer.forms(form(tx, product)?)),
            None => (None, vec![customer.clone()]),
        };
        self.seen.insert(key, found.clone());
        Ok(found)
    }
}

/// Why a new hour under `name` cannot be opened for `product`, `dimension`
/// and `hour`: another hour there might bill the same buyer.
pub(super) fn ambiguity_in_slot(
    tx: &Transaction<'_>,
    product: &str,
    dimension: &str,
    hour: i64,
    name: &Customer,
    buyer: Option<&Buyer>,
) -> rusqlite::Result<Option<String>> {
    if name.route() != Route::Batch {
        return Ok(None);
    }
    // Only a name of the other kind, or the same account (with and without a licence), can be the same buyer:
    // the others in the slot (often thousands of one kind) are not read.
    let account = match name {
        Customer::Account { account_id, .. } => account_id.as_str(),
        _ => "",
    };
    // One index range each (hours_by_slot): the accounts, or the identifiers and this account's hours.
    let read = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    let existing: Vec<(String, String, String)> = match name {
        Customer::Identifier(_) => tx
            .prepare_cached("SELECT customer_kind, customer, license_arn FROM hours WHERE product_code = ?1 AND dimension = ?2 AND hour = ?3 AND customer_kind = 'account'")?
            .query_map(params![product, dimension, hour], read)?
            .collect::<rusqlite::Result<_>>()?,
        _ => tx
            .prepare_cached(
                "SELECT customer_kind, customer, license_arn FROM hours WHERE product_code = ?1 AND dimension = ?2 AND hour = ?3 AND customer_kind = 'identifier'
                 UNION ALL
                 SELECT customer_kind, customer, license_arn FROM hours WHERE product_code = ?1 AND dimension = ?2 AND hour = ?3 AND customer_kind = 'account' AND customer = ?4",
            )?
            .query_map(params![product, dimension, hour, account], read)?
            .collect::<rusqlite::Result<_>>()?,
    };
    for (kind, id, license) in existing {
        let Some(other) = customer_from_columns(&kind, id, license) else { continue };
        let candidates = entries(tx, product, &other)?;
        let other_buyer = buyers::find(&candidates, &other);
        if buyers::might_be_one_buyer(name, buyer, &other, other_buyer) {
            return Ok(Some(buyers::ambiguity(name, &other, product, dimension)));
        }
    }
    Ok(None)
}

/// Adds `buyer` to the directory, or completes the entry that already names it.
pub(super) fn add(tx: &Transaction<'_>, buyer: &Buyer) -> rusqlite::Result<()> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut known = Vec::new();
    for name in buyer.forms(None) {
        known.extend(entries(tx, &buyer.product_code, &name)?);
    }
    match buyers::completing(&known, buyer) {
        Some((old, new)) => {
            tx.prepare_cached(
                "UPDATE buyers SET identifier = ?5, account_id = ?6, license_arn = ?7
                 WHERE product_code = ?1 AND identifier = ?2 AND account_id = ?3 AND license_arn = ?4",
            )?
            .execute(params![
                old.product_code,
                text(&old.identifier),
                text(&old.account_id),
                text(&old.license_arn),
                text(&new.identifier),
                text(&new.account_id),
                text(&new.license_arn)
            ])?;
        }
        None => {
            tx.prepare_cached("INSERT INTO buyers (product_code, identifier, account_id, license_arn) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![buyer.product_code, text(&buyer.identifier), text(&buyer.account_id), text(&buyer.license_arn)])?;
        }
    }
    Ok(())
}

/// Sets the form `product`'s usage is sent in.
pub(super) fn set_form(tx: &Transaction<'_>, product: &str, form: Form) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO product_forms (product_code, form) VALUES (?1, ?2) ON CONFLICT (product_code) DO UPDATE SET form = excluded.form",
    )?
    .execute(params![product, form.as_str()])?;
    Ok(())
}

/// Every entry, by product.
pub(super) fn list(tx: &Transaction<'_>) -> rusqlite::Result<Vec<Buyer>> {
    tx.prepare_cached("SELECT product_code, identifier, account_id, license_arn FROM buyers ORDER BY product_code, id")?
        .query_map([], read_buyer)?
        .collect()
}
