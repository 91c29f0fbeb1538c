//! What an operator can fix is held, not lost; what is put back is sent
//! again with its sealed quantity; a flusher whose call outlives its lease
//! keeps the hours it is sending, so no other flusher sends them too; and
//! the store's clock, not a replica's, decides when an hour closes.

mod common;

use std::time::Duration;

use common::*;
use mpkit_meter::{Customer, HourState, Meter, Policy, Requeue, SqliteStore, Usage};

fn box_usage(minutes: u64) -> Usage {
    Usage {
        product_code: Some("prod-box".into()),
        customer: Customer::Caller,
        dimension: "vcpu_hours".into(),
        ..saas(Customer::Caller, "x", minutes, "2")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_up_errors_hold_hours_until_the_configuration_is_fixed() {
    let world = World::start("held").await;
    // The wrong profile: the buyer's keys call BatchMeterUsage (InvalidProductCodeException) and
    // unknown keys call it (UnrecognizedClientException); the seller's keys call MeterUsage (CustomerNotEntitledException).
    let wrong_profile = world.meter("meter.sqlite", BUYER);
    wrong_profile.add_buyers(directory()).await.unwrap();
    wrong_profile.record_all(vec![saas(alpha(), "users", 1, "5"), saas(beta(), "users", 2, "3"), box_usage(3)]).await.unwrap();
    world.clock.advance(Duration::from_secs(2 * 3600));
    let report = wrong_profile.flush().await.unwrap();
    assert_eq!((report.sealed, report.held, report.rejected, report.sent), (3, 2, 0, 1), "{report:?}");
    let held = wrong_profile.hours(HourState::Held, 10).await.unwrap();
    assert!(held.iter().all(|h| h.reason.as_deref().unwrap().starts_with("InvalidProductCodeException")), "{held:?}");
    let status = wrong_profile.status().await.unwrap();
    assert_eq!((status.counts.held, status.counts.rejected), (2, 0));
    drop(wrong_profile);

    let unknown_keys = world.meter("meter.sqlite", ("AKIAEXAMPLEUNKNOWN01", "nope"));
    world.clock.advance(Duration::from_secs(60));
    let report = unknown_keys.flush().await.unwrap();
    assert_eq!((report.held, report.rejected), (2, 0), "{report:?}");
    assert!(unknown_keys.hours(HourState::Held, 10).await.unwrap().iter().all(|h| h
        .reason
        .as_deref()
        .unwrap()
        .starts_with("UnrecognizedClientException")));

    // Fixed: the seller's keys. The held hours are due after their backoff and billed, in full.
    let fixed = world.meter("meter.sqlite", SELLER);
    world.clock.advance(Duration::from_secs(60));
    let report = fixed.flush().await.unwrap();
    assert_eq!((report.sent, report.held, report.rejected), (2, 0, 0), "{report:?}");
    let billed = world.billed().await;
    assert_eq!(billed[&("cust-alpha".into(), "users".into(), H10)], "5");
    assert_eq!(billed[&("777788889999".into(), "users".into(), H10)], "3");

    // Seller keys for MeterUsage: CustomerNotEntitled is held too, and sent once the buyer's keys are used.
    let seller_box = world.meter("box.sqlite", SELLER);
    seller_box.record(box_usage(20)).await.unwrap();
    world.clock.advance(Duration::from_secs(60));
    let report = seller_box.flush().await.unwrap();
    assert_eq!((report.held, report.rejected), (1, 0), "{report:?}");
    drop(seller_box);
    let buyer_box = world.meter("box.sqlite", BUYER);
    // Put back on purpose: due now, without waiting for the backoff.
    assert_eq!(buyer_box.requeue(Requeue::Reason("CustomerNotEntitledException".into())).await.unwrap(), 1);
    let report = buyer_box.flush().await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_hour_put_back_is_sent_again_with_its_sealed_quantity() {
    let world = World::start("requeue").await;
    let meter = world.meter("meter.sqlite", SELLER);
    meter.record(saas(alpha(), "users", 1, "4.5")).await.unwrap();
    world.clock.advance(Duration::from_secs(2 * 3600));
    // The service refuses the batch for its timestamp (as it would during an outage of its clock): rejected.
    world.arm(r#"{"operation": "BatchMeterUsage", "error": "TimestampOutOfBoundsException"}"#).await;
    let report = meter.flush().await.unwrap();
    assert_eq!(report.rejected, 1, "{report:?}");
    let rejected = meter.hours(HourState::Rejected, 1).await.unwrap().remove(0);
    assert_eq!(meter.flush().await.unwrap().sent, 0, "rejected hours are not sent by themselves");
    assert_eq!(meter.requeue(Requeue::Hour(rejected.hour)).await.unwrap(), 1);
    let report = meter.flush().await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let sent = meter.hours(HourState::Sent, 1).await.unwrap().remove(0);
    assert_eq!((sent.id, sent.total, sent.client_token), (rejected.id, rejected.total, rejected.client_token));
    assert_eq!(world.billed().await[&("cust-alpha".into(), "users".into(), H10)], "4.5");
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_slower_than_the_lease_keeps_its_hours_from_a_second_flusher() {
    let world = World::start_on("lease", SharedClock::running()).await;
    let open = |keys| {
        let store = SqliteStore::open(&world.dir.join("meter.sqlite")).unwrap().with_clock(world.clock.closure());
        let policy = Policy { requests_per_second: 0, lease: Duration::from_secs(2), ..Policy::default() };
        Meter::new(store, world.client(keys), policy).with_clock(world.clock.closure()).with_jitter(|| 0.5)
    };
    let (first, second) = (open(SELLER), open(SELLER));
    first.add_buyers(directory()).await.unwrap();
    first.record_all(vec![saas(alpha(), "users", 1, "5"), saas(beta(), "users", 1, "2")]).await.unwrap();
    world.clock.advance(Duration::from_secs(2 * 3600));
    // The service takes 4 s to answer: twice the lease.
    world.arm(r#"{"operation": "BatchMeterUsage", "delay_ms": 4000}"#).await;
    let slow = tokio::spawn(async move { first.flush().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let late = second.flush().await.unwrap();
    assert_eq!((late.sent, late.taken_over), (0, 0), "the first flusher renews its claim while its call is in flight: {late:?}");
    let report = slow.await.unwrap();
    assert_eq!((report.sent, report.taken_over), (2, 0), "{report:?}");
    let status = second.status().await.unwrap();
    assert_eq!((status.counts.sent, status.counts.sealed), (2, 0));
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_whose_clock_runs_ahead_seals_nothing_early_and_says_so() {
    let world = World::start("skew").await;
    let store = || SqliteStore::open(&world.dir.join("meter.sqlite")).unwrap().with_clock(world.clock.closure());
    let policy = Policy { requests_per_second: 10, ..Policy::default() };
    let ahead = Meter::new(store(), world.client(SELLER), policy.clone()).with_clock(world.clock.ahead(Duration::from_secs(3 * 3600)));
    let on_time = Meter::new(store(), world.client(SELLER), policy).with_clock(world.clock.closure());
    on_time.add_buyers(directory()).await.unwrap();
    // 10:30, the 10:00 hour in progress; the fast replica believes it is 13:30.
    world.clock.advance(Duration::from_secs(30 * 60));
    ahead.record(saas(alpha(), "users", 30, "1")).await.unwrap();
    let report = ahead.flush().await.unwrap();
    assert_eq!(report.sealed, 0, "the store's clock decides: the hour in progress stays open");
    let status = ahead.status().await.unwrap();
    assert_eq!((status.counts.pending, status.clock_skew_ms), (1, 3 * 3600 * 1000), "{status:?}");
    // 12:00: the hour is closed by the store's clock, and both replicas share the rate without waiting for any clock's future.
    world.clock.advance(Duration::from_secs(90 * 60));
    ahead.record(saas(beta(), "users", 35, "2")).await.unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = tokio::join!(ahead.flush(), on_time.flush());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 2, "{a:?} {b:?}");
    let _ = std::fs::remove_dir_all(&world.dir);
}
