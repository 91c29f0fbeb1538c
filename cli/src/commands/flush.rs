//! `metering flush`: seal every closed hour and send what is due; the exit
//! code says what is left (`meter_outcome::exit`).

use std::process::ExitCode;

use mpkit_meter::{Meter, Policy};

use crate::meter_outcome::{duration, flush_and_report, open, positive_duration, usage_error};
use crate::service::{self, Common};

/// Seal every closed hour and send what is due; exit 0 when nothing sendable is left.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long)]
    store: String,
    /// How long after an hour ends it waits for late records (e.g. 1m); the meter's default otherwise.
    #[arg(long, value_parser = duration)]
    grace: Option<std::time::Duration>,
    /// How long this flusher holds the hours it claimed before another may take them over (if it dies).
    #[arg(long, value_parser = positive_duration, default_value = "60s")]
    lease: std::time::Duration,
    /// The longest wait before a failed hour is tried again.
    #[arg(long, value_parser = duration, default_value = "5m")]
    max_backoff: std::time::Duration,
}

/// `metering flush`.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let defaults = Policy { lease: args.lease, max_backoff: args.max_backoff, ..Policy::default() };
    let policy = Policy { grace: args.grace.unwrap_or(defaults.grace), ..defaults };
    let output = common.output;
    let store = match open(&args.store).await {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let meter = Meter::new(store, service::client(common).await, policy);
    flush_and_report("flush", &meter, output).await
}
