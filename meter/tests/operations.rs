//! The meter as sellers run it, on SQLite and on PostgreSQL, against the
//! emulator: two replicas whose clocks differ by hours, a set-up error that
//! is later fixed, one buyer under two names, event ids sent twice (the same
//! and changed), a bad record beside good ones, a call slower than the
//! lease, and the end of a month. At the end every buyer's billed total per
//! dimension and hour is the exact sum recorded, nothing was sent twice,
//! nothing is left, and every refusal was reported when it was made.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use mpkit_meter::{AnyStore, Customer, HourState, Meter, Policy, PostgresStore, Recorded, SqliteStore, Usage};

const BETA_LICENCE: &str = "arn:aws:license-manager::777788889999:license:l-beta";

fn account(id: &str, licence: Option<&str>) -> Customer {
    Customer::Account { account_id: id.into(), license_arn: licence.map(str::to_owned) }
}

fn with_event(u: Usage, id: &str) -> Usage {
    Usage { event_id: Some(id.into()), ..u }
}

/// The whole run against the store `open` opens (the same storage each time), one replica each call.
async fn operations(world: &World, open: impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = AnyStore> + Send>>) {
    let policy =
        Policy { requests_per_second: 0, lease: Duration::from_secs(1), max_backoff: Duration::from_secs(30), ..Policy::default() };
    let replica = |store: AnyStore, keys: (&str, &str), ahead: Duration| {
        Meter::new(store, world.client(keys), policy.clone()).with_clock(world.clock.ahead(ahead)).with_jitter(|| 0.5)
    };
    let on_time = replica(open().await, SELLER, Duration::ZERO);
    let ahead = replica(open().await, SELLER, Duration::from_secs(3 * 3600));
    on_time.resolve_customer("token-alpha").await.unwrap();
    on_time.add_buyers(directory()).await.unwrap();
    let mut expected: BTreeMap<(String, String, i64), f64> = BTreeMap::new();
    let mut expect =
        |customer: &str, dimension: &str, hour: i64, q: f64| *expected.entry((customer.into(), dimension.into(), hour)).or_default() += q;

    // 10:00-11:59, from both replicas: alpha under both names, beta with and without its licence,
    // event ids resent (the same, ignored; changed, refused), a licence with a space (refused).
    let from_on_time = on_time
        .record_all(vec![
            with_event(saas(alpha(), "users", 5, "5"), "e-1"),
            saas(account("444455556666", None), "users", 20, "3"),
            saas(account("777788889999", Some(BETA_LICENCE)), "users", 30, "1"),
            saas(alpha(), "storage_gb", 70, "0.25"),
        ])
        .await
        .unwrap();
    assert!(from_on_time.iter().all(|r| matches!(r, Recorded::Added { .. })), "{from_on_time:?}");
    expect("cust-alpha", "users", H10, 8.0);
    expect("777788889999", "users", H10, 1.0);
    expect("cust-alpha", "storage_gb", H11, 0.25);
    let from_ahead = ahead
        .record_all(vec![
            saas(account("777788889999", None), "users", 40, "2"),
            with_event(saas(alpha(), "users", 5, "5"), "e-1"),
            with_event(saas(alpha(), "users", 5, "6"), "e-1"),
            saas(account("777788889999", Some("arn:aws:license-manager::777788889999:license:l beta")), "users", 41, "9"),
            saas(alpha(), "users", 75, "1.5"),
        ])
        .await
        .unwrap();
    expect("777788889999", "users", H10, 2.0);
    expect("cust-alpha", "users", H11, 1.5);
    assert!(matches!(from_ahead[0], Recorded::Added { .. }), "{from_ahead:?}");
    assert_eq!(from_ahead[1], Recorded::AlreadyRecorded);
    assert!(matches!(&from_ahead[2], Recorded::Refused(r) if r.contains("was recorded before with other usage")), "{from_ahead:?}");
    assert!(matches!(&from_ahead[3], Recorded::Refused(r) if r.starts_with("LicenseArn")), "{from_ahead:?}");
    assert!(matches!(from_ahead[4], Recorded::Added { .. }), "{from_ahead:?}");

    // 11:05 by the store; the fast replica believes 14:05 and would seal both hours by its own clock.
    world.clock.advance(Duration::from_secs(65 * 60));
    assert_eq!(ahead.flush().await.unwrap().sealed, 0, "10:00 is still in its grace, 11:00 in progress");
    // The shared clock runs: the replica's and the store's readings are a few milliseconds apart.
    let skew_ms = ahead.status().await.unwrap().clock_skew_ms;
    assert!((skew_ms - 3 * 3600 * 1000).abs() < 1000, "three hours ahead, give or take the time between two readings: {skew_ms} ms");

    // 12:30: a replica with the wrong keys flushes first: held, not lost.
    world.clock.advance(Duration::from_secs(85 * 60));
    let wrong = replica(open().await, BUYER, Duration::ZERO);
    let report = wrong.flush().await.unwrap();
    assert_eq!((report.sealed, report.held, report.rejected, report.sent), (4, 4, 0, 0), "{report:?}");
    drop(wrong);

    // The right keys, after the backoff; the service answers slower than the lease, and the other replica flushes meanwhile.
    world.clock.advance(Duration::from_secs(60));
    world.arm(r#"{"operation": "BatchMeterUsage", "delay_ms": 2500}"#).await;
    let (first, second) = tokio::join!(on_time.flush(), async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        ahead.flush().await
    });
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!((first.sent + second.sent, first.taken_over + second.taken_over), (4, 0), "{first:?} {second:?}");

    // The end of the month: 23:10 on November 30th, sent at 04:00 on December 1st (before 06:00).
    ahead.record(saas(alpha(), "users", 13 * 60 + 10, "7")).await.unwrap();
    expect("cust-alpha", "users", H10 + 13 * 3600, 7.0);
    world.clock.advance(Duration::from_secs(15 * 3600 + 29 * 60));
    let report = on_time.flush().await.unwrap();
    assert_eq!((report.sent, report.rejected, report.held), (1, 0, 0), "{report:?}");

    let status = on_time.status().await.unwrap();
    let c = &status.counts;
    assert_eq!((c.sealed, c.held, c.rejected, c.conflicts), (0, 0, 0, 0), "{status:?}");
    let open_hours = on_time.hours(HourState::Open, 10).await.unwrap();
    assert!(open_hours.is_empty(), "{open_hours:?}");
    let billed: BTreeMap<(String, String, i64), f64> =
        world.billed().await.into_iter().map(|(k, q)| (k, q.parse::<f64>().unwrap())).collect();
    assert_eq!(billed, expected, "every buyer's dimension and hour billed once, with the exact sum recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_on_sqlite() {
    let world = World::start_on("ops-sqlite", SharedClock::running()).await;
    let path = world.dir.join("meter.sqlite");
    let clock = world.clock.closure();
    operations(&world, || {
        let (path, clock) = (path.clone(), clock.clone());
        Box::pin(async move { AnyStore::Sqlite(SqliteStore::open(&path).unwrap().with_clock(clock)) })
    })
    .await;
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_on_postgres() {
    let Some(url) = postgres("run").await else { return };
    let world = World::start_on("ops-postgres", SharedClock::running()).await;
    let clock = world.clock.closure();
    operations(&world, || {
        let (url, clock) = (url.clone(), clock.clone());
        // The database's clock is replaced by the emulator's, which runs from 2025-11-30.
        Box::pin(async move { AnyStore::Postgres(PostgresStore::open(&url).await.unwrap().with_clock(clock)) })
    })
    .await;
    let _ = std::fs::remove_dir_all(&world.dir);
}
