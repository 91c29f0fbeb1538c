//! `metering demo`: the whole thing on a fresh machine, in one command.
//! Starts the emulator in this process (the demo configuration), records
//! three hours of usage for two SaaS customers into a temporary SQLite
//! store, flushes, and prints what the emulator billed next to what was
//! recorded, then the meter's status.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mpkit_meter::{Customer, Meter, Policy, Quantity, SqliteStore, Usage};
use mpkit_metering::config::{Credentials, Region};

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

fn fail(what: &str, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("metering demo: {what}: {e}");
    ExitCode::FAILURE
}

/// Show the whole thing working: the emulator, the meter, three hours of usage, billed once.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the demonstration (`metering demo`).
pub async fn run(_common: &crate::service::Common, _args: Args) -> ExitCode {
    let emulator = match mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().expect("a socket address")).await {
        Ok(e) => e,
        Err(e) => return fail("the emulator did not start", e),
    };
    let dir = std::env::temp_dir().join(format!("metering-demo-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail("no temporary folder", e);
    }
    let store = match SqliteStore::open(&dir.join("meter.db")) {
        Ok(s) => s,
        Err(e) => return fail("the store did not open", e),
    };
    println!("The emulator is at {}; the meter's store is {}.", emulator.url(), dir.join("meter.db").display());
    let config = mpkit_metering::Config::builder()
        .region(Region::from_static("us-east-1"))
        .credentials_provider(Credentials::new(SELLER.0, SELLER.1, None, None, "demo"))
        .endpoint_url(emulator.url())
        .build();
    let meter = Meter::new(store, mpkit_metering::Client::from_conf(config), Policy::default());
    // As a seller's sign-up page does: resolve each buyer's registration token, so the meter knows
    // every name a buyer goes by (one buyer's records under two names are one hour, billed once).
    for token in ["token-alpha", "token-beta"] {
        match meter.resolve_customer(token).await {
            Ok(b) => println!(
                "Resolved {token}: CustomerIdentifier {}, CustomerAWSAccountId {}.",
                b.identifier.as_deref().unwrap_or("-"),
                b.account_id.as_deref().unwrap_or("-")
            ),
            Err(e) => return fail("ResolveCustomer failed", e),
        }
    }

    // Three closed hours of usage, a record every five minutes, for two customers of the SaaS product.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    // The last hour that has ended and whose grace (10 minutes) has passed, and the two before it.
    let last_closed = now.saturating_sub(3600 + 600) / 3600 * 3600;
    let first_hour = last_closed - 2 * 3600;
    let customers = [
        ("cust-alpha", Customer::Identifier("cust-alpha".into())),
        (
            "777788889999",
            Customer::Account {
                account_id: "777788889999".into(),
                license_arn: Some("arn:aws:license-manager::777788889999:license:l-beta".into()),
            },
        ),
    ];
    let mut usage = Vec::new();
    let mut recorded: BTreeMap<(u64, &str, &str), Quantity> = BTreeMap::new();
    for step in 0..36u64 {
        let t = first_hour + step * 300;
        for (n, (name, customer)) in customers.iter().enumerate() {
            for (dimension, quantity) in [
                ("users", Quantity::units(1 + (step % 3) as u32)),
                ("storage_gb", Quantity::parse(if n == 0 { "0.25" } else { "1.5" }).expect("a quantity")),
            ] {
                let hour = t / 3600 * 3600;
                let total = recorded.entry((hour, name, dimension)).or_default();
                *total = total.checked_add(quantity).unwrap_or(*total);
                usage.push(Usage {
                    product_code: Some("prod-saas-1".into()),
                    customer: customer.clone(),
                    dimension: dimension.into(),
                    quantity,
                    time: UNIX_EPOCH + Duration::from_secs(t),
                    event_id: Some(format!("demo-{step}-{n}-{dimension}")),
                });
            }
        }
    }
    let count = usage.len();
    match meter.record_all(usage).await {
        Ok(outcomes) => {
            if let Some(mpkit_meter::Recorded::Refused(reason)) = outcomes.iter().find(|o| matches!(o, mpkit_meter::Recorded::Refused(_))) {
                return fail("a record was refused", reason);
            }
        }
        Err(e) => return fail("recording failed", e),
    }
    println!("\nRecorded {count} usage records (durable in the store). Flushing: sealing the closed hours and sending them.\n");
    let report = match meter.flush().await {
        Ok(r) => r,
        Err(e) => return fail("the flush failed", e),
    };
    println!(
        "Flush: {} hours sealed, {} sent, {} to retry, {} rejected, {} conflicts.\n",
        report.sealed, report.sent, report.retry_later, report.rejected, report.conflicts
    );

    let billed: BTreeMap<(u64, String, String), String> = match mpkit_emulator::admin::billed(&emulator.url()).await {
        Ok(list) => list.into_iter().map(|b| ((b.hour as u64, b.customer().to_owned(), b.dimension.clone()), b.quantity)).collect(),
        Err(e) => return fail("the emulator's records could not be read", e),
    };
    println!("{:<22} {:<14} {:<11} {:>10} {:>10}", "hour (UTC)", "customer", "dimension", "recorded", "billed");
    let mut all_equal = true;
    for ((hour, customer, dimension), total) in &recorded {
        let got = billed.get(&(*hour, customer.to_string(), dimension.to_string())).cloned().unwrap_or_else(|| "-".into());
        all_equal &= got == total.to_string();
        let label = mpkit_metering::primitives::DateTime::from_secs(*hour as i64)
            .fmt(mpkit_metering::primitives::DateTimeFormat::DateTime)
            .unwrap_or_default();
        println!("{label:<22} {customer:<14} {dimension:<11} {:>10} {got:>10}", total.to_string());
    }
    match meter.status().await {
        Ok(s) => println!(
            "\nStatus: {} pending, {} sealed, {} sent, {} rejected, {} conflicts, {} records.",
            s.counts.pending, s.counts.sealed, s.counts.sent, s.counts.rejected, s.counts.conflicts, s.counts.records
        ),
        Err(e) => return fail("status failed", e),
    }
    emulator.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    if all_equal {
        println!("Every hour was billed once, with the exact sum of its records.");
        ExitCode::SUCCESS
    } else {
        eprintln!("metering demo: what was billed differs from what was recorded");
        ExitCode::FAILURE
    }
}
