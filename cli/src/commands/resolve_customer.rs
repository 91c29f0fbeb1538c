//! `metering resolve-customer`: a registration token to its customer (ResolveCustomer, from the seller's account).

use std::process::ExitCode;

use crate::output::print;
use crate::service::{self, failed, Common};

/// Resolve a registration token to its customer (ResolveCustomer, from the seller's account).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The token the buyer's browser brought to the sign-up page.
    #[arg(long)]
    registration_token: String,
}

/// Runs `metering resolve-customer`.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let client = service::client(common).await;
    match client.resolve_customer().registration_token(args.registration_token).send().await {
        Ok(out) => print(common.output, &out),
        Err(e) => failed("ResolveCustomer", &e),
    }
}
