//! The subcommands, one file each with its `Args` and `run`; `run` here is
//! the one dispatch.

use std::process::ExitCode;

use clap::Subcommand;

use crate::service::Common;

mod agent;
mod batch_meter_usage;
mod close;
mod customers;
mod demo;
mod emulator;
mod flush;
mod get_entitlements;
mod meter_usage;
mod record;
mod register_usage;
mod resolve_customer;
mod retry;
mod status;

#[derive(Debug, Subcommand)]
pub enum Command {
    MeterUsage(meter_usage::Args),
    BatchMeterUsage(batch_meter_usage::Args),
    RegisterUsage(register_usage::Args),
    ResolveCustomer(resolve_customer::Args),
    GetEntitlements(get_entitlements::Args),
    Record(record::Args),
    Flush(flush::Args),
    Retry(retry::Args),
    Close(close::Args),
    Customers(customers::Args),
    Status(status::Args),
    Agent(agent::Args),
    Demo(demo::Args),
    Emulator(emulator::Args),
}

/// Runs `command`.
pub async fn run(common: &Common, command: Command) -> ExitCode {
    match command {
        Command::MeterUsage(args) => meter_usage::run(common, args).await,
        Command::BatchMeterUsage(args) => batch_meter_usage::run(common, args).await,
        Command::RegisterUsage(args) => register_usage::run(common, args).await,
        Command::ResolveCustomer(args) => resolve_customer::run(common, args).await,
        Command::GetEntitlements(args) => get_entitlements::run(common, args).await,
        Command::Record(args) => record::run(common, args).await,
        Command::Flush(args) => flush::run(common, args).await,
        Command::Retry(args) => retry::run(common, args).await,
        Command::Close(args) => close::run(common, args).await,
        Command::Customers(args) => customers::run(common, args).await,
        Command::Status(args) => status::run(common, args).await,
        Command::Agent(args) => agent::run(common, args).await,
        Command::Demo(args) => demo::run(common, args).await,
        Command::Emulator(args) => emulator::run(common, args).await,
    }
}
