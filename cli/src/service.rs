//! The four operations as commands, through this project's SDK used as any
//! user would: `meter-usage`, `batch-meter-usage --file`, `register-usage
//! [--verify-with]` and `resolve-customer`. Credentials, region and endpoint
//! come from where the AWS CLI reads them (environment, `~/.aws/`), with
//! `--profile`, `--region` and `--endpoint-url` on top.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::time::Duration;

use marketplacemetering::error::DisplayErrorContext;
use marketplacemetering::primitives::DateTime;
use marketplacemetering::types::{UsageRecord, UsageRecordResultStatus};
use marketplacemetering::Client;

use crate::output::{print, Output};
use crate::usage_lines;

/// Where and how to call.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Send requests here instead of the service's endpoint (e.g. the emulator's URL).
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
    /// The region; otherwise AWS_REGION, AWS_DEFAULT_REGION or the profile's.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// The profile of ~/.aws/config and ~/.aws/credentials; otherwise AWS_PROFILE or default.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// How to print the answer.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub output: Output,
    /// How to write warnings and errors on standard error: text, or one JSON object a line.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: crate::logs::LogFormat,
}

/// A client configured as `common` says, over the environment.
pub async fn client(common: &Common) -> Client {
    let mut builder = marketplacemetering::config::load_from_env().await.to_builder();
    if let Some(region) = &common.region {
        builder = builder.region(marketplacemetering::config::Region::new(region.clone()));
    }
    if let Some(url) = &common.endpoint_url {
        builder = builder.endpoint_url(url.clone());
    }
    Client::from_conf(builder.build())
}

/// A failed call: what happened, with the service's code and message, and what to do.
fn failed<E: std::error::Error + marketplacemetering::error::ProvideErrorMetadata + 'static>(
    operation: &str,
    e: &marketplacemetering::error::SdkError<E>,
) -> ExitCode {
    eprintln!("metering: {operation} failed: {}", DisplayErrorContext(e));
    let hint = match e.raw_response().map(|r| r.status().as_u16()) {
        _ if matches!(e, marketplacemetering::error::SdkError::ConstructionFailure(_)) => {
            "check the region, the credentials and the arguments"
        }
        _ if matches!(
            e,
            marketplacemetering::error::SdkError::DispatchFailure(_) | marketplacemetering::error::SdkError::TimeoutError(_)
        ) =>
        {
            "the endpoint could not be reached; check --endpoint-url and the network, then try again"
        }
        Some(500..=599) => "the service failed; try again later",
        _ => "the service refused the request; the message above says why",
    };
    eprintln!("metering: {hint}");
    ExitCode::FAILURE
}

/// A timestamp argument: RFC 3339, epoch seconds, or `now`.
pub fn timestamp(text: &str) -> Result<DateTime, String> {
    if text == "now" {
        return Ok(DateTime::from(std::time::SystemTime::now()));
    }
    usage_lines::time(text).map(DateTime::from).map_err(|e| format!("{e}, nor `now`"))
}

/// `metering meter-usage`.
pub struct MeterUsage {
    /// The product code.
    pub product_code: String,
    /// The dimension.
    pub dimension: String,
    /// The decimal quantity.
    pub quantity: Option<String>,
    /// The hour's timestamp.
    pub timestamp: DateTime,
    /// An idempotency token.
    pub client_token: Option<String>,
    /// Check without recording.
    pub dry_run: bool,
}

/// Runs `metering meter-usage`.
pub async fn meter_usage(client: &Client, output: Output, m: MeterUsage) -> ExitCode {
    let mut call = client.meter_usage().product_code(m.product_code).usage_dimension(m.dimension).timestamp(m.timestamp).dry_run(m.dry_run);
    if let Some(q) = m.quantity {
        call = call.usage_quantity_as_decimal(q);
    }
    if let Some(t) = m.client_token {
        call = call.client_token(t);
    }
    match call.send().await {
        Ok(out) => print(output, &out),
        Err(e) => failed("MeterUsage", &e),
    }
}

/// Runs `metering resolve-customer`.
pub async fn resolve_customer(client: &Client, output: Output, token: String) -> ExitCode {
    match client.resolve_customer().registration_token(token).send().await {
        Ok(out) => print(output, &out),
        Err(e) => failed("ResolveCustomer", &e),
    }
}

