//! `metering`: the command line of the Marketplace Metering toolchain.
//!
//! `metering meter-usage`, `batch-meter-usage --file`, `register-usage` and
//! `resolve-customer` call the service (or the emulator, with
//! `--endpoint-url`) through this project's SDK.
//!
//! `metering record`, `flush`, `retry` and `status` run the durable meter over a
//! store (`--store sqlite:PATH` or `postgres://…`): records are durable when `record` exits
//! 0, and `flush` seals and sends every closed hour; its exit codes are in
//! `meter_commands::exit`.
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

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod agent;
mod agent_metrics;
mod customers;
mod demo;
mod jwt;
mod logs;
mod meter_commands;
mod output;
mod service;
mod usage_lines;

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
    /// Record usage durably in the meter's store: exit 0 only when every record is durable.
    Record {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        store: String,
        /// JSON Lines with the API's member names (ProductCode, CustomerIdentifier or
        /// CustomerAWSAccountId with LicenseArn, Dimension, QuantityAsDecimal, Timestamp, EventId).
        #[arg(long, conflicts_with_all = ["product_code", "dimension", "quantity"])]
        file: Option<PathBuf>,
        #[command(flatten)]
        one: OneRecord,
    },
    /// Seal every closed hour and send what is due; exit 0 when nothing sendable is left.
    Flush {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        store: String,
        /// How long after an hour ends it waits for late records (e.g. 1m); the meter's default otherwise.
        #[arg(long, value_parser = meter_commands::duration)]
        grace: Option<std::time::Duration>,
        /// How long this flusher holds the hours it claimed before another may take them over (if it dies).
        #[arg(long, value_parser = meter_commands::positive_duration, default_value = "60s")]
        lease: std::time::Duration,
        /// The longest wait before a failed hour is tried again.
        #[arg(long, value_parser = meter_commands::duration, default_value = "5m")]
        max_backoff: std::time::Duration,
    },
    /// Put held or rejected hours back and send them again, with their sealed quantities; exit codes as for flush.
    Retry {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        store: String,
        /// Only hours whose reason starts with this code (e.g. InvalidProductCodeException).
        #[arg(long, group = "which")]
        reason: Option<String>,
        /// Only hours of the hour starting at this time (RFC 3339 or epoch seconds).
        #[arg(long, group = "which")]
        hour: Option<String>,
        /// Every held and rejected hour.
        #[arg(long, group = "which")]
        all: bool,
    },
    /// Seal a customer's open hours now, the hour in progress included, and send them (a licence that ended); exit codes as for flush.
    Close {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        store: String,
        /// The customer's CustomerIdentifier.
        #[arg(long, conflicts_with = "customer_aws_account_id")]
        customer_identifier: Option<String>,
        /// The customer's account.
        #[arg(long)]
        customer_aws_account_id: Option<String>,
        /// The licence that ended (with --customer-aws-account-id).
        #[arg(long, requires = "customer_aws_account_id")]
        license_arn: Option<String>,
    },
    /// The meter's customer directory: which names are one buyer, and the name each product is sent under.
    Customers {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        store: String,
        #[command(subcommand)]
        action: customers::Action,
    },
    /// Counts of pending, sealed, sent, rejected and conflicting hours, with the hours that need attention.
    Status {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        store: String,
    },
    /// Run the meter as a sidecar: POST /v1/usage records (durable when answered), flushed on a schedule.
    Agent {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        store: String,
        /// The address to listen on (loopback: the service's own containers POST to it).
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// How often to seal and send closed hours.
        #[arg(long, value_parser = meter_commands::positive_duration, default_value = "60s")]
        flush_every: std::time::Duration,
        /// How long after an hour ends it waits for late records; the meter's default otherwise.
        #[arg(long, value_parser = meter_commands::duration)]
        grace: Option<std::time::Duration>,
        /// How long this agent's flusher holds the hours it claimed before another may take them over.
        #[arg(long, value_parser = meter_commands::positive_duration, default_value = "60s")]
        lease: std::time::Duration,
        /// The longest wait before a failed hour is tried again.
        #[arg(long, value_parser = meter_commands::duration, default_value = "5m")]
        max_backoff: std::time::Duration,
        /// A file with the bearer token every request but /healthz must carry; required when --listen is not loopback.
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// How long stopping may take after SIGTERM: in-flight requests and the last flush (ECS stops a task after 30 s).
        #[arg(long, value_parser = meter_commands::positive_duration, default_value = "25s")]
        shutdown_timeout: std::time::Duration,
    },
    /// Show the whole thing working: the emulator, the meter, three hours of usage, billed once.
    Demo,
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

