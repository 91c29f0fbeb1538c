//! The durable meter's commands: `record` (exit 0 only when every record
//! is durable), `flush` (seal and send every closed hour), `retry` (put
//! held or rejected hours back, then flush) and `status`. `--store` is
//! `sqlite:PATH` or `postgres://USER@HOST:PORT/DATABASE`;
//! credentials, region and endpoint for `flush` come from the same places
//! as for every other command, so `AWS_ENDPOINT_URL_MARKETPLACE_METERING`
//! points the meter at the emulator.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use durable_meter::{AnyStore, Hour, HourState, Meter, Policy, Recorded, Requeue, Usage};
use serde_json::{json, Value};

use crate::output::{print, Output};
use crate::service::{self, Common};
use crate::usage_lines;

/// The exit codes of `flush`, `retry` and `close`, so a cron job or a CI step can
/// tell lost or endangered revenue from a transient failure. When several
/// apply, the most urgent wins (the order below, last first).
pub mod exit {
    /// Everything that could be sent was billed.
    pub const BILLED: u8 = 0;
    /// The store failed, or hours are still to be retried (throttling, 5xx): run it again.
    pub const RETRY: u8 = 1;
    /// A bad argument; nothing was done.
    pub const USAGE: u8 = 2;
    /// This run left hours rejected or in conflict: that usage is not billed (`metering status` lists them).
    pub const REJECTED: u8 = 3;
    /// Hours are held for a set-up error an operator must fix (account, region, credentials, permissions).
    pub const HELD: u8 = 4;
    /// Unsent hours are within the warning margin (two hours) of the end of their window.
    pub const DEADLINE: u8 = 5;
}

/// Lines recorded in one call to the store (one group commit, or a few).
const CHUNK: usize = 10_000;
/// The longest line `record --file` reads: a record is a few hundred bytes.
const MAX_LINE: usize = 64 * 1024;

/// Reads the next line of `reader` as bytes, at most [`MAX_LINE`] of them
/// kept (the rest of a longer line is read and dropped); `None` at the end.
/// The flag says whether the line was longer.
fn next_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    line.clear();
    let (mut read_any, mut too_long) = (false, false);
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let (part, end) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        too_long |= part.len() > room;
        line.extend_from_slice(&part[..part.len().min(room)]);
        let used = end.unwrap_or(buf.len());
        reader.consume(used);
        if end.is_some() {
            return Ok(Some(too_long));
        }
    }
}

/// The text of line `n`, or why it cannot be read as a record's line.
fn line_text(n: usize, bytes: &[u8], too_long: bool) -> Result<&str, String> {
    if too_long {
        return Err(format!("longer than {MAX_LINE} bytes; a record's line is far shorter"));
    }
    if n == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err("starts with a byte-order mark: save the file as UTF-8 without one".into());
    }
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 (byte {} of the line)", e.valid_up_to() + 1))
}

/// Line numbers as ranges: `1-3,5`.
fn ranges(lines: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = lines[i];
        while i + 1 < lines.len() && lines[i + 1] == lines[i] + 1 {
            i += 1;
        }
        out.push(if lines[i] == start { start.to_string() } else { format!("{start}-{}", lines[i]) });
        i += 1;
    }
    out.join(",")
}

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

/// A duration longer than zero (a flush period, a lease).
pub fn positive_duration(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        d if d.is_zero() => Err(format!("`{text}` must be longer than 0")),
        d => Ok(d),
    }
}

/// How a run of `record` went.
#[derive(Debug, Default)]
struct Tally {
    recorded: u64,
    moved: u64,
    already: u64,
    refused: Vec<(usize, String)>,
    recorded_lines: Vec<usize>,
}