/// Runs `metering register-usage`; with a key, the answer's token must verify and carry this product and nonce.
pub async fn register_usage(
    client: &Client,
    output: Output,
    product_code: String,
    version: i32,
    nonce: Option<String>,
    verify_with: Option<String>,
) -> ExitCode {
    let mut call = client.register_usage().product_code(product_code.clone()).public_key_version(version);
    if let Some(n) = &nonce {
        call = call.nonce(n.clone());
    }
    let out = match call.send().await {
        Ok(out) => out,
        Err(e) => return failed("RegisterUsage", &e),
    };
    if let Some(path) = verify_with {
        let pem = match std::fs::read_to_string(&path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("metering: cannot read the public key {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let claims = match crate::jwt::verify(out.signature().unwrap_or(""), &pem) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("metering: the RegisterUsage answer is not to be trusted: {e}");
                return ExitCode::FAILURE;
            }
        };
        if claims["productCode"] != product_code.as_str() || nonce.as_deref().is_some_and(|n| claims["nonce"] != n) {
            eprintln!("metering: the signed answer is for another call (product {}, nonce {})", claims["productCode"], claims["nonce"]);
            return ExitCode::FAILURE;
        }
        eprintln!("metering: the signature verifies with {path}");
    }
    print(output, &out)
}

/// How many times records left unprocessed are sent again, with backoff of 1, 2 and 4 s.
const UNPROCESSED_RETRIES: u32 = 3;

/// What a batch run achieved.
#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    records: usize,
    accepted: usize,
    customer_not_subscribed: usize,
    duplicate_record: usize,
    unprocessed: usize,
    failed: usize,
    refused_lines: usize,
}

/// Runs `metering batch-meter-usage`: calls of at most 25 records of one
/// product; records left unprocessed are sent again; a summary; success only
/// when every record was accepted.
pub async fn batch_meter_usage(client: &Client, output: Output, product_code: String, file: String) -> ExitCode {
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("metering: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let csv = file.to_ascii_lowercase().ends_with(".csv");
    let (lines, mut bad) = usage_lines::read(&text, csv);
    let mut records = Vec::with_capacity(lines.len());
    for (line, l) in lines {
        match l.usage_record(&product_code) {
            Ok(r) => records.push(r),
            Err(reason) => bad.push(usage_lines::BadLine { line, reason }),
        }
    }
    bad.sort_by_key(|b| b.line);
    for b in &bad {
        eprintln!("metering: {file} line {}: {} (not sent)", b.line, b.reason);
    }
    let mut summary = Summary { records: records.len(), refused_lines: bad.len(), ..Summary::default() };
    let progress = std::io::stderr().is_terminal();
    let mut sent = 0;
    for chunk in records.chunks(durable_meter::BATCH_LIMIT) {
        let mut pending: Vec<UsageRecord> = chunk.to_vec();
        for attempt in 0..=UNPROCESSED_RETRIES {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
            }
            let result =
                client.batch_meter_usage().product_code(product_code.clone()).set_usage_records(Some(pending.clone())).send().await;
            match result {
                Ok(out) => {
                    for r in out.results() {
                        match r.status() {
                            Some(UsageRecordResultStatus::Success) => summary.accepted += 1,
                            Some(UsageRecordResultStatus::CustomerNotSubscribed) => summary.customer_not_subscribed += 1,
                            Some(UsageRecordResultStatus::DuplicateRecord) => summary.duplicate_record += 1,
                            _ => summary.failed += 1,
                        }
                    }
                    pending = out.unprocessed_records().to_vec();
                }
                Err(e) => {
                    eprintln!("metering: BatchMeterUsage of {} records failed: {}", pending.len(), DisplayErrorContext(&e));
                    summary.failed += pending.len();
                    pending.clear();
                }
            }
        }
        summary.unprocessed += pending.len();
        sent += chunk.len();
        if progress {
            eprint!("\rmetering: {sent} of {} records sent", records.len());
        }
    }
    if progress {
        eprintln!();
    }
    let ok = summary.accepted == summary.records && summary.refused_lines == 0;
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default()),
        Output::Text => println!(
            "{} records: {} accepted, {} customer not subscribed, {} duplicate (not billed), {} unprocessed, {} failed; {} lines refused",
            summary.records,
            summary.accepted,
            summary.customer_not_subscribed,
            summary.duplicate_record,
            summary.unprocessed,
            summary.failed,
            summary.refused_lines
        ),
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
