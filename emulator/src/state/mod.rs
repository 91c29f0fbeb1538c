//! What the emulator has billed: one record per product, customer (for a
//! product on concurrent agreements, per agreement), dimension and hour,
//! and the idempotency tokens MeterUsage has seen.
//! Held behind one lock, so two requests for the same hour are decided one
//! after the other and can never both be billed.
//!
//! The files of this folder point down: `records.rs` holds the plain types,
//! `book.rs` the in-memory book, `store.rs` the SQLite file with
//! `committer.rs` its group commits, and this front end chooses between them.
//!
//! In memory the records live in a compact `Book` (`book.rs`). With a `--data` file
//! they live in SQLite: a new record or token is queued for the next group
//! commit and kept in a small overlay until it is on disk, and every
//! answer that depends on a row not yet on disk (a new record, or a repeat
//! or conflict decided against one) carries a [`Ticket`] the server waits
//! on before answering. So no answer is ever sent for usage a crash could
//! forget.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::watch;

mod book;
pub mod catalog;
mod committer;
mod records;
pub mod store;

use book::Book;
use committer::{Committer, Durable, Row};
pub use records::{Billing, Fingerprint, Record, RecordKey};
use store::Store;

/// What an answer waits for before it is sent: the commit of a row it depends on.
#[derive(Debug)]
pub struct Ticket {
    durable: watch::Receiver<Durable>,
    seq: u64,
}

impl Ticket {
    /// Waits until the row is on disk; why it never will be, when a commit failed.
    pub async fn wait(self) -> Result<(), Arc<str>> {
        committer::wait(self.durable, self.seq).await
    }
}

/// Rows queued for a commit that has not happened yet, by sequence number.
#[derive(Debug, Default)]
struct Overlay {
    records: HashMap<OwnedKey, (u64, Record)>,
    tokens: HashMap<(String, String), (u64, Fingerprint, String)>,
    order: VecDeque<(u64, Pending)>,
}

#[derive(Debug)]
enum Pending {
    Record(OwnedKey),
    Token((String, String)),
}

/// A [`RecordKey`] that owns its strings.
type OwnedKey = (String, String, String, String, i64);

fn owned(key: &RecordKey<'_>) -> OwnedKey {
    (key.product.to_owned(), key.customer_account.to_owned(), key.agreement.to_owned(), key.dimension.to_owned(), key.hour)
}

/// The `--data` file, its committer, and what is queued for it.
#[derive(Debug)]
struct Stored {
    store: Store,
    committer: Committer,
    durable: watch::Receiver<Durable>,
    overlay: Overlay,
}

impl Stored {
    /// Forgets queued rows that are on disk now, where lookups find them.
    fn prune(&mut self) {
        let seq = self.durable.borrow().seq;
        while self.overlay.order.front().is_some_and(|(s, _)| *s <= seq) {
            let Some((s, pending)) = self.overlay.order.pop_front() else { break };
            match pending {
                Pending::Record(k) => {
                    if self.overlay.records.get(&k).is_some_and(|(at, _)| *at == s) {
                        self.overlay.records.remove(&k);
                    }
                }
                Pending::Token(k) => {
                    if self.overlay.tokens.get(&k).is_some_and(|(at, ..)| *at == s) {
                        self.overlay.tokens.remove(&k);
                    }
                }
            }
        }
    }

    fn healthy(&self) -> Result<(), String> {
        match &self.durable.borrow().failed {
            Some(why) => Err(format!("{why}; restart the emulator on its --data file")),
            None => Ok(()),
        }
    }
}

#[derive(Debug)]
enum Backend {
    Memory(Book),
    Stored(Box<Stored>),
}

/// Everything the emulator has accepted.
#[derive(Debug)]
pub struct State {
    backend: Backend,
    next_id: u64,
    /// The highest row number the current request's answer depends on.
    waits_for: u64,
    /// The Catalog API's entities and change sets (in memory only).
    pub catalog: catalog::Catalog,
}

impl Default for State {
    fn default() -> Self {
        State { backend: Backend::Memory(Book::default()), next_id: 0, waits_for: 0, catalog: catalog::Catalog::default() }
    }
}