impl Tally {
    fn add(&mut self, line: usize, outcome: Recorded) {
        match outcome {
            Recorded::Added { .. } => {
                self.recorded += 1;
                self.recorded_lines.push(line);
            }
            Recorded::Moved { .. } => {
                self.recorded += 1;
                self.moved += 1;
                self.recorded_lines.push(line);
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
            let mut reader = match std::fs::File::open(&path) {
                Ok(f) => std::io::BufReader::new(f),
                Err(e) => return usage_error(&format!("--file {}: {e}", path.display())),
            };
            // One chunk in the store while the next is read: the store sees them one after the other.
            let mut in_flight: Option<(usize, tokio::task::JoinHandle<Result<Outcomes, String>>)> = None;
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut bytes = Vec::new();
            for n in 1.. {
                let too_long = match next_line(&mut reader, &mut bytes) {
                    Ok(Some(too_long)) => too_long,
                    Ok(None) => break,
                    Err(e) => {
                        failure = Some(format!("{}: line {n} could not be read: {e}; nothing from it on was recorded", path.display()));
                        break;
                    }
                };
                match line_text(n, &bytes, too_long) {
                    Ok(line) if line.trim().is_empty() => continue,
                    Ok(line) => match usage_lines::parse_line(line).and_then(usage_lines::Line::into_usage) {
                        Ok(u) => chunk.push((n, u)),
                        Err(reason) => tally.refused.push((n, reason)),
                    },
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
    tally.recorded_lines.sort_unstable();
    let summary = json!({
        "Recorded": tally.recorded,
        "RecordedLines": ranges(&tally.recorded_lines),
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
    ExitCode::from(exit::USAGE)
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
    let meter = Meter::new(store, service::client(common).await, policy);
    flush_and_report("flush", &meter, output).await
}

/// `metering retry`: puts held or rejected hours back, then flushes.
pub async fn retry(common: &Common, store: &str, which: Requeue, policy: Policy, output: Output) -> ExitCode {
    let store = match open(store).await {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let meter = Meter::new(store, service::client(common).await, policy);
    match meter.requeue(which).await {
        Ok(n) => eprintln!("metering retry: {n} hours put back to be sent with their sealed quantities"),
        Err(e) => {
            eprintln!("metering retry: {e}");
            return ExitCode::from(exit::RETRY);
        }
    }
    flush_and_report("retry", &meter, output).await
}

async fn flush_and_report(command: &str, meter: &Meter<AnyStore>, output: Output) -> ExitCode {
    let report = meter.flush().await;
    report_outcome(command, meter, report, output).await
}

/// `metering close`: seals a customer's open hours at once and sends them (a licence that ended).
pub async fn close(common: &Common, store: &str, customer: durable_meter::Customer, output: Output) -> ExitCode {
    let store = match open(store).await {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let meter = Meter::new(store, service::client(common).await, Policy::default());
    let report = meter.close(&customer).await;
    report_outcome("close", &meter, report, output).await
}

/// Prints what a flush did and what is left, and says it with the exit code.
async fn report_outcome(
    command: &str,
    meter: &Meter<AnyStore>,
    report: Result<durable_meter::FlushReport, durable_meter::MeterError>,
    output: Output,
) -> ExitCode {
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("metering {command}: {e}");
            return ExitCode::from(exit::RETRY);
        }
    };
    let status = match meter.status().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("metering {command}: {e}");
            return ExitCode::from(exit::RETRY);
        }
    };
    let c = &status.counts;
    let summary = json!({
        "Sealed": report.sealed,
        "Sent": report.sent,
        "RetryLater": report.retry_later,
        "Held": report.held,
        "Rejected": report.rejected,
        "Conflicts": report.conflicts,
        "TakenOver": report.taken_over,
        "StillToSend": c.sealed + c.held,
        "NearingDeadline": status.nearing_deadline.len(),
    });
    let printed = print(output, &summary);
    let mut code = exit::BILLED;
    if c.sealed > 0 {
        eprintln!(
            "metering {command}: {} sealed hours are still to be sent (the service failed or throttled); run flush again later",
            c.sealed
        );
        code = exit::RETRY;
    }
    if report.rejected + report.conflicts > 0 {
        eprintln!(
            "metering {command}: {} hours were rejected or conflict and are not billed; `metering status` lists them with the reasons",
            report.rejected + report.conflicts
        );
        code = exit::REJECTED;
    }
    if c.held > 0 {
        eprintln!(
            "metering {command}: {} hours are held for a set-up error (account, region, credentials or permissions); fix it, then `metering retry --all`",
            c.held
        );
        code = exit::HELD;
    }
    if !status.nearing_deadline.is_empty() {
        eprintln!("metering {command}: {} unsent hours are near the end of the service's window", status.nearing_deadline.len());
        code = exit::DEADLINE;
    }
    if status.clock_skew_ms.unsigned_abs() > durable_meter::SKEW_WARNING.as_millis() as u64 {
        eprintln!("metering {command}: this machine's clock is {} ms off the store's; the store's decides", status.clock_skew_ms);
    }
    if code == exit::BILLED {
        printed
    } else {
        ExitCode::from(code)
    }
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
    let skew_ms = status.clock_skew_ms;
    let (held, rejected, conflicts) = match (
        durable_meter::Store::hours(&store, HourState::Held, 100).await,
        durable_meter::Store::hours(&store, HourState::Rejected, 100).await,
        durable_meter::Store::hours(&store, HourState::Conflict, 100).await,
    ) {
        (Ok(h), Ok(r), Ok(c)) => (h, r, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
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
                "held": c.held,
                "sent": c.sent,
                "rejected": c.rejected,
                "conflicts": c.conflicts,
                "records": c.records,
                "clockSkewMs": skew_ms,
                "nearingDeadline": status.nearing_deadline.iter().map(hour_json).collect::<Vec<_>>(),
                "heldHours": held.iter().map(hour_json).collect::<Vec<_>>(),
                "rejectedHours": rejected.iter().map(hour_json).collect::<Vec<_>>(),
                "conflictHours": conflicts.iter().map(hour_json).collect::<Vec<_>>(),
            }),
        ),
        Output::Text => {
            println!(
                "pending: {}\nsealed: {}\nheld: {}\nsent: {}\nrejected: {}\nconflicts: {}\nrecords: {}\nclock skew: {skew_ms} ms",
                c.pending, c.sealed, c.held, c.sent, c.rejected, c.conflicts, c.records
            );
            for (title, hours) in
                [("near the deadline", &status.nearing_deadline), ("held", &held), ("rejected", &rejected), ("in conflict", &conflicts)]
            {
                for h in hours.iter() {
                    println!("{title}: {}", hour_json(h));
                }
            }
            if !status.nearing_deadline.is_empty() {
                eprintln!(
                    "metering status: {} unsent hours are near the end of the service's window; flush now",
                    status.nearing_deadline.len()
                );
            }
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_cannot_be_read_are_refused_by_number() {
        let mut bytes: Vec<u8> = b"\xEF\xBB\xBF{\"a\":1}\nok\r\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        bytes.extend_from_slice(b"\nbad \xFF byte\nlast");
        let mut reader = std::io::BufReader::with_capacity(16, &bytes[..]);
        let mut line = Vec::new();
        let mut seen = Vec::new();
        for n in 1.. {
            let Some(too_long) = next_line(&mut reader, &mut line).unwrap() else { break };
            seen.push(line_text(n, &line, too_long).map(str::to_owned));
        }
        assert_eq!(seen.len(), 5, "{seen:?}");
        assert!(seen[0].as_ref().unwrap_err().contains("byte-order mark"));
        assert_eq!(seen[1].as_deref(), Ok("ok"));
        assert!(seen[2].as_ref().unwrap_err().contains("longer than"));
        assert_eq!(seen[3].as_ref().unwrap_err(), "not UTF-8 (byte 5 of the line)");
        assert_eq!(seen[4].as_deref(), Ok("last"));
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1-3,5,7-8");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn durations_and_store_urls() {
        assert_eq!(duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("0"), Ok(Duration::ZERO));
        assert!(duration("1d").is_err() && duration("m").is_err() && duration("-1s").is_err());
        assert_eq!(positive_duration("0"), Err("`0` must be longer than 0".into()));
        assert_eq!(positive_duration("0s"), Err("`0s` must be longer than 0".into()));
        assert_eq!(positive_duration("5s"), Ok(Duration::from_secs(5)));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert!(rt.block_on(open("mysql://x")).unwrap_err().contains("not a store"));
        assert!(rt.block_on(open("sqlite:")).unwrap_err().contains("needs a path"));
    }
}
