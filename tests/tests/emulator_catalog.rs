//! The emulator's Catalog API through the generated Catalog crate
//! (restJson1), as a seller makes a private offer: find the product with a
//! filtered, paged `ListEntities`, submit the offer's changes in one change
//! set (`CreateOffer`, then changes naming the new offer as
//! `$CreateOfferChange.Entity.Identifier`), follow it with
//! `DescribeChangeSet` as the emulator's clock moves it from `PREPARING` to
//! `SUCCEEDED`, and read the offer back. Then the service's refusals as the
//! crate's typed errors, a change set that fails whole, a cancelled one,
//! and a retried `StartChangeSet` that the client request token makes one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use mpkit_catalog::primitives::Document;
use mpkit_catalog::types::{Change, ChangeStatus, Entity, Filter};
use mpkit_emulator::Running;

const NOW: u64 = 1_700_000_000;
const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

/// The emulator on a clock the test moves, and that clock.
async fn emulator() -> (Running, Arc<AtomicU64>) {
    let seconds = Arc::new(AtomicU64::new(NOW));
    let read = seconds.clone();
    let clock = Arc::new(move || UNIX_EPOCH + Duration::from_secs(read.load(Ordering::SeqCst)));
    let running = mpkit_emulator::start_with_clock(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap(), clock).await.unwrap();
    (running, seconds)
}

fn catalog(running: &Running) -> mpkit_catalog::Client {
    let config = mpkit_catalog::Config::builder()
        .region(mpkit_catalog::config::Region::new("us-east-1"))
        .credentials_provider(mpkit_catalog::config::Credentials::new(SELLER.0, SELLER.1, None, None, "test"))
        .endpoint_url(running.url())
        .time_source(mpkit_runtime::config::StaticTimeSource(UNIX_EPOCH + Duration::from_secs(NOW)))
        .build();
    mpkit_catalog::Client::from_conf(config)
}

fn doc(pairs: &[(&str, &str)]) -> Document {
    Document::Object(pairs.iter().map(|(k, v)| ((*k).to_owned(), Document::String((*v).to_owned()))).collect::<HashMap<_, _>>())
}

fn change(change_type: &str, name: Option<&str>, identifier: Option<&str>, details: Document) -> Change {
    let mut entity = Entity::builder().r#type("Offer@1.0");
    if let Some(id) = identifier {
        entity = entity.identifier(id);
    }
    let mut c = Change::builder().change_type(change_type).entity(entity.build().unwrap()).details_document(details);
    if let Some(n) = name {
        c = c.change_name(n);
    }
    c.build().unwrap()
}

/// The four changes of a private offer for `buyer` on `product`.
fn private_offer(product: &str, buyer: &str) -> Vec<Change> {
    let offer = Some("$CreateOfferChange.Entity.Identifier");
    vec![
        change("CreateOffer", Some("CreateOfferChange"), None, doc(&[("ProductId", product)])),
        change("UpdateInformation", None, offer, doc(&[("Name", "Private offer for 444455556666")])),
        change("UpdateTargeting", None, offer, doc(&[("PositiveTargeting", buyer)])),
        change("ReleaseOffer", None, offer, doc(&[])),
    ]
}