impl State {
    /// The state kept in the `--data` file at `path`, with what it already holds.
    pub fn open(path: &std::path::Path) -> Result<State, String> {
        let (store, writer) = Store::open(path)?;
        let next_id = store.records_at_open();
        let committer = Committer::start(writer);
        let durable = committer.durable();
        let stored = Stored { store, committer, durable, overlay: Overlay::default() };
        Ok(State { backend: Backend::Stored(Box::new(stored)), next_id, waits_for: 0, catalog: catalog::Catalog::default() })
    }

    /// What the answer being decided must wait for, if anything; resets it for the next request.
    pub fn take_ticket(&mut self) -> Option<Ticket> {
        let seq = std::mem::take(&mut self.waits_for);
        match &self.backend {
            Backend::Stored(s) if seq > 0 => Some(Ticket { durable: s.durable.clone(), seq }),
            _ => None,
        }
    }

    /// The record of `key`, if billed.
    pub fn record(&mut self, key: &RecordKey<'_>) -> Result<Option<Record>, String> {
        match &mut self.backend {
            Backend::Memory(book) => Ok(book.get(key)),
            Backend::Stored(s) => {
                s.prune();
                if let Some((seq, r)) = s.overlay.records.get(&owned(key)) {
                    self.waits_for = self.waits_for.max(*seq);
                    return Ok(Some(r.clone()));
                }
                s.store.record(key)
            }
        }
    }

    /// Bills `record` unless its hour is billed already (see [`Billing`]);
    /// `Err` (nothing billed) when the data file cannot take it.
    pub fn bill(&mut self, mut record: Record) -> Result<Billing, String> {
        if let Backend::Stored(s) = &self.backend {
            s.healthy()?;
        }
        if let Some(existing) = self.record(&record.key())? {
            return Ok(if existing.quantity == record.quantity { Billing::Repeat(existing.record_id) } else { Billing::Conflict });
        }
        let n = self.next_id + 1;
        record.record_id = book::record_id(record.hour, record.operation, n);
        self.next_id = n;
        let id = record.record_id.clone();
        match &mut self.backend {
            Backend::Memory(book) => book.insert(&record, n),
            Backend::Stored(s) => {
                let key = owned(&record.key());
                let seq = s.committer.push(Row::Record(record.clone()));
                s.overlay.records.insert(key.clone(), (seq, record));
                s.overlay.order.push_back((seq, Pending::Record(key)));
                self.waits_for = self.waits_for.max(seq);
            }
        }
        Ok(Billing::New(id))
    }

    /// What a `ClientToken` of `account` was first used with: its fingerprint and record id.
    pub fn client_token(&mut self, account: &str, token: &str) -> Result<Option<(Fingerprint, String)>, String> {
        match &mut self.backend {
            Backend::Memory(book) => Ok(book.token(account, token)),
            Backend::Stored(s) => {
                s.prune();
                if let Some((seq, fingerprint, id)) = s.overlay.tokens.get(&(account.to_owned(), token.to_owned())) {
                    self.waits_for = self.waits_for.max(*seq);
                    return Ok(Some((*fingerprint, id.clone())));
                }
                s.store.token(account, token)
            }
        }
    }

    /// Remembers a `ClientToken`'s first use; a later use never replaces it.
    pub fn remember_client_token(&mut self, account: &str, token: &str, fingerprint: Fingerprint, record_id: String) -> Result<(), String> {
        if self.client_token(account, token)?.is_some() {
            return Ok(());
        }
        match &mut self.backend {
            Backend::Memory(book) => book.insert_token(account, token, fingerprint, &record_id),
            Backend::Stored(s) => {
                s.healthy()?;
                let key = (account.to_owned(), token.to_owned());
                let row = Row::Token {
                    account: key.0.clone(),
                    token: key.1.clone(),
                    fingerprint: fingerprint.to_hex(),
                    record_id: record_id.clone(),
                };
                let seq = s.committer.push(row);
                s.overlay.tokens.insert(key.clone(), (seq, fingerprint, record_id));
                s.overlay.order.push_back((seq, Pending::Token(key)));
                self.waits_for = self.waits_for.max(seq);
            }
        }
        Ok(())
    }

