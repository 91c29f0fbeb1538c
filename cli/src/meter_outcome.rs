//! What the meter's commands share: opening `--store` (`sqlite:PATH` or
//! `postgres://USER@HOST:PORT/DATABASE`), durations, the exit codes of
//! `flush`, `retry` and `close`, and how a flush's outcome is printed and
//! said with the exit code. Credentials, region and endpoint for the
//! commands that send come from the same places as for every other
//! command, so `AWS_ENDPOINT_URL_MARKETPLACE_METERING` points the meter at
//! the emulator.

use std::process::ExitCode;
use std::time::Duration;

use mpkit_meter::{AnyStore, Hour, Meter};
use serde_json::{json, Value};

use crate::output::{print, Output};

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

/// A bad argument: the message, and the usage exit code.
pub fn usage_error(message: &str) -> ExitCode {
    eprintln!("metering: {message}");
    ExitCode::from(exit::USAGE)
}

pub fn hour_json(h: &Hour) -> Value {
    let (kind, customer) = match &h.customer {
        mpkit_meter::Customer::Identifier(id) => ("CustomerIdentifier", id.clone()),
        mpkit_meter::Customer::Account { account_id, .. } => ("CustomerAWSAccountId", account_id.clone()),
        mpkit_meter::Customer::Caller => ("Caller", String::new()),
    };
    let hour = mpkit_metering::primitives::DateTime::from_secs(h.hour.div_euclid(1000))
        .fmt(mpkit_metering::primitives::DateTimeFormat::DateTime)
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

/// Flushes and says how it went.
pub async fn flush_and_report(command: &str, meter: &Meter<AnyStore>, output: Output) -> ExitCode {
    let report = meter.flush().await;
    report_outcome(command, meter, report, output).await
}

/// Prints what a flush did and what is left, and says it with the exit code.
pub async fn report_outcome(
    command: &str,
    meter: &Meter<AnyStore>,
    report: Result<mpkit_meter::FlushReport, mpkit_meter::MeterError>,
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
    if status.clock_skew_ms.unsigned_abs() > mpkit_meter::SKEW_WARNING.as_millis() as u64 {
        eprintln!("metering {command}: this machine's clock is {} ms off the store's; the store's decides", status.clock_skew_ms);
    }
    if code == exit::BILLED {
        printed
    } else {
        ExitCode::from(code)
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
        assert_eq!(positive_duration("0"), Err("`0` must be longer than 0".into()));
        assert_eq!(positive_duration("0s"), Err("`0s` must be longer than 0".into()));
        assert_eq!(positive_duration("5s"), Ok(Duration::from_secs(5)));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert!(rt.block_on(open("mysql://x")).unwrap_err().contains("not a store"));
        assert!(rt.block_on(open("sqlite:")).unwrap_err().contains("needs a path"));
    }
}
