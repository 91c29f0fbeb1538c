//! The test suites every store passes: `run` (the life of an hour; `open`
//! opens the same storage again each time it is called, so it also checks
//! what survives a reopen) and `directory` (the customer directory).

use std::time::{Duration, UNIX_EPOCH};

use super::{HourState, Recorded, Requeue, Settle, Store};
use crate::buyers::{Buyer, Form};
use crate::policy::HOUR_MS;
use crate::quantity::Quantity;
use crate::usage::{Customer, Usage};

fn usage(customer: &str, dimension: &str, ms: i64, quantity: &str, event: Option<&str>) -> Usage {
    Usage {
        product_code: Some("prod-1".into()),
        customer: Customer::Identifier(customer.into()),
        dimension: dimension.into(),
        quantity: Quantity::parse(quantity).unwrap(),
        time: UNIX_EPOCH + Duration::from_millis(ms as u64),
        event_id: event.map(str::to_owned),
    }
}

/// Runs every check against the storage `open` opens; it must start empty.
pub async fn run<S: Store>(open: impl Fn() -> S) {
    let store = open();
    let h10 = 1_000 * HOUR_MS;
    let h11 = h10 + HOUR_MS;

    // Records add up exactly, per customer, dimension and hour.
    let tenths: Vec<Usage> = (0..10).map(|i| usage("alpha", "users", h10 + i * 60_000, "0.1", None)).collect();
    let out = store.record(tenths).await.unwrap();
    assert!(out.iter().all(|r| *r == Recorded::Added { hour: h10 }), "{out:?}");
    store.record(vec![usage("beta", "users", h10, "2", None), usage("alpha", "storage", h10, "3", None)]).await.unwrap();

    // An event id is recorded once; a resend is ignored, even within one call.
    let with_id = usage("alpha", "users", h10 + 5, "7", Some("evt-1"));
    let out = store.record(vec![with_id.clone(), with_id.clone()]).await.unwrap();
    assert_eq!(out, [Recorded::Added { hour: h10 }, Recorded::AlreadyRecorded]);
    // The same id with other usage (another dimension, quantity or customer) is a conflict, refused naming both, within a call or across calls.
    let other_dimension = Usage { dimension: "storage".into(), ..with_id.clone() };
    let other_quantity = Usage { quantity: Quantity::units(8), ..with_id.clone() };
    let new_id = usage("beta", "users", h10, "1", Some("evt-2"));
    let other_customer = Usage { customer: Customer::Identifier("gamma".into()), ..new_id.clone() };
    let out = store.record(vec![other_dimension, new_id.clone(), other_customer, other_quantity]).await.unwrap();
    assert_eq!(out[1], Recorded::Added { hour: h10 });
    for (i, says) in [(0, "users, at"), (2, "CustomerIdentifier gamma"), (3, "quantity 8")] {
        let Recorded::Refused(reason) = &out[i] else { panic!("{i}: {:?}", out[i]) };
        assert!(reason.contains("was recorded before with other usage") && reason.contains(says), "{i}: {reason}");
    }
    let Recorded::Refused(reason) = &out[0] else { unreachable!() };
    assert!(
        reason.contains("stored: prod-1, CustomerIdentifier alpha, users")
            && reason.contains("this record: prod-1, CustomerIdentifier alpha, storage"),
        "{reason}"
    );

    // Concurrent producers: each call answered, every record counted.
    let mut calls = Vec::new();
    for i in 0..20 {
        calls.push(store.record(vec![usage("gamma", "users", h11 + i, "1", None)]));
    }
    for outcome in futures_join(calls).await {
        assert_eq!(outcome.unwrap(), [Recorded::Added { hour: h11 }]);
    }

    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.records), (4, 34), "{counts:?}");

    // Sealing freezes closed hours: 10:00 closes, 11:00 does not.
    assert_eq!(store.seal(h11).await.unwrap(), 3);
    assert_eq!(store.seal(h11).await.unwrap(), 0, "sealing again changes nothing");
    let sealed = store.hours(HourState::Sealed, 10).await.unwrap();
    let alpha = sealed.iter().find(|h| h.customer == Customer::Identifier("alpha".into()) && h.dimension == "users").unwrap();
    assert_eq!(alpha.total, Quantity::units(8), "ten tenths and the 7 of evt-1");
    assert!(alpha.client_token.as_deref().is_some_and(|t| t.len() <= 64), "{alpha:?}");

    // A record for a sealed hour goes to the next unsealed one, keeping its time; the sealed total stays.
    let late = store.record(vec![usage("alpha", "users", h10 + 30 * 60_000, "0.5", None)]).await.unwrap();
    assert_eq!(late, [Recorded::Moved { from: h10, to: h11 }]);
    let again = store.hours(HourState::Sealed, 10).await.unwrap();
    assert_eq!(again.iter().find(|h| h.id == alpha.id).unwrap().total, Quantity::units(8));
    let open_hours = store.hours(HourState::Open, 10).await.unwrap();
    assert!(open_hours
        .iter()
        .any(|h| h.customer == Customer::Identifier("alpha".into()) && h.hour == h11 && h.total == Quantity::parse("0.5").unwrap()));

    // Claims: a claimed hour is not claimed again until its lease ends; attempts count.
    let now = h11 + 2 * HOUR_MS;
    let first = store.claim(now, now, 60_000, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|h| h.attempts == 1));
    let second = store.claim(now, now, 60_000, 10).await.unwrap();
    assert_eq!(second.len(), 1, "only the unclaimed one");
    assert!(store.claim(now + 1, now + 1, 60_000, 10).await.unwrap().is_empty(), "all three are claimed");

    // Settling: sent and rejected are final; a retry waits for its time; a second settle of a final hour is ignored.
    let (a, b, c) = (first[0].lease(), first[1].lease(), second[0].lease());
    let stored = store
        .settle(vec![
            (a, Settle::Sent("rec-a".into())),
            (b, Settle::Retry { at_ms: now + 10_000, reason: "throttled".into() }),
            (c, Settle::Rejected("CustomerNotSubscribed".into())),
        ])
        .await
        .unwrap();
    assert_eq!(stored, [true, true, true]);
    let stored = store.settle(vec![(a, Settle::Conflict("late".into())), (c, Settle::Sent("rec-c".into()))]).await.unwrap();
    assert_eq!(stored, [false, false], "final hours stay as they are");
    assert!(store.claim(now + 5_000, now + 5_000, 60_000, 10).await.unwrap().is_empty(), "the retry is not due yet");
    let retried = store.claim(now + 10_000, now + 10_000, 60_000, 10).await.unwrap();
    assert_eq!((retried.len(), retried[0].id, retried[0].attempts), (1, b.hour_id, 2));
    assert!(retried[0].generation > b.generation, "every claim is a new generation");
    let slow = retried[0].lease();
    assert_eq!(store.renew(vec![slow], now + 10_000 + 30_000).await.unwrap(), [slow], "its holder renews it");
    // Its lease runs out (the flusher stalled): another flusher takes it over, and the stalled one can neither renew nor settle it.
    let taken_over = store.claim(now + 10_000 + 30_000, now + 10_000 + 30_000, 60_000, 10).await.unwrap();
    assert_eq!(taken_over.iter().map(|h| h.id).collect::<Vec<_>>(), [b.hour_id]);
    let current = taken_over[0].lease();
    assert!(store.renew(vec![slow], now + 100_000).await.unwrap().is_empty(), "a stale claim is not renewed");
    assert_eq!(store.settle(vec![(slow, Settle::Sent("rec-stale".into()))]).await.unwrap(), [false], "nor settled");
    assert_eq!(store.settle(vec![(current, Settle::Conflict("DuplicateRecord".into()))]).await.unwrap(), [true]);

    // A claim counts what was due by its first time, and leases from its second.
    let again_late = store.record(vec![usage("alpha", "users", h10, "1", None)]).await.unwrap();
    assert!(matches!(again_late[0], Recorded::Moved { .. }));
    store.seal(h11 + HOUR_MS).await.unwrap();
    let flush_start = now + 200_000;
    let held = store.claim(flush_start, flush_start + 50_000, 60_000, 10).await.unwrap();
    assert_eq!(held.len(), 2, "the two hours sealed at 11:00");
    store
        .settle(held.iter().map(|h| (h.lease(), Settle::Retry { at_ms: flush_start + 51_000, reason: "throttled".into() })).collect())
        .await
        .unwrap();
    assert!(store.claim(flush_start, flush_start + 52_000, 60_000, 10).await.unwrap().is_empty(), "a retry waits for the next flush");
    let next = store.claim(flush_start + 52_000, flush_start + 52_000, 60_000, 10).await.unwrap();
    // One is held (a set-up error): kept with its reason, claimed again when due, like a retry.
    let (billed, setup) = (next[0].lease(), next[1].lease());
    let reason = "InvalidProductCodeException: not your product";
    store
        .settle(vec![(billed, Settle::Sent("rec-n".into())), (setup, Settle::Held { at_ms: flush_start + 60_000, reason: reason.into() })])
        .await
        .unwrap();
    assert_eq!(store.counts().await.unwrap().held, 1);
    let held_hours = store.hours(HourState::Held, 10).await.unwrap();
    assert_eq!((held_hours[0].id, held_hours[0].reason.as_deref()), (setup.hour_id, Some(reason)));
    assert!(store.claim(flush_start + 59_000, flush_start + 59_000, 60_000, 10).await.unwrap().is_empty(), "held until its time");
    let again = store.claim(flush_start + 60_000, flush_start + 60_000, 60_000, 10).await.unwrap();
    assert_eq!((again.len(), again[0].state, again[0].total), (1, HourState::Held, held_hours[0].total));
    store.settle(vec![(again[0].lease(), Settle::Sent("rec-h".into()))]).await.unwrap();

    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.pending, counts.sealed, counts.held, counts.sent, counts.rejected, counts.conflicts),
        (0, 0, 0, 3, 1, 1),
        "{counts:?}"
    );
    let sent = store.hours(HourState::Sent, 10).await.unwrap();
    assert_eq!(sent.iter().find(|h| h.id == a.hour_id).and_then(|h| h.record_id.as_deref()), Some("rec-a"));
    let rejected = store.hours(HourState::Rejected, 10).await.unwrap();
    assert_eq!(rejected[0].reason.as_deref(), Some("CustomerNotSubscribed"));

    // A rejected hour is put back on purpose (by reason, by hour, or all): sealed again, same total and token.
    assert_eq!(store.requeue(Requeue::Reason("InvalidProductCode".into())).await.unwrap(), 0, "no such reason");
    assert_eq!(store.requeue(Requeue::Hour(rejected[0].hour + HOUR_MS)).await.unwrap(), 0, "no such hour");
    assert_eq!(store.requeue(Requeue::Reason("CustomerNotSub".into())).await.unwrap(), 1);
    let back = store.claim(flush_start + 70_000, flush_start + 70_000, 60_000, 10).await.unwrap();
    assert_eq!(
        (back.len(), back[0].id, back[0].total, &back[0].client_token),
        (1, c.hour_id, rejected[0].total, &rejected[0].client_token)
    );
    store.settle(vec![(back[0].lease(), Settle::Rejected("CustomerNotSubscribed".into()))]).await.unwrap();
    let counts = store.counts().await.unwrap();

    // Everything survives a reopen, event ids included.
    drop(store);
    let reopened = open();
    assert_eq!(reopened.counts().await.unwrap(), counts);
    assert_eq!(reopened.record(vec![with_id]).await.unwrap(), [Recorded::AlreadyRecorded]);

    // Call slots: one interval apart across every handle on the storage, never before now.
    let other = open();
    assert_eq!(reopened.reserve_call(1_000, 100, 10_000).await.unwrap(), 1_000);
    assert_eq!(other.reserve_call(1_000, 100, 10_000).await.unwrap(), 1_100, "a second meter on the same storage waits its turn");
    assert_eq!(reopened.reserve_call(1_050, 100, 10_000).await.unwrap(), 1_200);
    assert_eq!(other.reserve_call(9_000, 100, 10_000).await.unwrap(), 9_000, "an idle rate starts again from now");
    // A meter whose clock ran a day ahead leaves a slot a day away; the next meter does not wait for it.
    assert_eq!(other.reserve_call(9_000 + 24 * HOUR_MS, 100, 10_000).await.unwrap(), 9_000 + 24 * HOUR_MS);
    assert_eq!(
        reopened.reserve_call(9_500, 100, 10_000).await.unwrap(),
        9_500,
        "a slot further ahead than the rate needs starts again from now"
    );
    assert_eq!(reopened.reserve_call(9_500, 100, 10_000).await.unwrap(), 9_600);
    drop(other);

    // Licence-identified and caller records are hours of their own.
    let by_licence = Usage {
        product_code: None,
        customer: Customer::Account {
            account_id: "123456789012".into(),
            license_arn: Some("arn:aws:license-manager::1:license:l-1".into()),
        },
        ..usage("x", "users", h11, "1", None)
    };
    let caller = Usage { customer: Customer::Caller, ..usage("x", "users", h11, "1", None) };
    reopened.record(vec![by_licence.clone(), caller.clone()]).await.unwrap();
    let open_hours = reopened.hours(HourState::Open, 10).await.unwrap();
    assert!(open_hours.iter().any(|h| h.customer == by_licence.customer && h.product_code.is_none()));
    assert!(open_hours.iter().any(|h| h.customer == Customer::Caller && h.product_code.as_deref() == Some("prod-1")));
}

