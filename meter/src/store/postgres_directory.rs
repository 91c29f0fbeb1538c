//! The customer directory in PostgreSQL (the rules are in `buyers.rs`):
//! the entries a call's records and the hours beside them name, read once
//! per call, and how a call's groups of records are placed into hours so
//! that one buyer's dimension and hour is one hour, whichever name opened
//! it. Replicas opening hours in one product, dimension and hour take an
//! advisory lock on it first, so two of them cannot each open an hour under
//! two names of one buyer.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use tokio_postgres::Transaction;

use super::{customer_columns, customer_from_columns};
use crate::buyers::{self, Buyer, Form};
use crate::usage::{Customer, Route};

/// The directory entries and product forms a call needs.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
    entries: Vec<Buyer>,
    forms: HashMap<String, Form>,
}

fn read_buyer(row: &tokio_postgres::Row) -> Buyer {
    let some = |s: String| (!s.is_empty()).then_some(s);
    Buyer { product_code: row.get(0), identifier: some(row.get(1)), account_id: some(row.get(2)), license_arn: some(row.get(3)) }
}

impl Snapshot {
    /// Reads the entries that may name any of `customers` (product and customer), and the products' forms.
    pub(super) async fn load(tx: &Transaction<'_>, customers: &[(&str, &Customer)]) -> Result<Snapshot, tokio_postgres::Error> {
        let mut snapshot = Snapshot::default();
        snapshot.extend(tx, customers).await?;
        Ok(snapshot)
    }

    /// Adds the entries that may name `customers`.
    pub(super) async fn extend(&mut self, tx: &Transaction<'_>, customers: &[(&str, &Customer)]) -> Result<(), tokio_postgres::Error> {
        let (mut products, mut names, mut licences) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for &(product, customer) in customers {
            match customer {
                Customer::Identifier(id) => {
                    products.insert(product);
                    names.insert(id.as_str());
                }
                Customer::Account { account_id, license_arn } => {
                    products.insert(product);
                    names.insert(account_id.as_str());
                    if let Some(l) = license_arn {
                        licences.insert(l.as_str());
                    }
                }
                Customer::Caller => {}
            }
        }
        if products.is_empty() {
            return Ok(());
        }
        let (products, names, licences): (Vec<&str>, Vec<&str>, Vec<&str>) =
            (products.into_iter().collect(), names.into_iter().collect(), licences.into_iter().collect());
        let rows = tx
            .query(
                "SELECT product_code, identifier, account_id, license_arn FROM meter_buyers
                 WHERE (product_code = ANY($1) AND (identifier = ANY($2) OR account_id = ANY($2))) OR license_arn = ANY($3)",
                &[&products, &names, &licences],
            )
            .await?;
        for row in &rows {
            let buyer = read_buyer(row);
            if !self.entries.contains(&buyer) {
                self.entries.push(buyer);
            }
        }
        for row in tx.query("SELECT product_code, form FROM meter_product_forms WHERE product_code = ANY($1)", &[&products]).await? {
            if let Some(form) = Form::parse(row.get(1)) {
                self.forms.insert(row.get(0), form);
            }
        }
        Ok(())
    }

    /// The buyer `customer` names for `product` (by licence for a record without a product).
    pub(super) fn buyer(&self, product: &str, customer: &Customer) -> Option<&Buyer> {
        if customer.route() != Route::Batch {
            return None;
        }
        let by_product = self.entries.iter().filter(|b| {
            b.product_code == product
                || (product.is_empty() && b.license_arn.is_some() && b.license_arn.as_deref() == customer.license_arn())
        });
        buyers::find(by_product, customer)
    }

    /// The buyer `customer` names and every name its records may be kept under, the one it is sent as first.
    pub(super) fn names(&self, product: &str, customer: &Customer) -> (Option<Buyer>, Vec<Customer>) {
        match self.buyer(product, customer) {
            Some(b) => (Some(b.clone()), b.forms(self.forms.get(product).copied())),
            None => (None, vec![customer.clone()]),
        }
    }
}

/// A product, dimension and hour.
pub(super) type Slot = (String, String, i64);

/// The names hours of one slot are kept under: all of them to look a name
/// up, and by kind, since only names of the other kind (or one account
/// with and without a licence) can be one buyer.
#[derive(Debug, Default)]
pub(super) struct SlotNames {
    all: HashSet<Customer>,
    identifiers: Vec<Customer>,
    accounts: Vec<Customer>,
}

impl SlotNames {
    /// Adds a name (once).
    pub(super) fn add(&mut self, c: Customer) {
        if self.all.insert(c.clone()) {
            match c {
                Customer::Identifier(_) => self.identifiers.push(c),
                Customer::Account { .. } => self.accounts.push(c),
                Customer::Caller => {}
            }
        }
    }

    /// Every name.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Customer> {
        self.identifiers.iter().chain(&self.accounts)
    }

    /// The names that might be one buyer with `name`.
    fn candidates<'a>(&'a self, name: &'a Customer) -> Box<dyn Iterator<Item = &'a Customer> + 'a> {
        match name {
            Customer::Identifier(_) => Box::new(self.accounts.iter()),
            Customer::Account { account_id, .. } => Box::new(
                self.identifiers
                    .iter()
                    .chain(self.accounts.iter().filter(move |c| matches!(c, Customer::Account { account_id: a, .. } if a == account_id))),
            ),
            Customer::Caller => Box::new(std::iter::empty()),
        }
    }
}

