//! The durable meter's commands: `record` (exit 0 only when every record
//! is durable), `flush` (seal and send every closed hour; exit 0 when
//! nothing sendable is left) and `status`. `--store` is `sqlite:PATH` or
//! `postgres://USER@HOST:PORT/DATABASE`;
//! credentials, region and endpoint for `flush` come from the same places
//! as for every other command, so `AWS_ENDPOINT_URL_MARKETPLACE_METERING`
//! points the meter at the emulator.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use durable_meter::{AnyStore, Hour, HourState, Meter, Policy, Recorded, Usage};
use serde_json::{json, Value};

use crate::output::{print, Output};
use crate::service::{self, Common};
use crate::usage_file;

/// Lines recorded in one call to the store (one group commit, or a few).
const CHUNK: usize = 10_000;

/// Opens the store `url` names.
pub async fn open(url: &str) -> Result<AnyStore, String> {
    AnyStore::open(url).await.map_err(|e| e.0)
}

/// A duration as `90s`, `10m`, `2h`, `500ms` or `0`.
pub fn duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration such as 90s, 10m, 2h or 0");
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "s" => n,
        "m" => n.checked_mul(60).ok_or_else(bad)?,
        "h" => n.checked_mul(3600).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(seconds))
}

/// How a run of `record` went.
#[derive(Debug, Default)]
struct Tally {
    recorded: u64,
    moved: u64,
    already: u64,
    refused: Vec<(usize, String)>,
}

impl Tally {
    fn add(&mut self, line: usize, outcome: Recorded) {
        match outcome {
            Recorded::Added { .. } => self.recorded += 1,
            Recorded::Moved { .. } => {
                self.recorded += 1;
                self.moved += 1;
            }
            Recorded::AlreadyRecorded => self.already += 1,
            Recorded::Refused(reason) => self.refused.push((line, reason)),
        }
    }
}

/// Lines and what the store did with each.
type Outcomes = Vec<(usize, Recorded)>;

/// Sends one chunk to the store, on its own task, so the next chunk is read and checked meanwhile.
fn submit(store: &Arc<AnyStore>, chunk: Vec<(usize, Usage)>) -> tokio::task::JoinHandle<Result<Outcomes, String>> {
    let store = store.clone();
    tokio::spawn(async move {
        let (lines, usage): (Vec<usize>, Vec<Usage>) = chunk.into_iter().unzip();
        let outcomes = durable_meter::record_all(&*store, usage).await.map_err(|e| e.to_string())?;
        Ok(lines.into_iter().zip(outcomes).collect())
    })
}

/// Waits for a submitted chunk and counts it; the failure, with where recording stopped.
async fn settle(in_flight: tokio::task::JoinHandle<Result<Outcomes, String>>, first: usize, tally: &mut Tally) -> Result<(), String> {
    let stopped = |e: String| format!("{e}; lines before {first} are recorded, none from there on");
    let outcomes = in_flight.await.map_err(|e| stopped(e.to_string()))?.map_err(stopped)?;
    for (line, outcome) in outcomes {
        tally.add(line, outcome);
    }
    Ok(())
}

