//! The PostgreSQL store's connections: a few, each used by one call at a
//! time, connected again when the server closed one; every call on them is
//! bounded by the call deadline, after which its connection is dropped (the
//! server rolls back what had not committed), so a database that stops
//! answering is an error, never a hang.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls, Transaction};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::postgres_settings::Settings;
use super::StoreError;

/// Connections each store keeps; calls beyond that wait for one.
const CONNECTIONS: usize = 4;
/// Whole-transaction retries after a deadlock or serialization failure.
const RETRIES: usize = 5;

/// A transaction's work, as the store's methods write it.
pub(super) type Work<'a, T> = Pin<Box<dyn Future<Output = Result<T, tokio_postgres::Error>> + Send + 'a>>;

/// A store's connections and the settings they connect with.
pub(super) struct Connections {
    // Boxed: the settings are large and a store is moved as part of `AnyStore`.
    settings: Box<Settings>,
    slots: Vec<Mutex<Option<Client>>>,
    next: AtomicUsize,
}

impl Connections {
    /// The connections of a store, `first` already open.
    pub(super) fn new(settings: Settings, first: Client) -> Connections {
        let mut slots = vec![Mutex::new(Some(first))];
        slots.extend((1..CONNECTIONS).map(|_| Mutex::new(None)));
        Connections { settings: Box::new(settings), slots, next: AtomicUsize::new(0) }
    }

    /// What they connect with.
    pub(super) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// One of the connections, for one call at a time.
    async fn slot(&self) -> tokio::sync::MutexGuard<'_, Option<Client>> {
        self.slots[self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len()].lock().await
    }

    /// A call on `connection` ran out of the call deadline: the connection
    /// is dropped, and the error says what the call may have left (`late`).
    fn ran_out(&self, connection: &mut Option<Client>, late: &str) -> StoreError {
        *connection = None;
        StoreError(format!("{}: the database did not answer within {:?}; {late}", self.settings, self.settings.call_deadline))
    }

    /// Runs `work` in a transaction, again (whole) after a deadlock, within
    /// the call deadline. A call that runs out of time is an error that says
    /// it may have happened: the answer to a COMMIT may be what was lost.
    pub(super) async fn with_transaction<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: for<'a> Fn(&'a Transaction<'a>) -> Work<'a, T> + Send + Sync,
        T: Send,
    {
        let mut connection = self.slot().await;
        match tokio::time::timeout(self.settings.call_deadline, run_transaction(&mut connection, &self.settings, &work)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(self.ran_out(&mut connection, "the call may or may not have been committed")),
        }
    }

    /// The database's clock (epoch ms): one statement outside a transaction, since a flusher reads it before every call.
    pub(super) async fn clock_ms(&self) -> Result<i64, StoreError> {
        let mut connection = self.slot().await;
        let read = async {
            let client = open(&mut connection, &self.settings).await?;
            let row = client.query_one("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint", &[]).await.map_err(fail)?;
            Ok(row.get(0))
        };
        match tokio::time::timeout(self.settings.call_deadline, read).await {
            Ok(now) => now,
            Err(_) => Err(self.ran_out(&mut connection, "its clock was not read")),
        }
    }
}

/// The client of `connection`, connected again when it is closed.
async fn open<'c>(connection: &'c mut Option<Client>, settings: &Settings) -> Result<&'c mut Client, StoreError> {
    if connection.as_ref().is_none_or(|c| c.is_closed()) {
        *connection = Some(connect(settings).await?);
    }
    connection.as_mut().ok_or_else(|| StoreError("no connection".into()))
}

async fn run_transaction<T, F>(connection: &mut Option<Client>, settings: &Settings, work: &F) -> Result<T, StoreError>
where
    F: for<'a> Fn(&'a Transaction<'a>) -> Work<'a, T> + Send + Sync,
    T: Send,
{
    let mut attempt = 0;
    loop {
        let client = open(connection, settings).await?;
        let tx = client.transaction().await.map_err(fail)?;
        let outcome = match work(&tx).await {
            Ok(v) => tx.commit().await.map(|()| v),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(v) => return Ok(v),
            Err(e) if retryable(&e) && attempt < RETRIES => attempt += 1,
            Err(e) => return Err(fail(e)),
        }
    }
}

pub(super) fn fail(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError(format!("{} ({})", db.message(), db.code().code())),
        None => {
            // tokio-postgres puts the reason in the source ("invalid configuration": "password missing").
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            if text.contains("password missing") {
                text.push_str(" (give it in PGPASSWORD or the password file, ~/.pgpass or PGPASSFILE)");
            }
            StoreError(text)
        }
    }
}

/// A deadlock, a serialization failure, or a unique violation (a producer that raced another with the same event id):
/// the transaction was rolled back, and running it again gives the right answer.
fn retryable(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::UNIQUE_VIOLATION
    })
}

/// Connects, the handshake (TLS included) within the connect timeout.
pub(super) async fn connect(settings: &Settings) -> Result<Client, StoreError> {
    let timeout = settings.connect_timeout;
    let late = || StoreError(format!("{settings}: no connection within {timeout:?} (connect_timeout)"));
    let failed = |e| {
        let text = fail(e).0;
        if text.contains("server does not support TLS") {
            let mode = settings.tls.mode.name();
            return StoreError(format!("{settings}: the server does not offer TLS, and sslmode={mode} requires it (sslmode=prefer connects without TLS to a server that has none)"));
        }
        StoreError(format!("{settings}: {text}"))
    };
    // The connection task ends when the client is dropped or the server goes away; a closed client is replaced on next use.
    let client = match &settings.connector {
        Some(tls) => {
            let (client, connection) = tokio::time::timeout(timeout, settings.config.connect(MakeRustlsConnect::clone(tls)))
                .await
                .map_err(|_| late())?
                .map_err(failed)?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            client
        }
        None => {
            let (client, connection) =
                tokio::time::timeout(timeout, settings.config.connect(NoTls)).await.map_err(|_| late())?.map_err(failed)?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            client
        }
    };
    Ok(client)
}
