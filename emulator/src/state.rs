//! What the emulator has billed: one record per product, customer,
//! dimension and hour, and the idempotency tokens MeterUsage has seen.
//! Held in memory behind one lock, so two requests for the same hour are
//! decided one after the other and can never both be billed. With a
//! [`Store`] every new record and token is committed to the `--data` file
//! before it counts, so a restarted emulator knows what it billed.

use std::collections::{BTreeMap, HashMap};

use crate::decimal::Quantity;
use crate::store::Store;

/// One billed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `MeterUsage` or `BatchMeterUsage`.
    pub operation: &'static str,
    /// The product code.
    pub product: String,
    /// The customer's account id.
    pub customer_account: String,
    /// The customer identifier, when the customer has one.
    pub customer_identifier: Option<String>,
    /// The licence, when the request named one.
    pub license_arn: Option<String>,
    /// The dimension.
    pub dimension: String,
    /// The start of the hour, in epoch seconds.
    pub hour: i64,
    /// The quantity billed.
    pub quantity: Quantity,
    /// The `MeteringRecordId` answered.
    pub record_id: String,
}

/// Product, customer account, dimension and hour: what makes a record unique.
pub type RecordKey = (String, String, String, i64);

/// How a new record fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Billing {
    /// Billed now, with this id.
    New(String),
    /// The same quantity was billed before, with this id.
    Repeat(String),
    /// The hour was billed before with another quantity; nothing changed.
    Conflict,
}

/// Everything the emulator has accepted.
#[derive(Debug, Default)]
pub struct State {
    records: BTreeMap<RecordKey, Record>,
    /// `(account, ClientToken)` to the request's fingerprint and the answered record id.
    client_tokens: HashMap<(String, String), (String, String)>,
    next_id: u64,
    store: Option<Store>,
}

impl State {
    /// The state kept in the `--data` file at `path`, with what it already holds.
    pub fn open(path: &std::path::Path) -> Result<State, String> {
        let (store, contents) = Store::open(path)?;
        let mut state = State { next_id: contents.records.len() as u64, ..State::default() };
        for r in contents.records {
            state.records.insert((r.product.clone(), r.customer_account.clone(), r.dimension.clone(), r.hour), r);
        }
        for (account, token, fingerprint, record_id) in contents.tokens {
            state.client_tokens.insert((account, token), (fingerprint, record_id));
        }
        state.store = Some(store);
        Ok(state)
    }

    /// Bills `record` unless its hour is billed already (see [`Billing`]);
    /// with a store, a new record is committed before this returns, and
    /// `Err` (nothing billed) when it could not be.
    pub fn bill(&mut self, mut record: Record) -> Result<Billing, String> {
        let key = (record.product.clone(), record.customer_account.clone(), record.dimension.clone(), record.hour);
        if let Some(existing) = self.records.get(&key) {
            return Ok(if existing.quantity == record.quantity { Billing::Repeat(existing.record_id.clone()) } else { Billing::Conflict });
        }
        let n = self.next_id + 1;
        record.record_id = format!("{:08x}-{:04x}-4000-8000-{n:012x}", record.hour as u32, record.operation.len());
        if let Some(store) = &self.store {
            store.insert_record(&record)?;
        }
        self.next_id = n;
        let id = record.record_id.clone();
        self.records.insert(key, record);
        Ok(Billing::New(id))
    }

    /// The record of `key`, if billed.
    pub fn record(&self, key: &RecordKey) -> Option<&Record> {
        self.records.get(key)
    }

    /// What a `ClientToken` of `account` was first used with: its fingerprint and record id.
    pub fn client_token(&self, account: &str, token: &str) -> Option<&(String, String)> {
        self.client_tokens.get(&(account.to_owned(), token.to_owned()))
    }

    /// Remembers a `ClientToken`'s fingerprint and answer (committed first, with a store).
    pub fn remember_client_token(&mut self, account: &str, token: &str, fingerprint: String, record_id: String) -> Result<(), String> {
        if let Some(store) = &self.store {
            store.insert_token(account, token, &fingerprint, &record_id)?;
        }
        self.client_tokens.entry((account.to_owned(), token.to_owned())).or_insert((fingerprint, record_id));
        Ok(())
    }

    /// Every billed record, by product, customer, dimension and hour.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(quantity: &str) -> Record {
        Record {
            operation: "MeterUsage",
            product: "p".into(),
            customer_account: "1".into(),
            customer_identifier: None,
            license_arn: None,
            dimension: "d".into(),
            hour: 3600,
            quantity: Quantity::parse(quantity).unwrap(),
            record_id: String::new(),
        }
    }

    #[test]
    fn an_hour_is_billed_once_and_the_first_quantity_wins() {
        let mut state = State::default();
        let Ok(Billing::New(id)) = state.bill(record("17")) else { panic!() };
        assert_eq!(state.bill(record("17.0")), Ok(Billing::Repeat(id.clone())), "the same quantity by value");
        assert_eq!(state.bill(record("18")), Ok(Billing::Conflict));
        assert_eq!(state.records().map(|r| r.quantity.to_string()).collect::<Vec<_>>(), ["17"]);
        let mut other_hour = record("18");
        other_hour.hour = 7200;
        assert!(matches!(state.bill(other_hour), Ok(Billing::New(other)) if other != id));
    }

    #[test]
    fn a_reopened_data_file_remembers_every_billed_hour_and_token() {
        let dir = std::env::temp_dir().join(format!("emulator-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.sqlite");
        let _ = std::fs::remove_file(&path);
        let first_id = {
            let mut state = State::open(&path).unwrap();
            let Ok(Billing::New(id)) = state.bill(record("17")) else { panic!() };
            state.remember_client_token("1", "tok", "fp".into(), id.clone()).unwrap();
            id
        };
        let mut reopened = State::open(&path).unwrap();
        assert_eq!(reopened.bill(record("18")), Ok(Billing::Conflict), "a changed quantity is still refused after a restart");
        assert_eq!(reopened.bill(record("17")), Ok(Billing::Repeat(first_id.clone())));
        assert_eq!(reopened.client_token("1", "tok"), Some(&("fp".to_owned(), first_id.clone())));
        let mut other_hour = record("1");
        other_hour.hour = 7200;
        assert!(matches!(reopened.bill(other_hour), Ok(Billing::New(id)) if id != first_id), "ids go on after the reopened ones");
        let _ = std::fs::remove_dir_all(dir);
    }
}
