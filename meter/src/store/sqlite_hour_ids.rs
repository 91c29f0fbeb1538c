//! The row ids of the hours the SQLite store's thread has recently added
//! to, by a hash of their key: a record for a known hour updates it by row
//! id (an integer seek) instead of seeking the six-column text key. Only a
//! hint: the update still checks every key column and that the hour is
//! open, so a stale, colliding or reused id finds nothing, and the record
//! takes the full path. Cleared when a transaction fails (its ids may be
//! gone) and when it grows past a bound.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// At most this many ids are kept.
const LIMIT: usize = 100_000;

#[derive(Debug, Default)]
pub(super) struct HourIds(HashMap<u64, i64>);

/// An hour's key, hashed.
pub(super) fn key(product: &str, kind: &str, customer: &str, license: &str, dimension: &str, hour: i64) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (product, kind, customer, license, dimension, hour).hash(&mut h);
    h.finish()
}

impl HourIds {
    pub(super) fn get(&self, key: u64) -> Option<i64> {
        self.0.get(&key).copied()
    }

    pub(super) fn insert(&mut self, key: u64, id: i64) {
        if self.0.len() >= LIMIT {
            self.0.clear();
        }
        self.0.insert(key, id);
    }

    pub(super) fn forget(&mut self, key: u64) {
        self.0.remove(&key);
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
    }
}