/// The customer directory: one buyer's records under any of its names add
/// up to one hour, sent under the product's form; a name the store cannot
/// tell apart from a buyer already metered in the hour is refused when it
/// is recorded. On a store of its own (it must start empty).
pub async fn directory<S: Store>(store: S) {
    let hour = 2_000 * HOUR_MS;
    let saas = |customer: Customer, quantity: u32, at: i64| Usage {
        product_code: Some("prod-dir".into()),
        customer,
        dimension: "users".into(),
        quantity: Quantity::units(quantity),
        time: UNIX_EPOCH + Duration::from_millis(at as u64),
        event_id: None,
    };
    let alpha_id = || Customer::Identifier("cust-alpha".into());
    let alpha_account = || Customer::Account { account_id: "444455556666".into(), license_arn: None };
    let beta = |licence: bool| Customer::Account {
        account_id: "777788889999".into(),
        license_arn: licence.then(|| "arn:aws:license-manager::777788889999:license:l-beta".to_owned()),
    };
    let alpha = Buyer {
        product_code: "prod-dir".into(),
        identifier: Some("cust-alpha".into()),
        account_id: Some("444455556666".into()),
        license_arn: None,
    };
    assert_eq!(store.add_buyers(vec![alpha.clone()]).await.unwrap(), 1);
    assert_eq!(
        store.add_buyers(vec![Buyer { identifier: None, ..alpha.clone() }]).await.unwrap(),
        1,
        "an entry already known is completed, not doubled"
    );
    assert_eq!(store.buyers().await.unwrap(), std::slice::from_ref(&alpha));

    // One buyer, two names: one hour, kept under the identifier (the default for a buyer that has one).
    let out = store.record(vec![saas(alpha_id(), 5, hour), saas(alpha_account(), 3, hour + 1)]).await.unwrap();
    assert_eq!(out, [Recorded::Added { hour }, Recorded::Added { hour }]);
    let out = store.record(vec![saas(alpha_account(), 1, hour + 2)]).await.unwrap();
    assert_eq!(out, [Recorded::Added { hour }]);
    let hours = open_hours(&store).await;
    assert_eq!(hours.iter().map(|h| (&h.customer, h.total)).collect::<Vec<_>>(), [(&alpha_id(), Quantity::units(9))]);

    // The product moves to accounts: the open hour keeps its name, a new hour opens under the account.
    store.set_form("prod-dir".into(), Form::Account).await.unwrap();
    store.record(vec![saas(alpha_id(), 1, hour + 3), saas(alpha_id(), 2, hour + HOUR_MS)]).await.unwrap();
    let hours = open_hours(&store).await;
    assert_eq!(
        hours.iter().map(|h| (&h.customer, h.hour, h.total)).collect::<Vec<_>>(),
        [(&alpha_id(), hour, Quantity::units(10)), (&alpha_account(), hour + HOUR_MS, Quantity::units(2))]
    );

    // An account the directory does not know, with its licence: another buyer than alpha (whose account is known).
    assert_eq!(store.record(vec![saas(beta(true), 1, hour)]).await.unwrap(), [Recorded::Added { hour }]);
    // The same account without the licence: one buyer, a second name the store cannot place. Refused, naming both.
    let out = store.record(vec![saas(beta(false), 2, hour + 5), saas(alpha_id(), 1, hour + 6)]).await.unwrap();
    let Recorded::Refused(reason) = &out[0] else { panic!("{out:?}") };
    assert!(
        reason.contains(
            "CustomerAWSAccountId 777788889999 might be the buyer already metered as CustomerAWSAccountId 777788889999 with LicenseArn"
        ),
        "{reason}"
    );
    assert_eq!(out[1], Recorded::Added { hour }, "the good record beside it is kept");
    // An unknown identifier could be the unknown account's buyer: refused too.
    let out = store.record(vec![saas(Customer::Identifier("cust-zeta".into()), 1, hour)]).await.unwrap();
    assert!(matches!(&out[0], Recorded::Refused(r) if r.contains("CustomerIdentifier cust-zeta might be")), "{out:?}");
    // Once the directory knows beta, the account alone names its one agreement and adds to its hour.
    let beta_buyer = Buyer {
        product_code: "prod-dir".into(),
        identifier: None,
        account_id: Some("777788889999".into()),
        license_arn: beta(true).license_arn().map(str::to_owned),
    };
    store.add_buyers(vec![beta_buyer]).await.unwrap();
    assert_eq!(store.record(vec![saas(beta(false), 2, hour + 7)]).await.unwrap(), [Recorded::Added { hour }]);
    let hours = open_hours(&store).await;
    let in_hour: Vec<_> = hours.iter().filter(|h| h.hour == hour).map(|h| (&h.customer, h.total)).collect();
    assert_eq!(in_hour, [(&alpha_id(), Quantity::units(11)), (&beta(true), Quantity::units(3))], "one hour per buyer");

    // A sealed hour moves a known buyer's late record to the buyer's next hour, under the name that hour has.
    store.seal(hour + HOUR_MS).await.unwrap();
    let out = store.record(vec![saas(alpha_id(), 4, hour + 8)]).await.unwrap();
    assert_eq!(out, [Recorded::Moved { from: hour, to: hour + HOUR_MS }]);
    let hours = open_hours(&store).await;
    assert_eq!(
        hours.iter().map(|h| (&h.customer, h.hour, h.total)).collect::<Vec<_>>(),
        [(&alpha_account(), hour + HOUR_MS, Quantity::units(6))]
    );

    // A licence that ends: the buyer's open hours are sealed at once, the hour in progress included; others stay open.
    store.record(vec![saas(beta(false), 1, hour + 2 * HOUR_MS), saas(beta(true), 1, hour + HOUR_MS)]).await.unwrap();
    assert_eq!(store.seal_customers(vec![beta(true)]).await.unwrap(), 2);
    let hours = open_hours(&store).await;
    assert_eq!(hours.iter().map(|h| &h.customer).collect::<Vec<_>>(), [&alpha_account()], "only alpha's hour is still open");

    // A record moved past its sealed hour meets, in the next hour, another name that might be its buyer: refused there too.
    let later = hour + 10 * HOUR_MS;
    let gamma = |licence: bool| Customer::Account {
        account_id: "555566667777".into(),
        license_arn: licence.then(|| "arn:aws:license-manager::555566667777:license:l-g".to_owned()),
    };
    assert_eq!(store.record(vec![saas(gamma(true), 1, later), saas(gamma(false), 1, later + HOUR_MS)]).await.unwrap().len(), 2);
    store.seal(later + HOUR_MS).await.unwrap();
    let out = store.record(vec![saas(gamma(true), 1, later + 5)]).await.unwrap();
    assert!(
        matches!(&out[0], Recorded::Refused(r) if r.contains("might be the buyer already metered as CustomerAWSAccountId 555566667777 for")),
        "{out:?}"
    );
}

async fn open_hours<S: Store>(store: &S) -> Vec<super::Hour> {
    store.hours(HourState::Open, 100).await.unwrap()
}

/// Awaits every future, concurrently, in order.
async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (f, slot) in pinned.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("every future finished")).collect()
}
