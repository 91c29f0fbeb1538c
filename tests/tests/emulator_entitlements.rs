//! The emulator's Entitlement Service, through this project's crates as a
//! SaaS seller uses them: a buyer subscribes to a contract product, the
//! seller resolves the registration token (Metering), reads what the buyer
//! is entitled to (GetEntitlements, in RPC v2 CBOR as the Entitlement crate
//! speaks by default), and meters usage for them. Pages, filters and the
//! service's errors as the typed errors of the SDK; and the same
//! entitlements over awsJson1_1, through the crate generated for that
//! protocol and as raw signed requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use integration_tests::raw_http::{exchange, signed_json_request};
use mpkit_emulator::Running;
use mpkit_entitlement::config::retry::RetryConfig;
use mpkit_entitlement::operation::get_entitlements::{GetEntitlementsError, GetEntitlementsOutput};
use mpkit_entitlement::types::GetEntitlementFilterName;

const NOW: u64 = 1_700_000_000;
const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

async fn emulator() -> Running {
    let clock = Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW));
    mpkit_emulator::start_with_clock(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap(), clock).await.unwrap()
}

/// The seller's Entitlement client (RPC v2 CBOR), on the emulator's frozen clock.
fn entitlements(running: &Running) -> mpkit_entitlement::Client {
    entitlements_with(running, RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
}

fn entitlements_with(running: &Running, retry: RetryConfig) -> mpkit_entitlement::Client {
    let config = mpkit_entitlement::Config::builder()
        .region(mpkit_entitlement::config::Region::new("us-east-1"))
        .credentials_provider(mpkit_entitlement::config::Credentials::new(SELLER.0, SELLER.1, None, None, "test"))
        .endpoint_url(running.url())
        .time_source(mpkit_runtime::config::StaticTimeSource(UNIX_EPOCH + Duration::from_secs(NOW)))
        .retry_config(retry)
        .build();
    mpkit_entitlement::Client::from_conf(config)
}

fn metering(running: &Running) -> mpkit_metering::Client {
    let config = mpkit_metering::Config::builder()
        .region(mpkit_metering::config::Region::new("us-east-1"))
        .credentials_provider(mpkit_metering::config::Credentials::new(SELLER.0, SELLER.1, None, None, "test"))
        .endpoint_url(running.url())
        .time_source(mpkit_runtime::config::StaticTimeSource(UNIX_EPOCH + Duration::from_secs(NOW)))
        .build();
    mpkit_metering::Client::from_conf(config)
}

/// (account, dimension, value as text) of a page's entitlements.
fn rows(out: &GetEntitlementsOutput) -> Vec<(String, String, String)> {
    out.entitlements()
        .iter()
        .map(|e| {
            let v = e.value().unwrap();
            let value = match (v.integer_value(), v.double_value(), v.boolean_value(), v.string_value()) {
                (Some(n), ..) => n.to_string(),
                (_, Some(d), ..) => d.to_string(),
                (_, _, Some(b), _) => b.to_string(),
                (.., Some(s)) => s.to_owned(),
                _ => "?".to_owned(),
            };
            (e.customer_aws_account_id().unwrap().to_owned(), e.dimension().unwrap().to_owned(), value)
        })
        .collect()
}

#[tokio::test]
async fn a_contract_sign_up_from_subscription_to_entitlements_to_metering() {
    let running = emulator().await;
    let (status, body) = mpkit_emulator::admin::exchange(
        &running.url(),
        "POST",
        "/emulator/v1/subscribe",
        r#"{"product": "prod-contract-1", "account": "123456789012"}"#,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["registrationToken"].as_str().unwrap().to_owned();

    let resolved = metering(&running).resolve_customer().registration_token(&token).send().await.unwrap();
    let account = resolved.customer_aws_account_id().unwrap().to_owned();
    assert_eq!((account.as_str(), resolved.product_code()), ("123456789012", Some("prod-contract-1")));

    let out = entitlements(&running)
        .get_entitlements()
        .product_code("prod-contract-1")
        .filter(GetEntitlementFilterName::CustomerAwsAccountId, vec![account.clone()])
        .send()
        .await
        .unwrap();
    let got = rows(&out);
    let want = [("premium_support", "true"), ("seats", "25"), ("tier", "gold")]
        .map(|(d, v)| ("123456789012".to_owned(), d.to_owned(), v.to_owned()));
    assert_eq!(got, want);
    let first = &out.entitlements()[0];
    // A year's contract from the subscription.
    assert_eq!(first.expiration_date().map(|d| d.secs()), Some(NOW as i64 + 365 * 86_400));
    assert!(first.license_arn().unwrap().contains("123456789012"));

    let record = mpkit_metering::types::UsageRecord::builder()
        .timestamp(mpkit_metering::primitives::DateTime::from_secs(NOW as i64 - 60))
        .customer_aws_account_id(&account)
        .dimension("seats")
        .quantity_as_decimal("3")
        .build()
        .unwrap();
    let billed = metering(&running).batch_meter_usage().product_code("prod-contract-1").usage_records(record).send().await.unwrap();
    assert_eq!(billed.results().len(), 1, "{billed:?}");
}

#[tokio::test]
async fn pages_filters_and_errors_as_the_service_documents_them() {
    let running = emulator().await;
    let client = entitlements(&running);
    // Two entitlements looked at per page: a filter that passes only the third leaves the first page empty, with a token.
    let pages: Vec<GetEntitlementsOutput> = client
        .get_entitlements()
        .product_code("prod-contract-1")
        .filter(GetEntitlementFilterName::Dimension, vec!["premium_support".into()])
        .into_paginator()
        .page_size(2)
        .send()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.entitlements().len()).collect();
    assert_eq!(sizes, [0, 1], "the empty first page does not end the listing");
    assert!(pages[0].next_token().is_some());

    let both = client
        .get_entitlements()
        .product_code("prod-contract-1")
        .filter(GetEntitlementFilterName::Dimension, vec!["seats".into(), "tier".into()])
        .filter(GetEntitlementFilterName::CustomerIdentifier, vec!["cust-delta".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(rows(&both).len(), 2, "values within a key are alternatives, every key must match");

    let forged = client.get_entitlements().product_code("prod-contract-1").next_token("ent1.1.forged").send().await.unwrap_err();
    let Some(GetEntitlementsError::InvalidParameterException(e)) = forged.as_service_error() else { panic!("{forged:?}") };
    assert!(e.message().unwrap().contains("NextToken"), "{e:?}");
    let other = client.get_entitlements().product_code("prod-container-1-of-nobody").send().await.unwrap_err();
    assert!(matches!(other.as_service_error(), Some(GetEntitlementsError::InvalidParameterException(_))), "{other:?}");

    // A throttled call is retried by the SDK and then answered.
    let fault = r#"{"operation": "GetEntitlements", "error": "ThrottlingException", "message": "Rate exceeded"}"#;
    mpkit_emulator::admin::arm(&running.url(), fault).await.unwrap();
    let out = client.get_entitlements().product_code("prod-contract-1").send().await.unwrap();
    assert_eq!(rows(&out).len(), 3);
}

/// A GetEntitlements request in awsJson1_1, signed by the seller, as raw HTTP/1.1.
fn json_request(addr: std::net::SocketAddr, body: &str) -> Vec<u8> {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW);
    signed_json_request(addr, SELLER, "AWSMPEntitlementService.GetEntitlements", body.as_bytes(), at)
}

#[tokio::test]
async fn the_same_entitlements_and_errors_over_aws_json() {
    let running = emulator().await;
    let (status, body) = exchange(running.addr(), &json_request(running.addr(), r#"{"ProductCode": "prod-contract-1"}"#)).await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let cbor = entitlements(&running).get_entitlements().product_code("prod-contract-1").send().await.unwrap();
    let from_json: Vec<(String, String)> = json["Entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["Dimension"].as_str().unwrap().to_owned(), e["Value"].to_string()))
        .collect();
    assert_eq!(from_json.len(), cbor.entitlements().len());
    assert_eq!(from_json[0], ("seats".to_owned(), r#"{"IntegerValue":10}"#.to_owned()));
    assert_eq!(json["Entitlements"][0]["ExpirationDate"], 1_830_211_200, "2027-12-31 in epoch seconds");
    assert_eq!(cbor.entitlements()[0].expiration_date().map(|d| d.secs()), Some(1_830_211_200));
    assert_eq!(json["Entitlements"][0]["CustomerIdentifier"], "cust-delta");

    let (status, body) =
        exchange(running.addr(), &json_request(running.addr(), r#"{"ProductCode": "prod-contract-1", "MaxResults": 26}"#)).await;
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["__type"], "InvalidParameterException", "{body}");
}

/// The Entitlement crate generated for awsJson1_1 (`tests/golden/variants.toml`).
fn json_entitlements(running: &Running) -> golden_entitlement_json::Client {
    let config = golden_entitlement_json::Config::builder()
        .region(golden_entitlement_json::config::Region::new("us-east-1"))
        .credentials_provider(golden_entitlement_json::config::Credentials::new(SELLER.0, SELLER.1, None, None, "test"))
        .endpoint_url(running.url())
        .time_source(mpkit_runtime::config::StaticTimeSource(UNIX_EPOCH + Duration::from_secs(NOW)))
        .build();
    golden_entitlement_json::Client::from_conf(config)
}

#[tokio::test]
async fn our_crate_in_either_protocol_sees_the_same_pages_and_errors() {
    let running = emulator().await;
    let cbor = entitlements(&running);
    let json = json_entitlements(&running);
    // Every page, two entitlements looked at a page, a filter, both ways.
    let cbor_pages: Vec<GetEntitlementsOutput> = cbor
        .get_entitlements()
        .product_code("prod-contract-1")
        .filter(GetEntitlementFilterName::Dimension, vec!["tier".into(), "premium_support".into()])
        .into_paginator()
        .page_size(2)
        .send()
        .try_collect()
        .await
        .unwrap();
    let json_pages: Vec<golden_entitlement_json::operation::get_entitlements::GetEntitlementsOutput> = json
        .get_entitlements()
        .product_code("prod-contract-1")
        .filter(golden_entitlement_json::types::GetEntitlementFilterName::Dimension, vec!["tier".into(), "premium_support".into()])
        .into_paginator()
        .page_size(2)
        .send()
        .try_collect()
        .await
        .unwrap();
    let cbor_seen: Vec<Vec<String>> = cbor_pages.iter().map(|p| p.entitlements().iter().map(|e| format!("{e:?}")).collect()).collect();
    let json_seen: Vec<Vec<String>> = json_pages.iter().map(|p| p.entitlements().iter().map(|e| format!("{e:?}")).collect()).collect();
    assert_eq!(cbor_seen, json_seen, "the same entitlements, values and expirations, page by page");
    assert_eq!(cbor_seen.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1]);
    let cbor_tokens: Vec<Option<&str>> = cbor_pages.iter().map(|p| p.next_token()).collect();
    let json_tokens: Vec<Option<&str>> = json_pages.iter().map(|p| p.next_token()).collect();
    assert_eq!(cbor_tokens, json_tokens);

    let json_error = json.get_entitlements().product_code("prod-contract-1").next_token("forged").send().await.unwrap_err();
    let cbor_error = cbor.get_entitlements().product_code("prod-contract-1").next_token("forged").send().await.unwrap_err();
    use mpkit_entitlement::error::ProvideErrorMetadata as _;
    let (j, c) = (json_error.into_service_error(), cbor_error.into_service_error());
    assert_eq!((j.code(), j.message()), (c.code(), c.message()));
    assert_eq!(c.code(), Some("InvalidParameterException"));
}

#[tokio::test]
async fn a_quota_throttles_and_a_failing_service_is_a_typed_500() {
    // One GetEntitlements a second, with a stopped clock: the second call in that second is throttled.
    let text = format!("{}\n[quotas]\nget_entitlements = 1\n", mpkit_emulator::config::DEMO);
    let clock = Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW));
    let running =
        mpkit_emulator::start_with_clock(mpkit_emulator::Config::from_toml(&text).unwrap(), "127.0.0.1:0".parse().unwrap(), clock)
            .await
            .unwrap();
    let client = entitlements_with(&running, RetryConfig::disabled());
    client.get_entitlements().product_code("prod-contract-1").send().await.unwrap();
    let throttled = client.get_entitlements().product_code("prod-contract-1").send().await.unwrap_err();
    let Some(GetEntitlementsError::ThrottlingException(e)) = throttled.as_service_error() else { panic!("{throttled:?}") };
    assert!(e.message().unwrap().contains("Rate exceeded"), "{e:?}");

    let fault = r#"{"operation": "GetEntitlements", "error": "InternalServiceErrorException", "message": "armed"}"#;
    mpkit_emulator::admin::arm(&running.url(), fault).await.unwrap();
    // An armed fault answers before the quota is counted.
    let failed = client.get_entitlements().product_code("prod-contract-1").send().await.unwrap_err();
    let raw_status = failed.raw_response().map(|r| r.status().as_u16());
    assert!(matches!(failed.as_service_error(), Some(GetEntitlementsError::InternalServiceErrorException(_))), "{failed:?}");
    assert_eq!(raw_status, Some(500));
}
