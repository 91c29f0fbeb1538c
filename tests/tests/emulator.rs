//! The emulator through this project's SDK, used as a seller would: the
//! demo configuration, the buyer's MeterUsage and the seller's
//! BatchMeterUsage and ResolveCustomer, each rule's refusal as the typed
//! error the SDK gives, and signatures checked for real (an unknown key, a
//! wrong secret, another region). A fixed clock keeps the windows exact.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mpkit_emulator::Running;
use mpkit_metering::config::{Credentials, Region};
use mpkit_metering::error::ProvideErrorMetadata;
use mpkit_metering::primitives::DateTime;
use mpkit_metering::types::{UsageRecord, UsageRecordResultStatus};
use mpkit_metering::{Client, Config};

const NOW: u64 = 1_700_000_000;

async fn emulator() -> Running {
    let clock = Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW));
    mpkit_emulator::start_with_clock(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap(), clock).await.unwrap()
}

fn client(running: &Running, key: &str, secret: &str, region: &'static str) -> Client {
    let config = Config::builder()
        .region(Region::from_static(region))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .endpoint_url(running.url())
        .time_source(mpkit_runtime::config::StaticTimeSource(UNIX_EPOCH + Duration::from_secs(NOW)))
        .retry_config(mpkit_metering::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

fn buyer(running: &Running) -> Client {
    client(running, "AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only", "us-east-1")
}

fn seller(running: &Running) -> Client {
    client(running, "AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only", "us-east-1")
}

fn at(seconds_ago: u64) -> DateTime {
    DateTime::from_secs((NOW - seconds_ago) as i64)
}

#[tokio::test]
async fn a_buyer_meters_once_per_hour_and_a_changed_quantity_is_refused() {
    let running = emulator().await;
    let buyer = buyer(&running);
    let meter = |quantity: &'static str, ago: u64| {
        buyer
            .meter_usage()
            .product_code("prod-container-1")
            .timestamp(at(ago))
            .usage_dimension("vcpu_hours")
            .usage_quantity_as_decimal(quantity)
            .send()
    };
    let first = meter("4", 60).await.unwrap();
    let again = meter("4.0", 120).await.unwrap();
    assert_eq!(first.metering_record_id(), again.metering_record_id(), "the same hour and quantity is idempotent");
    let err = meter("5", 60).await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_duplicate_request_exception()), "{err:?}");
    let err = meter("1", 7 * 3600).await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_timestamp_out_of_bounds_exception()), "{err:?}");
    // The seller's account is no buyer of the container product.
    let err = seller(&running)
        .meter_usage()
        .product_code("prod-container-1")
        .timestamp(at(60))
        .usage_dimension("vcpu_hours")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_customer_not_entitled_exception()), "{err:?}");
    let err = buyer.meter_usage().product_code("prod-container-1").timestamp(at(60)).usage_dimension("gpus").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_invalid_usage_dimension_exception()), "{err:?}");
    let err = buyer.meter_usage().product_code("nope").timestamp(at(60)).usage_dimension("x").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_invalid_product_code_exception()), "{err:?}");

    // What the emulator billed, from its inspection endpoint.
    let text = raw_get(&format!("{}/emulator/v1/records", running.url())).await;
    let records: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(records["records"].as_array().unwrap().len(), 1);
    assert_eq!(records["records"][0]["quantity"], "4");
    assert_eq!(records["records"][0]["meteringRecordId"], first.metering_record_id().unwrap());
    running.stop().await;
}

