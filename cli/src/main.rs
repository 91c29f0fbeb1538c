//! `metering`: the command line of the Marketplace Metering toolchain.
//!
//! `metering meter-usage`, `batch-meter-usage --file`, `register-usage` and
//! `resolve-customer` call the service (or the emulator, with
//! `--endpoint-url`) through this project's SDK.
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

mod jwt;
mod output;
mod records_file;
mod service;

#[derive(Debug, Parser)]
#[command(name = "metering", version, about = "AWS Marketplace Metering, locally and for real")]
struct Cli {
    #[command(flatten)]
    common: service::Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Meter one dimension for one hour (MeterUsage, from the buyer's account).
    MeterUsage {
        /// The product code.
        #[arg(long)]
        product_code: String,
        /// The usage dimension.
        #[arg(long)]
        usage_dimension: String,
        /// The quantity, as a decimal (up to six fractional digits); 0 without it.
        #[arg(long)]
        quantity: Option<String>,
        /// The usage's time: RFC 3339, epoch seconds, or now.
        #[arg(long, default_value = "now")]
        timestamp: String,
        /// An idempotency token, reused on every retry of the same record.
        #[arg(long)]
        client_token: Option<String>,
        /// Check the request without recording it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Send usage records from a .jsonl or .csv file (BatchMeterUsage, from the seller's account).
    BatchMeterUsage {
        /// The product code of every record.
        #[arg(long)]
        product_code: String,
        /// The records: JSON Lines, or CSV with a header row, with the API's member names.
        #[arg(long)]
        file: String,
    },
    /// Check the entitlement at container start (RegisterUsage).
    RegisterUsage {
        /// The product code.
        #[arg(long)]
        product_code: String,
        /// The public key version.
        #[arg(long, default_value_t = 1)]
        public_key_version: i32,
        /// A nonce to tie the signed answer to this call.
        #[arg(long)]
        nonce: Option<String>,
        /// Verify the answer's signature with this PEM public key.
        #[arg(long)]
        verify_with: Option<String>,
    },
    /// Resolve a registration token to its customer (ResolveCustomer, from the seller's account).
    ResolveCustomer {
        /// The token the buyer's browser brought to the sign-up page.
        #[arg(long)]
        registration_token: String,
    },
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
    if let Some(profile) = &cli.common.profile {
        // Read by the configuration loader as the AWS CLI reads it; set before any thread starts.
        std::env::set_var("AWS_PROFILE", profile);
    }
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
        command => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("metering: could not start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            runtime.block_on(call(cli.common, command))
        }
    }
}

/// Runs one of the service commands.
async fn call(common: service::Common, command: Command) -> ExitCode {
    let client = service::client(&common).await;
    let output = common.output;
    match command {
        Command::MeterUsage { product_code, usage_dimension, quantity, timestamp, client_token, dry_run } => {
            let timestamp = match service::timestamp(&timestamp) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("metering: --timestamp {e}");
                    return ExitCode::from(2);
                }
            };
            let m = service::MeterUsage { product_code, dimension: usage_dimension, quantity, timestamp, client_token, dry_run };
            service::meter_usage(&client, output, m).await
        }
        Command::BatchMeterUsage { product_code, file } => service::batch_meter_usage(&client, output, product_code, file).await,
        Command::RegisterUsage { product_code, public_key_version, nonce, verify_with } => {
            service::register_usage(&client, output, product_code, public_key_version, nonce, verify_with).await
        }
        Command::ResolveCustomer { registration_token } => service::resolve_customer(&client, output, registration_token).await,
        Command::Emulator { .. } => ExitCode::from(2),
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
