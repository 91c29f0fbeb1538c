//! `metering meter-usage`: one dimension for one hour (MeterUsage, from the buyer's account).

use std::process::ExitCode;

use crate::output::print;
use crate::service::{self, failed, Common};

/// Meter one dimension for one hour (MeterUsage, from the buyer's account).
#[derive(Debug, clap::Args)]
pub struct Args {
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
}

/// Runs `metering meter-usage`.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let timestamp = match service::timestamp(&args.timestamp) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("metering: --timestamp {e}");
            return ExitCode::from(2);
        }
    };
    let client = service::client(common).await;
    let mut call = client
        .meter_usage()
        .product_code(args.product_code)
        .usage_dimension(args.usage_dimension)
        .timestamp(timestamp)
        .dry_run(args.dry_run);
    if let Some(q) = args.quantity {
        call = call.usage_quantity_as_decimal(q);
    }
    if let Some(t) = args.client_token {
        call = call.client_token(t);
    }
    match call.send().await {
        Ok(out) => print(common.output, &out),
        Err(e) => failed("MeterUsage", &e),
    }
}
