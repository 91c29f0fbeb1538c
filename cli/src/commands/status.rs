//! `metering status`: counts of pending, sealed, held, sent, rejected and
//! conflicting hours, with the hours that need attention.

use std::process::ExitCode;
use std::time::SystemTime;

use mpkit_meter::{HourState, Policy};
use serde_json::json;

use crate::meter_outcome::{hour_json, open, usage_error};
use crate::output::{print, Output};
use crate::service::Common;

/// Counts of pending, sealed, sent, rejected and conflicting hours, with the hours that need attention.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long)]
    store: String,
}

/// `metering status`.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let output = common.output;
    let store = match open(&args.store).await {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--store: {e}")),
    };
    let policy = Policy::default();
    let status = match mpkit_meter::status(&store, &policy, SystemTime::now()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("metering status: {e}");
            return ExitCode::FAILURE;
        }
    };
    let skew_ms = status.clock_skew_ms;
    let (held, rejected, conflicts) = match (
        mpkit_meter::Store::hours(&store, HourState::Held, 100).await,
        mpkit_meter::Store::hours(&store, HourState::Rejected, 100).await,
        mpkit_meter::Store::hours(&store, HourState::Conflict, 100).await,
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
