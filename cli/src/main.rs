//! `metering`: the command line of the Marketplace Metering toolchain.
//!
//! `metering meter-usage`, `batch-meter-usage --file`, `register-usage` and
//! `resolve-customer` call the service (or the emulator, with
//! `--endpoint-url`) through this project's SDK.
//!
//! `metering record`, `flush`, `retry`, `close`, `customers` and `status` run
//! the durable meter over a store (`--store sqlite:PATH` or `postgres://…`):
//! records are durable when `record` exits 0, and `flush` seals and sends
//! every closed hour; its exit codes are in `meter_outcome::exit`.
//!
//! `metering agent` is the meter as a sidecar (`POST /v1/usage`), and
//! `metering demo` shows the emulator and the meter working together.
//!
//! `metering emulator` runs a local Marketplace Metering service: it prints
//! exactly one line, `listening on http://ADDRESS:PORT`, when ready, serves
//! until SIGINT or SIGTERM, lets in-flight requests finish and exits 0.
//! Without `--config` it runs the built-in demo configuration, which
//! `metering emulator --print-config` prints; without `--data` its state is
//! in memory, with it in that SQLite file, which survives a restart.
//!
//! Each subcommand is a file of `commands/` with its `Args` and `run`;
//! `main` parses, starts one runtime and dispatches once.

use std::process::ExitCode;

use clap::Parser;

mod agent;
mod agent_metrics;
mod commands;
mod jwt;
mod logs;
mod meter_outcome;
mod output;
mod service;
mod usage_lines;

#[derive(Debug, Parser)]
#[command(name = "metering", version, about = "AWS Marketplace Metering, locally and for real")]
struct Cli {
    #[command(flatten)]
    common: service::Common,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logs::install(cli.common.log_format);
    if let Some(profile) = &cli.common.profile {
        // Read by the configuration loader as the AWS CLI reads it; set before any thread starts.
        std::env::set_var("AWS_PROFILE", profile);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("metering: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(commands::run(&cli.common, cli.command))
}

/// SIGINT and SIGTERM, caught from the moment [`StopSignals::install`]
/// returns. Servers install it before they print their ready line: a
/// signal sent right after that line would otherwise meet the default
/// action, which kills the process before in-flight requests finish.
pub(crate) struct StopSignals {
    #[cfg(unix)]
    handlers: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    /// Starts catching SIGINT and SIGTERM (within a tokio runtime).
    pub(crate) fn install() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let handlers = signal(SignalKind::interrupt()).and_then(|int| Ok((int, signal(SignalKind::terminate())?)));
            StopSignals { handlers: handlers.ok() }
        }
        #[cfg(not(unix))]
        {
            StopSignals {}
        }
    }

    /// Returns on SIGINT or SIGTERM.
    pub(crate) async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.handlers {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