/// `metering record --file`, or one record from the command's flags.
pub async fn record(store: &str, file: Option<PathBuf>, one: Option<Result<Usage, String>>, output: Output) -> ExitCode {
    let store = match open(store).await {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let mut tally = Tally::default();
    let mut failure = None;
    match (file, one) {
        (Some(path), _) => {
            let reader = match std::fs::File::open(&path) {
                Ok(f) => std::io::BufReader::new(f),
                Err(e) => return usage_error(&format!("--file {}: {e}", path.display())),
            };
            // One chunk in the store while the next is read: the store sees them one after the other.
            let mut in_flight: Option<(usize, tokio::task::JoinHandle<Result<Outcomes, String>>)> = None;
            let mut chunk = Vec::with_capacity(CHUNK);
            for (i, line) in reader.lines().enumerate() {
                let n = i + 1;
                let line = match line {
                    Ok(l) => l,
                    Err(e) => {
                        failure = Some(format!("{}: line {n} could not be read: {e}; nothing from it on was recorded", path.display()));
                        break;
                    }
                };
                if line.trim().is_empty() {
                    continue;
                }
                match usage_file::parse_line(&line) {
                    Ok(u) => chunk.push((n, u)),
                    Err(reason) => tally.refused.push((n, reason)),
                }
                if chunk.len() == CHUNK {
                    if let Some((first, handle)) = in_flight.take() {
                        if let Err(e) = settle(handle, first, &mut tally).await {
                            failure = Some(e);
                            break;
                        }
                    }
                    let batch = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    in_flight = Some((batch[0].0, submit(&store, batch)));
                }
            }
            if let Some((first, handle)) = in_flight.take() {
                if let Err(e) = settle(handle, first, &mut tally).await {
                    failure.get_or_insert(e);
                }
            }
            if failure.is_none() && !chunk.is_empty() {
                let first = chunk[0].0;
                if let Err(e) = settle(submit(&store, chunk), first, &mut tally).await {
                    failure = Some(e);
                }
            }
        }
        (None, Some(Ok(u))) => {
            if let Err(e) = settle(submit(&store, vec![(1, u)]), 1, &mut tally).await {
                failure = Some(e);
            }
        }
        (None, Some(Err(reason))) => tally.refused.push((1, reason)),
        (None, None) => return usage_error("give --file, or a record's --dimension, --quantity and the rest"),
    }
    tally.refused.sort_by_key(|(line, _)| *line);
    for (line, reason) in &tally.refused {
        eprintln!("metering record: line {line} refused: {reason}");
    }
    if let Some(f) = &failure {
        eprintln!("metering record: {f}");
    }
    let refused: Vec<Value> = tally.refused.iter().map(|(line, reason)| json!({ "line": line, "reason": reason })).collect();
    let summary = json!({
        "Recorded": tally.recorded,
        "MovedToALaterHour": tally.moved,
        "AlreadyRecorded": tally.already,
        "Refused": refused.len(),
    });
    let printed = print(output, &summary);
    if failure.is_some() || !tally.refused.is_empty() {
        return ExitCode::FAILURE;
    }
    printed
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("metering: {message}");
    ExitCode::from(2)
}

fn hour_json(h: &Hour) -> Value {
    let (kind, customer) = match &h.customer {
        durable_meter::Customer::Identifier(id) => ("CustomerIdentifier", id.clone()),
        durable_meter::Customer::Account { account_id, .. } => ("CustomerAWSAccountId", account_id.clone()),
        durable_meter::Customer::Caller => ("Caller", String::new()),
    };
    let hour = marketplacemetering::primitives::DateTime::from_secs(h.hour.div_euclid(1000))
        .fmt(marketplacemetering::primitives::DateTimeFormat::DateTime)
        .unwrap_or_default();
    json!({
        "ProductCode": h.product_code,
        kind: customer,
        "LicenseArn": h.customer.license_arn(),
        "Dimension": h.dimension,
        "Hour": hour,
        "Quantity": h.total.to_string(),
        "State": h.state.as_str(),
        "Attempts": h.attempts,
        "MeteringRecordId": h.record_id,
        "Reason": h.reason,
    })
}

/// `metering flush`.
pub async fn flush(common: &Common, store: &str, policy: Policy, output: Output) -> ExitCode {
    let store = match open(store).await {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let client = service::client(common).await;
    let meter = Meter::new(store, client, policy);
    let report = match meter.flush().await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("metering flush: {e}");
            return ExitCode::FAILURE;
        }
    };
    let status = match meter.status().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("metering flush: {e}");
            return ExitCode::FAILURE;
        }
    };
    let left = status.counts.sealed;
    let summary = json!({
        "Sealed": report.sealed,
        "Sent": report.sent,
        "RetryLater": report.retry_later,
        "Rejected": report.rejected,
        "Conflicts": report.conflicts,
        "StillToSend": left,
    });
    let printed = print(output, &summary);
    if report.rejected + report.conflicts > 0 {
        eprintln!("metering flush: {} hours were rejected or conflict; `metering status` lists them with the reasons", report.rejected + report.conflicts);
    }
    if left > 0 {
        eprintln!("metering flush: {left} sealed hours are still to be sent (the service failed or throttled); run flush again later");
        return ExitCode::FAILURE;
    }
    printed
}

/// `metering status`.
pub async fn status(store: &str, output: Output) -> ExitCode {
    let store = match open(store).await {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let policy = Policy::default();
    let status = match durable_meter::status(&store, &policy, SystemTime::now()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("metering status: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (rejected, conflicts) = match (
        durable_meter::Store::hours(&store, HourState::Rejected, 100).await,
        durable_meter::Store::hours(&store, HourState::Conflict, 100).await,
    ) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("metering status: {e}");
            return ExitCode::FAILURE;
        }
    };
    let c = &status.counts;
    match output {
        Output::Json => print(
            output,
            &json!({
                "pending": c.pending,
                "sealed": c.sealed,
                "sent": c.sent,
                "rejected": c.rejected,
                "conflicts": c.conflicts,
                "records": c.records,
                "nearingDeadline": status.nearing_deadline.iter().map(hour_json).collect::<Vec<_>>(),
                "rejectedHours": rejected.iter().map(hour_json).collect::<Vec<_>>(),
                "conflictHours": conflicts.iter().map(hour_json).collect::<Vec<_>>(),
            }),
        ),
        Output::Text => {
            println!("pending: {}\nsealed: {}\nsent: {}\nrejected: {}\nconflicts: {}\nrecords: {}", c.pending, c.sealed, c.sent, c.rejected, c.conflicts, c.records);
            for (title, hours) in [("near the deadline", &status.nearing_deadline), ("rejected", &rejected), ("in conflict", &conflicts)] {
                for h in hours.iter() {
                    println!("{title}: {}", hour_json(h));
                }
            }
            if !status.nearing_deadline.is_empty() {
                eprintln!("metering status: {} unsent hours are near the end of the service's window; flush now", status.nearing_deadline.len());
            }
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_store_urls() {
        assert_eq!(duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("0"), Ok(Duration::ZERO));
        assert!(duration("1d").is_err() && duration("m").is_err() && duration("-1s").is_err());
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert!(rt.block_on(open("mysql://x")).unwrap_err().contains("not a store"));
        assert!(rt.block_on(open("sqlite:")).unwrap_err().contains("needs a path"));
    }
}
