//! `metering get-entitlements`: what a product's customers are entitled to
//! (the Entitlement Service's GetEntitlements, from the seller's account),
//! one page, or every page with `--all`.

use std::process::ExitCode;

use mpkit_entitlement::types::GetEntitlementFilterName;

use crate::output::print;
use crate::service::{self, failed, Common};

/// List what a product's customers are entitled to (GetEntitlements, from the seller's account).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The product code.
    #[arg(long)]
    product_code: String,
    /// A filter, KEY=VALUE[,VALUE...]: CUSTOMER_IDENTIFIER, CUSTOMER_AWS_ACCOUNT_ID, DIMENSION or LICENSE_ARN.
    /// The values of one key are alternatives; every key given must match. Repeat for more keys.
    #[arg(long = "filter", value_parser = filter)]
    filters: Vec<(GetEntitlementFilterName, Vec<String>)>,
    /// At most this many entitlements a page looks at (1 to 25).
    #[arg(long)]
    max_results: Option<i32>,
    /// Continue from this page token.
    #[arg(long)]
    next_token: Option<String>,
    /// Fetch every page and print them one after another (a page may be empty and still have a token).
    #[arg(long)]
    all: bool,
}

/// A `--filter` argument, its key checked against the model's names.
fn filter(text: &str) -> Result<(GetEntitlementFilterName, Vec<String>), String> {
    let (key, values) = text.split_once('=').ok_or_else(|| format!("`{text}` is not KEY=VALUE[,VALUE...]"))?;
    let name = GetEntitlementFilterName::from(key);
    if !GetEntitlementFilterName::values().contains(&key) {
        return Err(format!("`{key}` is not a filter; use one of {}", GetEntitlementFilterName::values().join(", ")));
    }
    let values: Vec<String> = values.split(',').filter(|v| !v.is_empty()).map(str::to_owned).collect();
    if values.is_empty() {
        return Err(format!("filter {key} has no value"));
    }
    Ok((name, values))
}

/// Runs `metering get-entitlements`.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let client = service::entitlement_client(common).await;
    let mut request = client.get_entitlements().product_code(args.product_code).set_next_token(args.next_token);
    request = request.set_max_results(args.max_results);
    for (name, values) in args.filters {
        request = request.filter(name, values);
    }
    if !args.all {
        return match request.send().await {
            Ok(out) => print(common.output, &out),
            Err(e) => failed("GetEntitlements", &e),
        };
    }
    let mut pages = request.into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(out) => {
                let printed = print(common.output, &out);
                if printed != ExitCode::SUCCESS {
                    return printed;
                }
            }
            Err(e) => return failed("GetEntitlements", &e),
        }
    }
    ExitCode::SUCCESS
}
