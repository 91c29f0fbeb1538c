//! One buyer under two names against the emulator, which bills a buyer's
//! dimension and hour once whichever name a record uses: with the customer
//! directory the meter sends one record with the whole sum; without it, the
//! second name is refused when recorded, never lost after sending.

mod common;

use std::time::Duration;

use common::*;
use mpkit_meter::{Buyer, Customer, Form, HourState, Recorded};

fn account(id: &str, licence: Option<&str>) -> Customer {
    Customer::Account { account_id: id.into(), license_arn: licence.map(str::to_owned) }
}

const BETA_LICENCE: &str = "arn:aws:license-manager::777788889999:license:l-beta";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_buyer_two_names_one_hour_billed_in_full() {
    let world = World::start("buyers").await;
    let meter = world.meter("meter.sqlite", SELLER);
    let resolved = meter.resolve_customer("token-alpha").await.unwrap();
    assert_eq!((resolved.identifier.as_deref(), resolved.account_id.as_deref()), (Some("cust-alpha"), Some("444455556666")));
    let unknown = meter.resolve_customer("no-such-token").await.unwrap_err();
    assert!(unknown.to_string().contains("InvalidTokenException"), "{unknown}");

    let out = meter
        .record_all(vec![
            saas(alpha(), "users", 1, "5"),
            saas(account("444455556666", None), "users", 2, "3"),
            saas(account("777788889999", Some(BETA_LICENCE)), "users", 3, "1"),
            saas(account("777788889999", None), "users", 4, "2"),
        ])
        .await
        .unwrap();
    assert_eq!(
        out[..3],
        [Recorded::Added { hour: H10 * 1000 }, Recorded::Added { hour: H10 * 1000 }, Recorded::Added { hour: H10 * 1000 }]
    );
    assert!(
        matches!(&out[3], Recorded::Refused(r) if r.contains("might be the buyer already metered as CustomerAWSAccountId 777788889999 with LicenseArn")),
        "{:?}",
        out[3]
    );
    // The seller tells the meter who beta is; the record is sent again and joins beta's hour.
    meter
        .add_buyers(vec![Buyer {
            product_code: "prod-saas".into(),
            identifier: None,
            account_id: Some("777788889999".into()),
            license_arn: Some(BETA_LICENCE.into()),
        }])
        .await
        .unwrap();
    assert_eq!(meter.record(saas(account("777788889999", None), "users", 4, "2")).await.unwrap(), Recorded::Added { hour: H10 * 1000 });

    world.clock.advance(Duration::from_secs(2 * 3600));
    let report = meter.flush().await.unwrap();
    assert_eq!((report.sent, report.conflicts, report.rejected), (2, 0, 0), "{report:?}");
    let billed = world.billed().await;
    assert_eq!(billed.len(), 2, "{billed:?}");
    assert_eq!(billed[&("cust-alpha".into(), "users".into(), H10)], "8", "5 + 3 under one name");
    assert_eq!(billed[&("777788889999".into(), "users".into(), H10)], "3", "1 + 2 under one name");
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_on_concurrent_agreements_is_sent_by_account_and_licence() {
    let world = World::start("concurrent").await;
    let meter = world.meter("meter.sqlite", SELLER);
    meter.resolve_customer("token-alpha").await.unwrap();
    meter.set_form("prod-saas", Form::Account).await.unwrap();
    meter.record_all(vec![saas(alpha(), "users", 1, "2"), saas(account("444455556666", None), "users", 2, "0.5")]).await.unwrap();
    let open = meter.hours(HourState::Open, 10).await.unwrap();
    assert_eq!(
        open.iter().map(|h| (&h.customer, h.total.to_string())).collect::<Vec<_>>(),
        [(&account("444455556666", None), "2.5".to_owned())]
    );
    world.clock.advance(Duration::from_secs(2 * 3600));
    assert_eq!(meter.flush().await.unwrap().sent, 1);
    // The emulator knows both names of this buyer and lists the hour under its own choice of name.
    let billed = world.billed().await;
    assert_eq!(billed.values().collect::<Vec<_>>(), ["2.5"], "{billed:?}");
    let _ = std::fs::remove_dir_all(&world.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_licence_that_ends_has_its_last_usage_sent_at_once_the_hour_in_progress_included() {
    let world = World::start("close").await;
    let meter = world.meter("meter.sqlite", SELLER);
    meter.add_buyers(directory()).await.unwrap();
    // 10:00 and 11:00 for beta; it is 11:08, so 11:00 is in progress and 10:00 is within its grace: nothing is due.
    meter
        .record_all(vec![
            saas(account("777788889999", Some(BETA_LICENCE)), "users", 30, "2"),
            saas(account("777788889999", None), "users", 65, "1.5"),
        ])
        .await
        .unwrap();
    meter.record(saas(alpha(), "users", 66, "4")).await.unwrap();
    world.clock.advance(Duration::from_secs(68 * 60));
    assert_eq!(meter.flush().await.unwrap().sealed, 0);
    // License Deprovisioned for beta: both its hours go now; alpha's hour in progress stays open.
    let report = meter.close(&account("777788889999", Some(BETA_LICENCE))).await.unwrap();
    assert_eq!((report.sealed, report.sent), (2, 2), "{report:?}");
    let billed = world.billed().await;
    assert_eq!(billed[&("777788889999".into(), "users".into(), H10)], "2");
    assert_eq!(billed[&("777788889999".into(), "users".into(), H11)], "1.5");
    assert_eq!(meter.hours(HourState::Open, 10).await.unwrap().len(), 1, "alpha's hour is not closed");
    let _ = std::fs::remove_dir_all(&world.dir);
}