#[tokio::test]
async fn a_seller_batches_usage_and_resolves_customers() {
    let running = emulator().await;
    let seller = seller(&running);
    let record = |customer: &str, by_account: bool, quantity: &str| {
        let b = UsageRecord::builder().timestamp(at(3600)).dimension("users").quantity_as_decimal(quantity);
        let b = if by_account { b.customer_aws_account_id(customer) } else { b.customer_identifier(customer) };
        b.build().unwrap()
    };
    let out = seller
        .batch_meter_usage()
        .product_code("prod-saas-1")
        .usage_records(record("cust-alpha", false, "10"))
        .usage_records(record("777788889999", true, "2.5"))
        .usage_records(record("000011112222", true, "1"))
        .send()
        .await
        .unwrap();
    let statuses: Vec<_> = out.results().iter().map(|r| r.status().cloned()).collect();
    assert_eq!(
        statuses,
        [
            Some(UsageRecordResultStatus::Success),
            Some(UsageRecordResultStatus::Success),
            Some(UsageRecordResultStatus::CustomerNotSubscribed)
        ]
    );
    assert!(out.unprocessed_records().is_empty());
    let resend =
        seller.batch_meter_usage().product_code("prod-saas-1").usage_records(record("444455556666", true, "11")).send().await.unwrap();
    assert_eq!(
        resend.results()[0].status(),
        Some(&UsageRecordResultStatus::DuplicateRecord),
        "the same customer by account id, another quantity"
    );

    let resolved = seller.resolve_customer().registration_token("token-alpha").send().await.unwrap();
    assert_eq!(resolved.customer_identifier(), Some("cust-alpha"));
    assert_eq!(resolved.customer_aws_account_id(), Some("444455556666"));
    assert_eq!(resolved.metadata().and_then(|m| m.agreement_id()), Some("agmt-alpha"));
    let err = seller.resolve_customer().registration_token("forged").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_invalid_token_exception()), "{err:?}");
    running.stop().await;
}

#[tokio::test]
async fn signatures_are_verified() {
    let running = emulator().await;
    let call = |c: Client| async move { c.resolve_customer().registration_token("token-alpha").send().await.unwrap_err() };
    let unknown = call(client(&running, "AKIAUNKNOWN000000000", "x", "us-east-1")).await;
    assert_eq!(unknown.code(), Some("UnrecognizedClientException"), "{unknown:?}");
    let wrong_secret = call(client(&running, "AKIAEXAMPLESELLER001", "not-the-secret", "us-east-1")).await;
    assert_eq!(wrong_secret.code(), Some("InvalidSignatureException"), "{wrong_secret:?}");
    let other_region = call(client(&running, "AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only", "eu-west-1")).await;
    assert_eq!(other_region.code(), Some("InvalidSignatureException"));
    assert!(other_region.message().unwrap_or("").contains("region"), "{other_region:?}");
    // A request signed an hour off the emulator's clock.
    let late = Config::builder()
        .region(Region::from_static("us-east-1"))
        .credentials_provider(Credentials::new("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only", None, None, "test"))
        .endpoint_url(running.url())
        .time_source(mpkit_runtime::config::StaticTimeSource(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW + 3600)))
        .retry_config(mpkit_metering::config::retry::RetryConfig::disabled())
        .build();
    let expired = call(Client::from_conf(late)).await;
    assert!(expired.message().unwrap_or("").starts_with("Signature expired"), "{expired:?}");
    running.stop().await;
}

/// A GET over a raw TCP connection: the tests need no HTTP client of their own for one request.
async fn raw_get(url: &str) -> String {
    raw_request("GET", url, "").await
}

/// One request over a raw TCP connection; the body of a 200 answer.
async fn raw_request(method: &str, url: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = url.strip_prefix("http://").unwrap().split('/').next().unwrap();
    let path = &url["http://".len() + authority.len()..];
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let head = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response.split_once("\r\n\r\n").unwrap().1.to_owned()
}

async fn arm(running: &Running, fault: &str) {
    let armed = raw_request("POST", &format!("{}/emulator/v1/faults", running.url()), fault).await;
    assert!(armed.contains("\"faults\""), "{armed}");
}

