//! `metering agent`: its options; the agent itself is `agent.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mpkit_meter::Policy;

use crate::meter_outcome::{duration, positive_duration};
use crate::service::Common;

/// Run the meter as a sidecar: POST /v1/usage records (durable when answered), flushed on a schedule.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long)]
    store: String,
    /// The address to listen on (loopback: the service's own containers POST to it).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// How often to seal and send closed hours.
    #[arg(long, value_parser = positive_duration, default_value = "60s")]
    flush_every: std::time::Duration,
    /// How long after an hour ends it waits for late records; the meter's default otherwise.
    #[arg(long, value_parser = duration)]
    grace: Option<std::time::Duration>,
    /// How long this agent's flusher holds the hours it claimed before another may take them over.
    #[arg(long, value_parser = positive_duration, default_value = "60s")]
    lease: std::time::Duration,
    /// The longest wait before a failed hour is tried again.
    #[arg(long, value_parser = duration, default_value = "5m")]
    max_backoff: std::time::Duration,
    /// A file with the bearer token every request but /healthz must carry; required when --listen is not loopback.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// How long stopping may take after SIGTERM: in-flight requests and the last flush (ECS stops a task after 30 s).
    #[arg(long, value_parser = positive_duration, default_value = "25s")]
    shutdown_timeout: std::time::Duration,
}

/// Runs `metering agent` until SIGINT or SIGTERM.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let Args { store, listen, flush_every, grace, lease, max_backoff, token_file, shutdown_timeout } = args;
    let defaults = Policy::default();
    let policy = Policy { grace: grace.unwrap_or(defaults.grace), lease, max_backoff, ..defaults };
    crate::agent::run(common, crate::agent::Settings { store, listen, flush_every, policy, token_file, shutdown_timeout }).await
}
