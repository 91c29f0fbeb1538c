//! The meter against the emulator, on one fixed clock shared by both (and
//! the SDK's signer): what was recorded is what is billed, to the
//! millionth; refusals, conflicts and batch-wide errors settle as the
//! service means them; faults are retried with the same sealed quantities
//! until everything is billed once.

mod common;

use std::time::Duration;

use common::*;
use mpkit_meter::{Customer, HourState, Quantity, Recorded, Usage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_recorded_is_billed_exactly_once_to_the_millionth() {
    let world = World::start("exact").await;
    let meter = world.meter("meter.sqlite", SELLER);
    let mut usage = Vec::new();
    for i in 0..30 {
        usage.push(saas(alpha(), "users", i, "0.1"));
        usage.push(saas(beta(), "storage_gb", 60 + i, "1.000001"));
    }
    usage.push(saas(Customer::Identifier("cust-nobody".into()), "users", 5, "4"));
    let out = meter.record_all(usage).await.unwrap();
    assert!(out.iter().all(|r| matches!(r, Recorded::Added { .. })), "{out:?}");

    // 11:05: the 10:00 hour has ended but its grace (10 minutes) has not.
    world.clock.advance(Duration::from_secs(65 * 60));
    let early = meter.flush().await.unwrap();
    assert_eq!((early.sealed, early.sent), (0, 0));

    // 12:30: both hours are closed.
    world.clock.advance(Duration::from_secs(85 * 60));
    let report = meter.flush().await.unwrap();
    assert_eq!((report.sealed, report.sent, report.rejected, report.conflicts, report.retry_later), (3, 2, 1, 0, 0), "{report:?}");
    let billed = world.billed().await;
    assert_eq!(billed[&("cust-alpha".into(), "users".into(), H10)], "3", "thirty tenths, exactly");
    assert_eq!(billed[&("777788889999".into(), "storage_gb".into(), H11)], "30.00003");
    assert_eq!(billed.len(), 2);
    let rejected = meter.hours(HourState::Rejected, 10).await.unwrap();
    assert!(rejected[0].reason.as_deref().unwrap().starts_with("CustomerNotSubscribed"), "{rejected:?}");
    let sent = meter.hours(HourState::Sent, 10).await.unwrap();
    assert!(sent.iter().all(|h| h.record_id.as_deref().is_some_and(|id| !id.is_empty())));

    // A late record for the sealed 10:00 hour goes to the earliest unsealed hour of its customer and dimension:
    // 11:00, closed but never sealed, since alpha used no users then.
    let late = meter.record(saas(alpha(), "users", 40, "2")).await.unwrap();
    assert_eq!(late, Recorded::Moved { from: H10 * 1000, to: H11 * 1000 });
    let report = meter.flush().await.unwrap();
    assert_eq!((report.sealed, report.sent), (1, 1));
    assert_eq!(world.billed().await[&("cust-alpha".into(), "users".into(), H11)], "2");
    assert_eq!(world.billed().await[&("cust-alpha".into(), "users".into(), H10)], "3", "the sealed hour was not changed");
    let status = meter.status().await.unwrap();
    assert_eq!((status.counts.pending, status.counts.sealed, status.counts.sent, status.counts.rejected), (0, 0, 3, 1));
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_refused_as_a_whole_is_halved_until_only_the_bad_record_is_held() {
    let world = World::start("bisect").await;
    let meter = world.meter("meter.sqlite", SELLER);
    let mut usage: Vec<Usage> = (0..9).map(|i| saas(Customer::Identifier(format!("cust-{i}")), "users", 1, "1")).collect();
    // Only cust-alpha is subscribed: the others are CustomerNotSubscribed, per record.
    usage.push(saas(alpha(), "users", 1, "5"));
    usage.push(saas(alpha(), "no_such_dimension", 1, "5"));
    meter.record_all(usage).await.unwrap();
    world.clock.advance(Duration::from_secs(2 * 3600));
    let report = meter.flush().await.unwrap();
    assert_eq!((report.sent, report.rejected), (1, 10), "{report:?}");
    let rejected = meter.hours(HourState::Rejected, 20).await.unwrap();
    let bad = rejected.iter().find(|h| h.dimension == "no_such_dimension").unwrap();
    assert!(bad.reason.as_deref().unwrap().starts_with("InvalidUsageDimensionException"), "{bad:?}");
    assert_eq!(world.billed().await[&("cust-alpha".into(), "users".into(), H10)], "5");
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_retried_with_the_same_sealed_quantities_until_billed_once() {
    let world = World::start("faults").await;
    let meter = world.meter("meter.sqlite", SELLER);
    // alpha (an identifier) and beta (an account) in one product and hour: the directory tells them apart.
    meter.resolve_customer("token-alpha").await.unwrap();
    let mut usage = Vec::new();
    for i in 0..60 {
        usage.push(saas(alpha(), "users", i, "0.25"));
        usage.push(saas(beta(), "users", i, "0.5"));
        usage.push(saas(alpha(), "storage_gb", i, "1"));
    }
    let out = meter.record_all(usage).await.unwrap();
    assert!(out.iter().all(|r| matches!(r, Recorded::Added { .. })), "{out:?}");
    world.clock.advance(Duration::from_secs(2 * 3600));
    world.arm(r#"{"operation": "BatchMeterUsage", "error": "ThrottlingException"}"#).await;
    world.arm(r#"{"operation": "BatchMeterUsage", "error": "InternalServiceErrorException"}"#).await;
    world.arm(r#"{"operation": "BatchMeterUsage", "drop_connection": "after"}"#).await;
    world.arm(r#"{"operation": "BatchMeterUsage", "unprocessed": [1]}"#).await;
    let mut rounds = 0;
    loop {
        let report = meter.flush().await.unwrap();
        assert_eq!((report.rejected, report.conflicts), (0, 0), "round {rounds}: {report:?}");
        let status = meter.status().await.unwrap();
        if status.counts.sealed == 0 {
            break;
        }
        rounds += 1;
        assert!(rounds < 10, "still sealed after {rounds} rounds: {status:?}");
        // The next attempt is due after the backoff.
        world.clock.advance(Duration::from_secs(60));
    }
    assert!(rounds >= 4, "every fault cost a round: {rounds}");
    let billed = world.billed().await;
    assert_eq!(billed[&("cust-alpha".into(), "users".into(), H10)], "15");
    assert_eq!(billed[&("777788889999".into(), "users".into(), H10)], "30");
    assert_eq!(billed[&("cust-alpha".into(), "storage_gb".into(), H10)], "60");
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_usage_goes_by_meter_usage_with_a_fixed_client_token_and_a_changed_quantity_conflicts() {
    let world = World::start("container").await;
    let box_usage = |quantity: &str| Usage {
        product_code: Some("prod-box".into()),
        customer: Customer::Caller,
        dimension: "vcpu_hours".into(),
        quantity: Quantity::parse(quantity).unwrap(),
        time: at(10),
        event_id: None,
    };
    let meter = world.meter("a.sqlite", BUYER);
    meter.record(box_usage("1.5")).await.unwrap();
    meter.record(box_usage("2")).await.unwrap();
    world.clock.advance(Duration::from_secs(2 * 3600));
    // The first answer is lost after the record was billed: the retry, with the same token, is answered with the same id.
    world.arm(r#"{"operation": "MeterUsage", "drop_connection": "after"}"#).await;
    let first = meter.flush().await.unwrap();
    assert_eq!((first.sent, first.retry_later), (0, 1));
    world.clock.advance(Duration::from_secs(60));
    let second = meter.flush().await.unwrap();
    assert_eq!(second.sent, 1);
    assert_eq!(world.billed().await[&("444455556666".into(), "vcpu_hours".into(), H10)], "3.5");

    // Another replica with its own store billed the same hour with another quantity. Its token is its own
    // (tokens are unique to a store), so it is no idempotency conflict; the emulator keeps one record per
    // account, product, dimension and hour, and answers DuplicateRequest: a conflict, reported.
    let other = world.meter("b.sqlite", BUYER);
    other.record(box_usage("9")).await.unwrap();
    let report = other.flush().await.unwrap();
    assert_eq!(report.conflicts, 1);
    let conflict = &other.hours(HourState::Conflict, 1).await.unwrap()[0];
    assert!(conflict.reason.as_deref().unwrap().starts_with("DuplicateRequestException"), "{conflict:?}");
    let first_token = meter.hours(HourState::Sent, 1).await.unwrap()[0].client_token.clone();
    assert_ne!(conflict.client_token, first_token, "two stores, two tokens for one hour");
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_months_usage_is_sent_by_six_on_the_first_and_past_it_is_rejected_as_the_service_would() {
    let world = World::start("month-end").await;
    let meter = world.meter("meter.sqlite", SELLER);
    // 2025-11-30 23:10 and 23:20, the last hour of November.
    meter.record(saas(alpha(), "users", 13 * 60 + 10, "2")).await.unwrap();
    meter.record(saas(alpha(), "storage_gb", 13 * 60 + 20, "3")).await.unwrap();
    // 2025-12-01 04:30: within its 24 hours and before 06:00 on the 1st; the deadline is near (06:00, not 23:00).
    world.clock.advance(Duration::from_secs((18 * 60 + 30) * 60));
    let status = meter.status().await.unwrap();
    assert_eq!(status.nearing_deadline.len(), 2, "two hours before 06:00 on the 1st: {status:?}");
    world.arm(r#"{"operation": "BatchMeterUsage", "error": "ThrottlingException"}"#).await;
    let report = meter.flush().await.unwrap();
    assert_eq!(report.retry_later, 2, "{report:?}");
    // 06:30: still within 24 hours, but the service no longer takes November's usage; neither does the meter send it.
    world.clock.advance(Duration::from_secs(2 * 3600));
    let report = meter.flush().await.unwrap();
    assert_eq!((report.sent, report.rejected), (0, 2), "{report:?}");
    let rejected = meter.hours(HourState::Rejected, 1).await.unwrap();
    assert!(rejected[0].reason.as_deref().unwrap().contains("last month's only until 6 hours into the new month"), "{rejected:?}");
    assert!(world.billed().await.is_empty());
    // The emulator refuses it too, as the service documents.
    let client = world.client(SELLER);
    let record = mpkit_metering::types::UsageRecord::builder()
        .timestamp(mpkit_metering::primitives::DateTime::from_secs(START as i64 + 13 * 3600))
        .customer_identifier("cust-alpha")
        .dimension("users")
        .quantity_as_decimal("2")
        .build()
        .unwrap();
    let err = client.batch_meter_usage().product_code("prod-saas").usage_records(record).send().await.unwrap_err();
    assert_eq!(mpkit_metering::error::ProvideErrorMetadata::code(&err), Some("TimestampOutOfBoundsException"));
    let _ = std::fs::remove_dir_all(&world.dir);
}