#[tokio::test]
async fn more_than_ten_batches_a_second_are_throttled() {
    // The emulator's clock stands still, so the bucket never refills: exactly ten pass.
    let running = emulator().await;
    let seller = seller(&running);
    let mut outcomes = Vec::new();
    for _ in 0..12 {
        let out = seller.batch_meter_usage().product_code("prod-saas-1").set_usage_records(Some(Vec::new())).send().await;
        outcomes.push(out.map(|_| ()).map_err(|e| e.code().unwrap_or("").to_owned()));
    }
    assert!(outcomes[..10].iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(outcomes[10..], [Err("ThrottlingException".to_owned()), Err("ThrottlingException".to_owned())]);
    // Quotas are per account: the buyer is not throttled by the seller's calls.
    buyer(&running).meter_usage().product_code("prod-container-1").timestamp(at(60)).usage_dimension("vcpu_hours").send().await.unwrap();
    running.stop().await;
}

#[tokio::test]
async fn armed_faults_answer_errors_drop_connections_and_leave_records_unprocessed() {
    let running = emulator().await;
    let seller = seller(&running);
    let alpha = |quantity: &str| {
        UsageRecord::builder()
            .timestamp(at(3600))
            .dimension("users")
            .customer_identifier("cust-alpha")
            .quantity_as_decimal(quantity)
            .build()
            .unwrap()
    };
    let beta = |quantity: &str| {
        UsageRecord::builder()
            .timestamp(at(3600))
            .dimension("users")
            .customer_aws_account_id("777788889999")
            .quantity_as_decimal(quantity)
            .build()
            .unwrap()
    };
    let batch = || seller.batch_meter_usage().product_code("prod-saas-1").usage_records(alpha("3")).usage_records(beta("4"));

    // An error code and status for the next call.
    arm(&running, r#"{"operation": "BatchMeterUsage", "error": "InternalServiceErrorException", "message": "armed"}"#).await;
    let err = batch().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InternalServiceErrorException"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));

    // Records the service did not process come back to be resent.
    arm(&running, r#"{"operation": "BatchMeterUsage", "unprocessed": [1]}"#).await;
    let out = batch().send().await.unwrap();
    assert_eq!(out.results().len(), 1);
    assert_eq!(out.unprocessed_records().len(), 1);
    assert_eq!(out.unprocessed_records()[0].customer_aws_account_id(), Some("777788889999"));

    // A connection dropped after the records were billed: the client never hears, and its resend is idempotent.
    arm(&running, r#"{"operation": "BatchMeterUsage", "drop_connection": "after"}"#).await;
    let err = batch().send().await.unwrap_err();
    assert!(matches!(err, mpkit_metering::error::SdkError::DispatchFailure(_)), "{err:?}");
    let resent = batch().send().await.unwrap();
    let statuses: Vec<_> = resent.results().iter().map(|r| r.status().cloned()).collect();
    assert_eq!(
        statuses,
        [Some(UsageRecordResultStatus::Success), Some(UsageRecordResultStatus::Success)],
        "the resend of the same quantities succeeds"
    );
    assert_eq!(resent.results()[0].metering_record_id(), out.results()[0].metering_record_id());
    let records: serde_json::Value = serde_json::from_str(&raw_get(&format!("{}/emulator/v1/records", running.url())).await).unwrap();
    assert_eq!(records["records"].as_array().unwrap().len(), 2, "each hour billed once");

    // Nothing stays armed, and a bad fault is refused with the reason.
    let armed: serde_json::Value = serde_json::from_str(&raw_get(&format!("{}/emulator/v1/faults", running.url())).await).unwrap();
    assert_eq!(armed["faults"], serde_json::json!([]));
    running.stop().await;
}

#[tokio::test]
async fn faults_can_be_armed_from_the_configuration() {
    let config = format!(
        "{}\n[[faults]]\noperation = \"ResolveCustomer\"\ncount = 2\nerror = \"ThrottlingException\"\n",
        mpkit_emulator::config::DEMO
    );
    let clock = Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW));
    let running =
        mpkit_emulator::start_with_clock(mpkit_emulator::Config::from_toml(&config).unwrap(), "127.0.0.1:0".parse().unwrap(), clock)
            .await
            .unwrap();
    let seller = seller(&running);
    for _ in 0..2 {
        let err = seller.resolve_customer().registration_token("token-alpha").send().await.unwrap_err();
        assert_eq!(err.code(), Some("ThrottlingException"));
    }
    seller.resolve_customer().registration_token("token-alpha").send().await.unwrap();
    let bad = format!("{}\n[[faults]]\noperation = \"Nope\"\n", mpkit_emulator::config::DEMO);
    assert_eq!(mpkit_emulator::Config::from_toml(&bad).unwrap_err(), "fault for unknown operation `Nope`");
    running.stop().await;
}

#[tokio::test]
async fn register_usage_answers_a_signed_token_and_checks_the_entitlement() {
    let running = emulator().await;
    let out =
        buyer(&running).register_usage().product_code("prod-container-1").public_key_version(1).nonce("sdk-nonce").send().await.unwrap();
    let token = out.signature().unwrap();
    assert_eq!(token.split('.').count(), 3, "{token}");
    assert!(out.public_key_rotation_timestamp().is_some());
    let pem = raw_get(&format!("{}/emulator/v1/public-key", running.url())).await;
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    let err = buyer(&running).register_usage().product_code("prod-container-1").public_key_version(3).send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_invalid_public_key_version_exception()), "{err:?}");
    running.stop().await;
}