/// One record, from flags.
#[derive(Debug, clap::Args)]
struct OneRecord {
    /// The product code (may be left out when --license-arn names the product).
    #[arg(long)]
    product_code: Option<String>,
    /// A SaaS customer's CustomerIdentifier.
    #[arg(long)]
    customer_identifier: Option<String>,
    /// A SaaS customer's account id; without a customer, the usage is this account's own (MeterUsage).
    #[arg(long)]
    customer_aws_account_id: Option<String>,
    /// The licence of the customer's agreement.
    #[arg(long)]
    license_arn: Option<String>,
    /// The dimension.
    #[arg(long)]
    dimension: Option<String>,
    /// The quantity, as a decimal with up to six fractional digits.
    #[arg(long)]
    quantity: Option<String>,
    /// When it was used: RFC 3339, epoch seconds, or now.
    #[arg(long, default_value = "now")]
    timestamp: String,
    /// The producer's id of this record; a record with a stored id is ignored.
    #[arg(long)]
    event_id: Option<String>,
}

impl OneRecord {
    fn usage(self) -> Option<Result<durable_meter::Usage, String>> {
        let dimension = self.dimension?;
        Some((|| {
            let quantity = durable_meter::Quantity::parse(self.quantity.as_deref().ok_or("--quantity is missing")?)?;
            let time = if self.timestamp == "now" { std::time::SystemTime::now() } else { usage_lines::time(&self.timestamp)? };
            let customer = usage_lines::customer(self.customer_identifier, self.customer_aws_account_id, self.license_arn)?;
            let usage =
                durable_meter::Usage { product_code: self.product_code, customer, dimension, quantity, time, event_id: self.event_id };
            usage.check().map_err(|e| e.to_string())?;
            Ok(usage)
        })())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logs::install(cli.common.log_format);
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
                Some(path) => {
                    match std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|t| metering_emulator::Config::from_toml(&t)) {
                        Ok(c) => c,
                        Err(e) => {
                            eprintln!("metering emulator: {}: {e}", path.display());
                            return ExitCode::from(2);
                        }
                    }
                }
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
            match command {
                Command::Record { store, file, one } => {
                    runtime.block_on(meter_commands::record(&store, file, one.usage(), cli.common.output))
                }
                Command::Flush { store, grace, lease, max_backoff } => {
                    let policy = durable_meter::Policy { lease, max_backoff, ..durable_meter::Policy::default() };
                    let policy = durable_meter::Policy { grace: grace.unwrap_or(policy.grace), ..policy };
                    runtime.block_on(meter_commands::flush(&cli.common, &store, policy, cli.common.output))
                }
                Command::Retry { store, reason, hour, all } => {
                    let which = match (reason, hour, all) {
                        (Some(code), None, false) => durable_meter::Requeue::Reason(code),
                        (None, Some(hour), false) => match usage_lines::time(&hour) {
                            Ok(t) => {
                                let ms = t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
                                durable_meter::Requeue::Hour(durable_meter::policy::hour_of(ms))
                            }
                            Err(e) => {
                                eprintln!("metering retry: --hour {e}");
                                return ExitCode::from(2);
                            }
                        },
                        (None, None, true) => durable_meter::Requeue::All,
                        _ => {
                            eprintln!("metering retry: give one of --reason CODE, --hour TIME or --all");
                            return ExitCode::from(2);
                        }
                    };
                    runtime.block_on(meter_commands::retry(&cli.common, &store, which, durable_meter::Policy::default(), cli.common.output))
                }
                Command::Status { store } => runtime.block_on(meter_commands::status(&store, cli.common.output)),
                Command::Close { store, customer_identifier, customer_aws_account_id, license_arn } => {
                    let customer = match (customer_identifier, customer_aws_account_id) {
                        (Some(id), None) => durable_meter::Customer::Identifier(id),
                        (None, Some(account_id)) => durable_meter::Customer::Account { account_id, license_arn },
                        _ => {
                            eprintln!("metering close: give --customer-identifier, or --customer-aws-account-id (with --license-arn)");
                            return ExitCode::from(2);
                        }
                    };
                    runtime.block_on(meter_commands::close(&cli.common, &store, customer, cli.common.output))
                }
                Command::Customers { store, action } => runtime.block_on(customers::run(&cli.common, &store, action, cli.common.output)),
                Command::Agent { store, listen, flush_every, grace, lease, max_backoff, token_file, shutdown_timeout } => {
                    let defaults = durable_meter::Policy::default();
                    let policy = durable_meter::Policy { grace: grace.unwrap_or(defaults.grace), lease, max_backoff, ..defaults };
                    runtime.block_on(agent::run(
                        &cli.common,
                        agent::Settings { store, listen, flush_every, policy, token_file, shutdown_timeout },
                    ))
                }
                Command::Demo => runtime.block_on(demo::run()),
                command => runtime.block_on(call(cli.common, command)),
            }
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
        Command::Emulator { .. }
        | Command::Record { .. }
        | Command::Flush { .. }
        | Command::Retry { .. }
        | Command::Close { .. }
        | Command::Customers { .. }
        | Command::Status { .. }
        | Command::Agent { .. }
        | Command::Demo => ExitCode::from(2),
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
    let signals = StopSignals::install();
    println!("listening on {}", running.url());
    let _ = std::io::stdout().flush();
    signals.wait().await;
    running.stop().await;
    ExitCode::SUCCESS
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