/// Locks `slots` (in order, so replicas never wait on each other in a
/// cycle) for the rest of the transaction, and reads the names of the hours
/// already kept in them. A slot where only identifiers open hours is locked
/// shared: identifiers cannot be one buyer with each other, only with an
/// account, and a slot where an account opens an hour is locked exclusively.
/// So the replicas of a product that names buyers one way do not wait.
pub(super) async fn lock_and_read(
    tx: &Transaction<'_>,
    slots: &BTreeMap<Slot, bool>,
) -> Result<BTreeMap<Slot, SlotNames>, tokio_postgres::Error> {
    let products: Vec<&str> = slots.keys().map(|s| s.0.as_str()).collect();
    let dimensions: Vec<&str> = slots.keys().map(|s| s.1.as_str()).collect();
    let hours: Vec<i64> = slots.keys().map(|s| s.2).collect();
    let exclusive: Vec<bool> = slots.values().copied().collect();
    tx.execute(
        "SELECT CASE WHEN x THEN pg_advisory_xact_lock(k) ELSE pg_advisory_xact_lock_shared(k) END
         FROM (SELECT hashtextextended(p || chr(10) || d || chr(10) || h::text, 0) AS k, x
               FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bool[]) WITH ORDINALITY AS u(p, d, h, x, n) ORDER BY n) AS s",
        &[&products, &dimensions, &hours, &exclusive],
    )
    .await?;
    let rows = tx
        .query(
            "SELECT h.product_code, h.dimension, h.hour, h.customer_kind, h.customer, h.license_arn FROM meter_hours h
             JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS u(p, d, hr) ON h.product_code = u.p AND h.dimension = u.d AND h.hour = u.hr
             WHERE h.customer_kind <> 'caller'",
            &[&products, &dimensions, &hours],
        )
        .await?;
    let mut out: BTreeMap<Slot, SlotNames> = BTreeMap::new();
    for row in rows {
        let kind: String = row.get(3);
        if let Some(c) = customer_from_columns(&kind, row.get(4), row.get(5)) {
            out.entry((row.get(0), row.get(1), row.get(2))).or_default().add(c);
        }
    }
    Ok(out)
}

/// Where a group of one buyer's records in one slot goes: the name of the
/// hour it adds to (one already there under any of the buyer's names, else
/// the name it is sent as), or why it cannot open one.
pub(super) fn place(
    slot: &Slot,
    names: &[Customer],
    buyer: Option<&Buyer>,
    existing: &SlotNames,
    snapshot: &Snapshot,
) -> Result<Customer, String> {
    if let Some(there) = names.iter().find(|n| existing.all.contains(n)) {
        return Ok(there.clone());
    }
    for other in existing.candidates(&names[0]) {
        if buyers::might_be_one_buyer(&names[0], buyer, other, snapshot.buyer(&slot.0, other)) {
            return Err(buyers::ambiguity(&names[0], other, &slot.0, &slot.1));
        }
    }
    Ok(names[0].clone())
}

/// Adds `buyer` to the directory, or completes the entry that already names it.
pub(super) async fn add(tx: &Transaction<'_>, buyer: &Buyer) -> Result<(), tokio_postgres::Error> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let names = buyer.forms(None);
    let pairs: Vec<(&str, &Customer)> = names.iter().map(|n| (buyer.product_code.as_str(), n)).collect();
    let known = Snapshot::load(tx, &pairs).await?;
    match buyers::completing(&known.entries, buyer) {
        Some((old, new)) => {
            tx.execute(
                "UPDATE meter_buyers SET identifier = $5, account_id = $6, license_arn = $7
                 WHERE product_code = $1 AND identifier = $2 AND account_id = $3 AND license_arn = $4",
                &[
                    &old.product_code,
                    &text(&old.identifier),
                    &text(&old.account_id),
                    &text(&old.license_arn),
                    &text(&new.identifier),
                    &text(&new.account_id),
                    &text(&new.license_arn),
                ],
            )
            .await?;
        }
        None => {
            tx.execute(
                "INSERT INTO meter_buyers (product_code, identifier, account_id, license_arn) VALUES ($1, $2, $3, $4)",
                &[&buyer.product_code, &text(&buyer.identifier), &text(&buyer.account_id), &text(&buyer.license_arn)],
            )
            .await?;
        }
    }
    Ok(())
}

/// Sets the form `product`'s usage is sent in.
pub(super) async fn set_form(tx: &Transaction<'_>, product: &str, form: Form) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO meter_product_forms (product_code, form) VALUES ($1, $2) ON CONFLICT (product_code) DO UPDATE SET form = EXCLUDED.form",
        &[&product, &form.as_str()],
    )
    .await?;
    Ok(())
}

/// Every entry, by product.
pub(super) async fn list(tx: &Transaction<'_>) -> Result<Vec<Buyer>, tokio_postgres::Error> {
    Ok(tx
        .query("SELECT product_code, identifier, account_id, license_arn FROM meter_buyers ORDER BY product_code, id", &[])
        .await?
        .iter()
        .map(read_buyer)
        .collect())
}

/// The columns of `c`, owned, as a group key holds them.
pub(super) fn columns(c: &Customer) -> (&'static str, String, String) {
    let (kind, id, license) = customer_columns(c);
    (kind, id.to_owned(), license.to_owned())
}
