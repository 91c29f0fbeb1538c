//! `metering batch-meter-usage --file`: usage records from a JSON Lines or
//! CSV file (`usage_lines.rs`), sent in calls of at most 25 records of one
//! product (BatchMeterUsage, from the seller's account); records left
//! unprocessed are sent again; a summary; success only when every record
//! was accepted.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use mpkit_metering::error::DisplayErrorContext;
use mpkit_metering::types::{UsageRecord, UsageRecordResultStatus};

use crate::output::Output;
use crate::service::{self, Common};
use crate::usage_lines;

/// Send usage records from a .jsonl or .csv file (BatchMeterUsage, from the seller's account).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The product code of every record.
    #[arg(long)]
    product_code: String,
    /// The records: JSON Lines, or CSV with a header row, with the API's member names.
    #[arg(long)]
    file: String,
}

/// How many times records left unprocessed are sent again, after the meter's backoff at its upper bound: 1, 2 and 4 s.
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
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let Args { product_code, file } = args;
    let output = common.output;
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
    let client = service::client(common).await;
    let progress = std::io::stderr().is_terminal();
    let mut sent = 0;
    for chunk in records.chunks(mpkit_meter::BATCH_LIMIT) {
        let mut pending: Vec<UsageRecord> = chunk.to_vec();
        for attempt in 0..=UNPROCESSED_RETRIES {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(mpkit_meter::Policy::default().backoff(attempt, 1.0)).await;
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
