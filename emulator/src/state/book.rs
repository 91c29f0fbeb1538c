//! The in-memory book of billed records, kept small: a million records must
//! fit in well under 300 MB. Product codes, accounts, dimensions, customer
//! identifiers and licences repeat across records, so each is stored once
//! and records refer to it by number; a record id is not stored but made
//! again from the record's number, hour and operation when asked for.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::records::{Fingerprint, Record, RecordKey};
use crate::decimal::Quantity;

/// Every distinct string the book holds, once.
#[derive(Debug, Default)]
struct Names {
    numbers: HashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

impl Names {
    fn number(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.numbers.get(text) {
            return n;
        }
        let n = u32::try_from(self.texts.len()).expect("fewer than 2^32 distinct names");
        let text: Arc<str> = Arc::from(text);
        self.texts.push(text.clone());
        self.numbers.insert(text, n);
        n
    }

    fn find(&self, text: &str) -> Option<u32> {
        self.numbers.get(text).copied()
    }

    fn text(&self, n: u32) -> &str {
        &self.texts[n as usize]
    }
}

/// Product, customer account, agreement ([`NONE`] for none), dimension (as name numbers) and hour.
type Key = (u32, u32, u32, u32, i64);

/// The agreement of a record billed by account alone.
const NONE: u32 = u32::MAX;

/// One billed record, without its key.
#[derive(Debug, Clone, Copy)]
struct Entry {
    batch: bool,
    identifier: Option<u32>,
    license: Option<u32>,
    quantity: Quantity,
    number: u64,
}

/// The record id of the `number`th record, billed for `hour` by `operation`.
pub fn record_id(hour: i64, operation: &str, number: u64) -> String {
    format!("{:08x}-{:04x}-4000-8000-{number:012x}", hour as u32, operation.len())
}

/// Billed records and client tokens, in memory.
#[derive(Debug, Default)]
pub struct Book {
    names: Names,
    records: BTreeMap<Key, Entry>,
    tokens: HashMap<(u32, Box<str>), (Fingerprint, Box<str>)>,
}

impl Book {
    fn key(&self, key: &RecordKey<'_>) -> Option<Key> {
        let agreement = if key.agreement.is_empty() { NONE } else { self.names.find(key.agreement)? };
        Some((self.names.find(key.product)?, self.names.find(key.customer_account)?, agreement, self.names.find(key.dimension)?, key.hour))
    }

    /// The record of `key`, if billed.
    pub fn get(&self, key: &RecordKey<'_>) -> Option<Record> {
        let k = self.key(key)?;
        self.records.get(&k).map(|e| self.record(&k, e))
    }

    /// Adds `record` as the `number`th one; the caller has checked that its hour is not billed.
    pub fn insert(&mut self, record: &Record, number: u64) {
        let agreement = record.agreement.as_deref().map_or(NONE, |a| self.names.number(a));
        let key = (
            self.names.number(&record.product),
            self.names.number(&record.customer_account),
            agreement,
            self.names.number(&record.dimension),
            record.hour,
        );
        let entry = Entry {
            batch: record.operation == "BatchMeterUsage",
            identifier: record.customer_identifier.as_deref().map(|s| self.names.number(s)),
            license: record.license_arn.as_deref().map(|s| self.names.number(s)),
            quantity: record.quantity,
            number,
        };
        self.records.insert(key, entry);
    }

    fn record(&self, key: &Key, e: &Entry) -> Record {
        let operation = if e.batch { "BatchMeterUsage" } else { "MeterUsage" };
        Record {
            operation,
            product: self.names.text(key.0).to_owned(),
            customer_account: self.names.text(key.1).to_owned(),
            customer_identifier: e.identifier.map(|n| self.names.text(n).to_owned()),
            license_arn: e.license.map(|n| self.names.text(n).to_owned()),
            agreement: (key.2 != NONE).then(|| self.names.text(key.2).to_owned()),
            dimension: self.names.text(key.3).to_owned(),
            hour: key.4,
            quantity: e.quantity,
            record_id: record_id(key.4, operation, e.number),
        }
    }

    /// Every record, by product, customer, dimension and hour.
    pub fn records(&self) -> Vec<Record> {
        self.records.iter().map(|(k, e)| self.record(k, e)).collect()
    }

    /// What a `ClientToken` of `account` was first used with.
    pub fn token(&self, account: &str, token: &str) -> Option<(Fingerprint, String)> {
        let account = self.names.find(account)?;
        self.tokens.get(&(account, Box::from(token))).map(|(f, id)| (*f, id.to_string()))
    }

    /// Remembers a token's first use; a later use never replaces it.
    pub fn insert_token(&mut self, account: &str, token: &str, fingerprint: Fingerprint, record_id: &str) {
        let account = self.names.number(account);
        self.tokens.entry((account, Box::from(token))).or_insert((fingerprint, Box::from(record_id)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_comes_back_as_it_went_in_with_its_id_made_again() {
        let mut book = Book::default();
        let record = Record {
            operation: "BatchMeterUsage",
            product: "p".into(),
            customer_account: "1".into(),
            customer_identifier: Some("c".into()),
            license_arn: Some("arn:l".into()),
            agreement: None,
            dimension: "d".into(),
            hour: 7200,
            quantity: Quantity::parse("2.5").unwrap(),
            record_id: record_id(7200, "BatchMeterUsage", 9),
        };
        book.insert(&record, 9);
        let key = RecordKey { product: "p", customer_account: "1", agreement: "", dimension: "d", hour: 7200 };
        assert_eq!(book.get(&key), Some(record.clone()));
        assert_eq!(book.get(&RecordKey { hour: 3600, ..key }), None);
        assert_eq!(book.get(&RecordKey { dimension: "unknown", ..key }), None);
        assert_eq!(book.get(&RecordKey { agreement: "arn:l", ..key }), None, "an agreement's hour is not the account's");
        // Two agreements of one account: two records for one hour.
        let by_agreement = |l: &str, n: u64| Record {
            agreement: Some(l.into()),
            license_arn: Some(l.into()),
            record_id: record_id(7200, "BatchMeterUsage", n),
            ..record.clone()
        };
        book.insert(&by_agreement("arn:a", 10), 10);
        book.insert(&by_agreement("arn:b", 11), 11);
        assert_eq!(book.get(&RecordKey { agreement: "arn:b", ..key }), Some(by_agreement("arn:b", 11)));
        let (a, b) = (by_agreement("arn:a", 10), by_agreement("arn:b", 11));
        assert_eq!(book.records(), [a, b, record], "an account's agreements before the account alone");
    }
}
