//! `metering close`: a licence ended; seal its customer's open hours at
//! once, the hour in progress included, and send them. Exit codes as for
//! `flush`.

use std::process::ExitCode;

use mpkit_meter::{Customer, Meter, Policy};

use crate::meter_outcome::{open, report_outcome, usage_error};
use crate::service::{self, Common};

/// Seal a customer's open hours now, the hour in progress included, and send them (a licence that ended); exit codes as for flush.
#[derive(Debug, clap::Args)]
pub struct Args {
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
}

/// `metering close`: seals a customer's open hours at once and sends them (a licence that ended).
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let customer = match (args.customer_identifier, args.customer_aws_account_id) {
        (Some(id), None) => Customer::Identifier(id),
        (None, Some(account_id)) => Customer::Account { account_id, license_arn: args.license_arn },
        _ => return usage_error("give --customer-identifier, or --customer-aws-account-id (with --license-arn)"),
    };
    let output = common.output;
    let store = match open(&args.store).await {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let meter = Meter::new(store, service::client(common).await, Policy::default());
    let report = meter.close(&customer).await;
    report_outcome("close", &meter, report, output).await
}