#[tokio::test]
async fn a_private_offer_from_change_set_to_listed_entity() {
    let (running, clock) = emulator().await;
    let client = catalog(&running);

    // The seller's SaaS products, two a page, through the paginator.
    let pages: Vec<_> = client
        .list_entities()
        .catalog("AWSMarketplace")
        .entity_type("SaaSProduct")
        .max_results(2)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<String> = pages.iter().flat_map(|p| p.entity_summary_list()).map(|e| e.entity_id().unwrap().to_owned()).collect();
    assert_eq!(pages.len(), 2, "four products, two a page");
    assert_eq!(ids, ["prod-container-1", "prod-contract-1", "prod-saas-1", "prod-saas-2"]);
    let one = client
        .list_entities()
        .catalog("AWSMarketplace")
        .entity_type("SaaSProduct")
        .filter_list(Filter::builder().name("EntityId").value_list("prod-saas-1").build())
        .send()
        .await
        .unwrap();
    assert_eq!(one.entity_summary_list().len(), 1);
    assert_eq!(one.next_token(), None);

    // The offer's changes, in one change set.
    let started = client
        .start_change_set()
        .catalog("AWSMarketplace")
        .change_set_name("private offer")
        .set_change_set(Some(private_offer("prod-saas-1", "444455556666")))
        .send()
        .await
        .unwrap();
    let id = started.change_set_id().unwrap().to_owned();
    assert!(id.starts_with("cs-"), "{id}");
    assert!(started.change_set_arn().unwrap().ends_with(&format!(":AWSMarketplace/ChangeSet/{id}")));

    let status = |c: &mpkit_catalog::Client| {
        let (c, id) = (c.clone(), id.clone());
        async move { c.describe_change_set().catalog("AWSMarketplace").change_set_id(id).send().await.unwrap() }
    };
    assert_eq!(status(&client).await.status(), Some(&ChangeStatus::Preparing));
    clock.fetch_add(2, Ordering::SeqCst);
    assert_eq!(status(&client).await.status(), Some(&ChangeStatus::Applying));
    clock.fetch_add(3, Ordering::SeqCst);
    let done = status(&client).await;
    assert_eq!(done.status(), Some(&ChangeStatus::Succeeded));
    assert_eq!(done.change_set_name(), Some("private offer"));
    assert!(done.end_time().is_some());
    let offer_id = done.change_set()[0].entity().unwrap().identifier().unwrap().to_owned();
    assert!(offer_id.starts_with("offer-"), "{offer_id}");
    assert_eq!(done.change_set()[1].entity().unwrap().identifier(), Some(offer_id.as_str()), "the reference resolved");

    // The offer, as DescribeEntity and a filtered ListEntities see it.
    let offer = client.describe_entity().catalog("AWSMarketplace").entity_id(&offer_id).send().await.unwrap();
    assert_eq!(offer.entity_type(), Some("Offer@1.0"));
    let Some(Document::Object(details)) = offer.details_document() else { panic!("details: {offer:?}") };
    assert_eq!(details.get("ProductId"), Some(&Document::String("prod-saas-1".into())));
    assert_eq!(details.get("State"), Some(&Document::String("Released".into())));
    let listed = client
        .list_entities()
        .catalog("AWSMarketplace")
        .entity_type("Offer")
        .filter_list(Filter::builder().name("ProductId").value_list("prod-saas-1").build())
        .send()
        .await
        .unwrap();
    let summary = &listed.entity_summary_list()[0];
    assert_eq!(
        (summary.entity_id(), summary.name(), summary.visibility()),
        (Some(offer_id.as_str()), Some("Private offer for 444455556666"), Some("Limited"))
    );
    running.stop().await;
}

#[tokio::test]
async fn refusals_failures_cancels_and_retries() {
    let (running, clock) = emulator().await;
    let client = catalog(&running);

    let e = client.start_change_set().catalog("Other").change_set(change("CreateOffer", None, None, doc(&[]))).send().await.unwrap_err();
    let e = e.into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    assert!(mpkit_catalog::error::ProvideErrorMetadata::message(&e).unwrap().contains("Catalog must be AWSMarketplace"));

    let e = client.describe_entity().catalog("AWSMarketplace").entity_id("offer-nothing").send().await.unwrap_err().into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");

    // A change the service cannot apply fails the whole set, and names itself.
    let bad = client
        .start_change_set()
        .catalog("AWSMarketplace")
        .change_set(change("CreateOffer", Some("A"), None, doc(&[("ProductId", "prod-nobody")])))
        .send()
        .await
        .unwrap();
    clock.fetch_add(10, Ordering::SeqCst);
    let failed = client.describe_change_set().catalog("AWSMarketplace").change_set_id(bad.change_set_id().unwrap()).send().await.unwrap();
    assert_eq!(failed.status(), Some(&ChangeStatus::Failed));
    assert_eq!(failed.failure_code().map(|f| f.as_str()), Some("CLIENT_ERROR"));
    assert_eq!(failed.change_set()[0].error_detail_list()[0].error_code(), Some("INVALID_PRODUCT_ID"));

    // A preparing change set can be cancelled, once.
    let doomed = client
        .start_change_set()
        .catalog("AWSMarketplace")
        .set_change_set(Some(private_offer("prod-saas-1", "444455556666")))
        .send()
        .await
        .unwrap();
    let doomed_id = doomed.change_set_id().unwrap();
    client.cancel_change_set().catalog("AWSMarketplace").change_set_id(doomed_id).send().await.unwrap();
    let again =
        client.cancel_change_set().catalog("AWSMarketplace").change_set_id(doomed_id).send().await.unwrap_err().into_service_error();
    assert!(again.is_resource_in_use_exception(), "{again:?}");

    // The same client request token is the same change set; with another request it is refused.
    let token = "00000000-0000-4000-8000-000000000001";
    let send = |changes: Vec<Change>| {
        client.start_change_set().catalog("AWSMarketplace").client_request_token(token).set_change_set(Some(changes)).send()
    };
    let first = send(private_offer("prod-saas-1", "444455556666")).await.unwrap();
    let retry = send(private_offer("prod-saas-1", "444455556666")).await.unwrap();
    assert_eq!(first.change_set_id(), retry.change_set_id());
    let other = send(private_offer("prod-saas-2", "444455556666")).await.unwrap_err().into_service_error();
    assert!(other.is_validation_exception(), "{other:?}");

    // Newest first, filtered by status.
    let cancelled = client
        .list_change_sets()
        .catalog("AWSMarketplace")
        .filter_list(Filter::builder().name("Status").value_list("CANCELLED").build())
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = cancelled.change_set_summary_list().iter().map(|c| c.change_set_id().unwrap()).collect();
    assert_eq!(ids, [doomed_id]);
    running.stop().await;
}
