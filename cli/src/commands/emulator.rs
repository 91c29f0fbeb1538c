//! `metering emulator`: a local Marketplace Metering service. It prints
//! exactly one line, `listening on http://ADDRESS:PORT`, when ready, serves
//! until SIGINT or SIGTERM, lets in-flight requests finish and exits 0.
//! Without `--config` it runs the built-in demo configuration, which
//! `--print-config` prints; without `--data` its state is in memory, with it
//! in that SQLite file, which survives a restart.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::service::Common;
use crate::StopSignals;

/// Run a local Marketplace Metering service that enforces the service's rules.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A TOML configuration (accounts, products, customers); the demo configuration without it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A SQLite file that keeps what was billed across restarts; in memory without it.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print the demo configuration and exit.
    #[arg(long)]
    print_config: bool,
}

/// Runs `metering emulator`.
pub async fn run(_common: &Common, args: Args) -> ExitCode {
    if args.print_config {
        print!("{}", mpkit_emulator::config::DEMO);
        return ExitCode::SUCCESS;
    }
    let config = match args.config {
        None => mpkit_emulator::Config::demo(),
        Some(path) => match std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|t| mpkit_emulator::Config::from_toml(&t)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("metering emulator: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let options = mpkit_emulator::Options { data: args.data, ..mpkit_emulator::Options::new(args.listen) };
    let listen = options.listen;
    let running = match mpkit_emulator::start_with(config, options).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("metering emulator: could not start on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let signals = StopSignals::install();
    println!("listening on {}", running.url());
    let _ = std::io::stdout().flush();
    signals.wait().await;
    running.stop().await;
    ExitCode::SUCCESS
}
