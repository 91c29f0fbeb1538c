//! `metering`: the command line of the Marketplace Metering toolchain.
//!
//! `metering emulator` runs a local Marketplace Metering service: it prints
//! exactly one line, `listening on http://ADDRESS:PORT`, when ready, serves
//! until SIGINT or SIGTERM, lets in-flight requests finish and exits 0.
//! Without `--config` it runs the built-in demo configuration, which
//! `metering emulator --print-config` prints; without `--data` its state is
//! in memory, with it in that SQLite file, which survives a restart.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "metering", version, about = "AWS Marketplace Metering, locally and for real")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a local Marketplace Metering service that enforces the service's rules.
    Emulator {
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Emulator { listen, config, data, print_config } => {
            if print_config {
                print!("{}", metering_emulator::config::DEMO);
                return ExitCode::SUCCESS;
            }
            let config = match config {
                None => metering_emulator::Config::demo(),
                Some(path) => match std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|t| metering_emulator::Config::from_toml(&t)) {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("metering emulator: {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                },
            };
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("metering emulator: could not start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let options = metering_emulator::Options { data, ..metering_emulator::Options::new(listen) };
            runtime.block_on(run_emulator(config, options))
        }
    }
}

async fn run_emulator(config: metering_emulator::Config, options: metering_emulator::Options) -> ExitCode {
    let listen = options.listen;
    let running = match metering_emulator::start_with(config, options).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("metering emulator: could not start on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", running.url());
    let _ = std::io::stdout().flush();
    wait_for_signal().await;
    running.stop().await;
    ExitCode::SUCCESS
}

/// Returns on SIGINT or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
