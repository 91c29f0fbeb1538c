//! Group commits to the `--data` file: one thread owns the writing
//! connection, takes every row queued since its last commit, and commits
//! them in one transaction, so a burst of requests pays one fsync rather
//! than one each.
//!
//! Guarantees: each queued row gets a sequence number, in queue order;
//! [`Durable::seq`] is published only after the transaction holding every
//! row up to it has committed (WAL, `synchronous = FULL`), so an answer
//! that waited for its row's number is on disk. A crash before a commit
//! loses only rows whose answers were never sent. A failed commit is
//! published as [`Durable::failed`]: its rows and every later one are
//! never durable, and the emulator answers them with an error, since what
//! it holds in memory is then ahead of the file.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::watch;

use super::records::Record;
use super::store::{insert_record, insert_token};

/// One row to write.
#[derive(Debug, Clone)]
pub enum Row {
    /// A billed record.
    Record(Record),
    /// A client token's first use.
    Token {
        /// The calling account.
        account: String,
        /// The `ClientToken`.
        token: String,
        /// The hex digest of the request's other parameters.
        fingerprint: String,
        /// The record id answered.
        record_id: String,
    },
}

/// How far the file has caught up.
#[derive(Debug, Clone, Default)]
pub struct Durable {
    /// Every row numbered up to this is committed.
    pub seq: u64,
    /// Why a commit failed, when one did: no later row will be committed.
    pub failed: Option<Arc<str>>,
}

#[derive(Debug, Default)]
struct Queue {
    rows: Vec<Row>,
    /// The number of the last row queued.
    last: u64,
    closing: bool,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// The writing thread and its queue. Dropping it commits what is queued and joins the thread.
#[derive(Debug)]
pub struct Committer {
    shared: Arc<Shared>,
    durable: watch::Receiver<Durable>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    /// Starts the thread that writes through `conn`.
    pub fn start(conn: Connection) -> Committer {
        let shared = Arc::new(Shared::default());
        let (tx, durable) = watch::channel(Durable::default());
        let writer = shared.clone();
        let thread = std::thread::Builder::new()
            .name("emulator-commits".into())
            .spawn(move || run(conn, &writer, &tx))
            .expect("the commit thread starts");
        Committer { shared, durable, thread: Some(thread) }
    }

    /// Queues `row`; its sequence number, to wait for with [`Committer::durable`].
    pub fn push(&self, row: Row) -> u64 {
        let mut queue = self.shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.rows.push(row);
        queue.last += 1;
        let seq = queue.last;
        drop(queue);
        self.shared.ready.notify_one();
        seq
    }

    /// How far the file has caught up, to read now or wait on.
    pub fn durable(&self) -> watch::Receiver<Durable> {
        self.durable.clone()
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()).closing = true;
        self.shared.ready.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(mut conn: Connection, shared: &Shared, durable: &watch::Sender<Durable>) {
    loop {
        let (rows, last, closing) = {
            let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            while queue.rows.is_empty() && !queue.closing {
                queue = shared.ready.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
            (std::mem::take(&mut queue.rows), queue.last, queue.closing)
        };
        if !rows.is_empty() && durable.borrow().failed.is_none() {
            match commit(&mut conn, &rows) {
                Ok(()) => durable.send_modify(|d| d.seq = last),
                Err(e) => durable.send_modify(|d| d.failed = Some(Arc::from(format!("writing the data file failed: {e}")))),
            }
        }
        if closing {
            return;
        }
    }
}

fn commit(conn: &mut Connection, rows: &[Row]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for row in rows {
        match row {
            Row::Record(r) => insert_record(&tx, r)?,
            Row::Token { account, token, fingerprint, record_id } => insert_token(&tx, account, token, fingerprint, record_id)?,
        }
    }
    tx.commit()
}

/// Waits until row `seq` is committed; the failure when it never will be.
pub async fn wait(mut durable: watch::Receiver<Durable>, seq: u64) -> Result<(), Arc<str>> {
    let state = match durable.wait_for(|d| d.seq >= seq || d.failed.is_some()).await {
        Ok(d) => d.clone(),
        Err(_) => return Err(Arc::from("the data file was closed before the usage was written")),
    };
    match state.failed {
        Some(why) if state.seq < seq => Err(why),
        _ => Ok(()),
    }
}
