//! A PostgreSQL that goes away mid-run, as a crash or an RDS Multi-AZ
//! failover takes it: the server is killed (no clean shutdown) while four
//! producers record and a flusher flushes, and started again. Calls in the
//! gap fail and are made again; connections are made anew over TLS; at the
//! end every record is there once and every hour is billed once, with the
//! exact sum recorded.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::cluster::{Cluster, Offer};
use common::*;
use mpkit_meter::{Meter, Policy, PostgresStore, Recorded, Usage};

const PRODUCERS: usize = 4;
const EACH: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_killed_and_started_again_mid_run_loses_nothing_and_bills_each_hour_once() {
    let Some(server) = Cluster::start("restart", Offer::Tls, &[]) else { return };
    // 10:00 all run long: the producers write into 08:00 and 09:00, which the flusher (no grace) seals and sends meanwhile.
    let world = World::start("pg-restart").await;
    let url = server.url("meter", "localhost", "sslmode=verify-full&sslrootcert={ca}&connect_timeout=2");
    let store = PostgresStore::open(&url).await.unwrap().with_clock(world.clock.closure());
    let policy =
        Policy { requests_per_second: 0, lease: Duration::from_secs(600), max_backoff: Duration::from_secs(1), ..Policy::default() };
    let meter = Arc::new(Meter::new(store, world.client(SELLER), policy).with_clock(world.clock.closure()).with_jitter(|| 0.0));

    let (recorded, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (meter, recorded, failed) = (meter.clone(), recorded.clone(), failed.clone());
            tokio::spawn(async move {
                for n in 0..EACH {
                    let dimension = if n % 2 == 0 { "users" } else { "storage_gb" };
                    // 08:00 to 09:59, minute by minute.
                    let usage = Usage {
                        event_id: Some(format!("p{p}-{n}")),
                        time: at(0) - Duration::from_secs(7200) + Duration::from_secs(60 * ((n as u64 * 7 + p as u64) % 120)),
                        ..saas(alpha(), dimension, 0, "1")
                    };
                    // A call that failed may or may not have committed: the same event id again is counted once.
                    loop {
                        match meter.record(usage.clone()).await {
                            // Into a sealed hour: moved on to the next open one.
                            Ok(Recorded::Added { .. } | Recorded::Moved { .. } | Recorded::AlreadyRecorded) => break,
                            Ok(other) => panic!("{usage:?}: {other:?}"),
                            Err(e) => {
                                if failed.load(Ordering::Relaxed) % 50 == 0 {
                                    eprintln!("record failed: {e}");
                                }
                                failed.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                    }
                    recorded.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flusher = {
        let (meter, done) = (meter.clone(), done.clone());
        tokio::spawn(async move {
            let (mut sent, mut errors) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                match meter.flush_with_grace(Duration::ZERO).await {
                    Ok(report) => sent += report.sent,
                    Err(_) => errors += 1,
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (sent, errors)
        })
    };

    // Killed once a third is recorded; started again a second later.
    let third = async {
        while recorded.load(Ordering::Relaxed) < PRODUCERS * EACH / 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), third).await.expect("a third recorded within two minutes");
    let server = tokio::task::spawn_blocking(move || {
        server.stop(true);
        std::thread::sleep(Duration::from_secs(1));
        server.start_again();
        server
    })
    .await
    .unwrap();
    for p in producers {
        p.await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let (sent_while_running, flush_errors) = flusher.await.unwrap();
    assert!(failed.load(Ordering::Relaxed) + flush_errors > 0, "the server went away mid-run: some calls failed");
    assert!(sent_while_running > 0, "the flusher billed hours while the producers recorded");

    // 10:00 ends; everything left is sealed and sent.
    world.clock.advance(Duration::from_secs(3600 + 300));
    for _ in 0..20 {
        let status = meter.status().await.unwrap();
        if status.counts.pending + status.counts.sealed == 0 {
            break;
        }
        meter.flush_with_grace(Duration::ZERO).await.unwrap();
    }
    let counts = meter.status().await.unwrap().counts;
    assert_eq!(counts.records as usize, PRODUCERS * EACH, "every record once: {counts:?}");
    assert_eq!((counts.pending, counts.sealed, counts.held, counts.rejected, counts.conflicts), (0, 0, 0, 0, 0), "{counts:?}");

    let mut billed: BTreeMap<String, u64> = BTreeMap::new();
    for ((customer, dimension, _hour), quantity) in world.billed().await {
        assert_eq!(customer, "cust-alpha");
        *billed.entry(dimension).or_default() += quantity.parse::<u64>().unwrap();
    }
    let half = (PRODUCERS * EACH / 2) as u64;
    assert_eq!(billed, BTreeMap::from([("storage_gb".to_owned(), half), ("users".to_owned(), half)]), "each unit billed once");
    assert_eq!(counts.sent, world.billed().await.len() as u64, "one record billed per hour sent");
    drop(server);
}
