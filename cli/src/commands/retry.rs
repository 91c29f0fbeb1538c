//! `metering retry`: put held or rejected hours back, then flush; they are
//! sent with their sealed quantities and tokens. Exit codes as for `flush`.

use std::process::ExitCode;

use mpkit_meter::{Meter, Policy, Requeue};

use crate::meter_outcome::{exit, flush_and_report, open, usage_error};
use crate::service::{self, Common};
use crate::usage_lines;

/// Put held or rejected hours back and send them again, with their sealed quantities; exit codes as for flush.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long)]
    store: String,
    /// Only hours whose reason starts with this code (e.g. InvalidProductCodeException).
    #[arg(long, group = "which")]
    reason: Option<String>,
    /// Only hours of the hour starting at this time (RFC 3339 or epoch seconds).
    #[arg(long, group = "which")]
    hour: Option<String>,
    /// Every held and rejected hour.
    #[arg(long, group = "which")]
    all: bool,
}

/// `metering retry`: puts held or rejected hours back, then flushes.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let which = match (args.reason, args.hour, args.all) {
        (Some(code), None, false) => Requeue::Reason(code),
        (None, Some(hour), false) => match usage_lines::time(&hour) {
            Ok(t) => {
                let ms = t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
                Requeue::Hour(mpkit_meter::policy::hour_of(ms))
            }
            Err(e) => return usage_error(&format!("--hour {e}")),
        },
        (None, None, true) => Requeue::All,
        _ => return usage_error("give one of --reason CODE, --hour TIME or --all"),
    };
    let (policy, output) = (Policy::default(), common.output);
    let store = match open(&args.store).await {
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
