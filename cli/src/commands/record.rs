//! `metering record`: usage records into the meter's store, from a JSON
//! Lines file (`usage_lines.rs`) or one record from flags; exit 0 only when
//! every record is durable. A file is read in chunks, one in the store
//! while the next is read and checked; a bad line is refused by number with
//! the reason, and the good ones are kept.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use mpkit_meter::{AnyStore, Recorded, Usage};
use serde_json::{json, Value};

use crate::meter_outcome::{open, usage_error};
use crate::output::print;
use crate::service::Common;
use crate::usage_lines;

/// Record usage durably in the meter's store: exit 0 only when every record is durable.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long)]
    store: String,
    /// JSON Lines with the API's member names (ProductCode, CustomerIdentifier or
    /// CustomerAWSAccountId with LicenseArn, Dimension, QuantityAsDecimal, Timestamp, EventId).
    #[arg(long, conflicts_with_all = ["product_code", "dimension", "quantity"])]
    file: Option<PathBuf>,
    #[command(flatten)]
    one: OneRecord,
}

/// One record, from flags.
#[derive(Debug, clap::Args)]
pub struct OneRecord {
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
    fn usage(self) -> Option<Result<mpkit_meter::Usage, String>> {
        let dimension = self.dimension?;
        Some((|| {
            let quantity = mpkit_meter::Quantity::parse(self.quantity.as_deref().ok_or("--quantity is missing")?)?;
            let time = if self.timestamp == "now" { std::time::SystemTime::now() } else { usage_lines::time(&self.timestamp)? };
            let customer = usage_lines::customer(self.customer_identifier, self.customer_aws_account_id, self.license_arn)?;
            let usage =
                mpkit_meter::Usage { product_code: self.product_code, customer, dimension, quantity, time, event_id: self.event_id };
            usage.check().map_err(|e| e.to_string())?;
            Ok(usage)
        })())
    }
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
        let outcomes = mpkit_meter::record_all(&*store, usage).await.map_err(|e| e.to_string())?;
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
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let Args { store, file, one } = args;
    let (one, output) = (one.usage(), common.output);
    let store = match open(&store).await {
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
}