    /// Every billed record, by product, customer, dimension and hour
    /// (with a data file, those still being written too).
    pub fn records(&mut self) -> Result<Vec<Record>, String> {
        match &mut self.backend {
            Backend::Memory(book) => Ok(book.records()),
            Backend::Stored(s) => {
                s.prune();
                let mut all = s.store.records()?;
                all.extend(s.overlay.records.values().map(|(_, r)| r.clone()));
                all.sort_by(|a, b| {
                    (&a.product, &a.customer_account, &a.agreement, &a.dimension, a.hour).cmp(&(
                        &b.product,
                        &b.customer_account,
                        &b.agreement,
                        &b.dimension,
                        b.hour,
                    ))
                });
                // A row committed between the prune and the read is in both.
                all.dedup_by(|a, b| a.key() == b.key());
                Ok(all)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Quantity;

    fn record(quantity: &str) -> Record {
        Record {
            operation: "MeterUsage",
            product: "p".into(),
            customer_account: "1".into(),
            customer_identifier: None,
            license_arn: None,
            agreement: None,
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
        assert_eq!(state.records().unwrap().iter().map(|r| r.quantity.to_string()).collect::<Vec<_>>(), ["17"]);
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
            state.remember_client_token("1", "tok", Fingerprint::of("fp"), id.clone()).unwrap();
            id
        };
        let mut reopened = State::open(&path).unwrap();
        assert_eq!(reopened.bill(record("18")), Ok(Billing::Conflict), "a changed quantity is still refused after a restart");
        assert_eq!(reopened.bill(record("17")), Ok(Billing::Repeat(first_id.clone())));
        assert_eq!(reopened.client_token("1", "tok").unwrap(), Some((Fingerprint::of("fp"), first_id.clone())));
        let mut other_hour = record("1");
        other_hour.hour = 7200;
        assert!(matches!(reopened.bill(other_hour), Ok(Billing::New(id)) if id != first_id), "ids go on after the reopened ones");
        let _ = std::fs::remove_dir_all(dir);
    }
    fn temp_data(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("emulator-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.sqlite");
        let _ = std::fs::remove_file(&path);
        (dir, path)
    }

    #[tokio::test]
    async fn answers_wait_for_the_group_commit_that_holds_their_rows() {
        let (dir, path) = temp_data("group");
        let mut state = State::open(&path).unwrap();
        let mut ids = Vec::new();
        for hour in 1..=50 {
            let mut r = record("1");
            r.hour = hour * 3600;
            let Ok(Billing::New(id)) = state.bill(r) else { panic!() };
            ids.push(id);
        }
        // The repeat was decided against a row not yet on disk, so its answer waits too.
        let mut repeat = record("1");
        repeat.hour = 50 * 3600;
        assert_eq!(state.bill(repeat), Ok(Billing::Repeat(ids[49].clone())));
        let ticket = state.take_ticket().expect("the answer depends on queued rows");
        assert!(state.take_ticket().is_none(), "taking the ticket resets it for the next request");
        ticket.wait().await.unwrap();
        // Committed rows leave the overlay and are found in the file.
        let mut again = record("1");
        again.hour = 3600;
        assert_eq!(state.bill(again), Ok(Billing::Repeat(ids[0].clone())));
        assert!(state.take_ticket().is_none(), "nothing to wait for: the row is on disk");
        assert_eq!(state.records().unwrap().len(), 50);
        drop(state);
        assert_eq!(State::open(&path).unwrap().records().unwrap().len(), 50);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_failed_commit_fails_its_answers_and_stops_billing_until_restart() {
        let (dir, path) = temp_data("failed");
        let mut state = State::open(&path).unwrap();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'the disk is full, a test says'); END;",
            )
            .unwrap();
        assert!(matches!(state.bill(record("1")), Ok(Billing::New(_))));
        let why = state.take_ticket().unwrap().wait().await.unwrap_err();
        assert!(why.contains("writing the data file failed") && why.contains("the disk is full"), "{why}");
        let refused = state.bill(record("2")).unwrap_err();
        assert!(refused.contains("restart the emulator"), "{refused}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
