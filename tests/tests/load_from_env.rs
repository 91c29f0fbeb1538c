//! A client built from `load_from_env()` with credentials, region and
//! endpoint from process environment variables calls a loopback server that
//! verifies the signature. This file holds a single test because it sets
//! process-wide variables (each test file is its own process).

use integration_tests::server::{Reply, TestServer};
use mpkit_metering::config::load_from_env;
use mpkit_metering::Client;

#[tokio::test]
async fn a_client_from_the_environment_calls_the_service() {
    let server = TestServer::start(("AKIDFROMENV", "secret-from-env"), |_| Reply::json(200, r#"{"MeteringRecordId":"env-1"}"#)).await;
    let home = std::env::temp_dir().join(format!("no-home-{}", std::process::id()));
    for (k, v) in [
        ("HOME", home.to_str().unwrap()),
        ("AWS_ACCESS_KEY_ID", "AKIDFROMENV"),
        ("AWS_SECRET_ACCESS_KEY", "secret-from-env"),
        ("AWS_SESSION_TOKEN", "token-from-env"),
        ("AWS_REGION", "eu-central-1"),
        ("AWS_ENDPOINT_URL_MARKETPLACE_METERING", &server.url()),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:1/not-this-one"),
    ] {
        std::env::set_var(k, v);
    }
    std::env::remove_var("AWS_PROFILE");
    // No instance metadata in tests: the chain and the region lookup must not leave loopback.
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");

    let config = load_from_env().await;
    let client = Client::new(&config);
    let out = client
        .meter_usage()
        .product_code("p")
        .timestamp(mpkit_metering::primitives::DateTime::from_secs(1_700_000_000))
        .usage_dimension("d")
        .send()
        .await
        .unwrap();
    assert_eq!(out.metering_record_id(), Some("env-1"));
    let r = &server.received()[0];
    assert_eq!(r.signature, Ok(()));
    assert!(r.header("authorization").unwrap().contains("/eu-central-1/aws-marketplace/aws4_request"));
    assert_eq!(r.header("x-amz-security-token"), Some("token-from-env"));

    // Without credentials anywhere, the call fails and says what was tried.
    std::env::remove_var("AWS_ACCESS_KEY_ID");
    std::env::remove_var("AWS_SECRET_ACCESS_KEY");
    let err = Client::new(&load_from_env().await).resolve_customer().registration_token("t").send().await.unwrap_err();
    let text = mpkit_metering::error::DisplayErrorContext(&err).to_string();
    assert!(text.contains("tried the environment") && text.contains("AWS_ACCESS_KEY_ID"), "{text}");

    // Without a region, likewise.
    std::env::remove_var("AWS_REGION");
    let err = Client::new(&load_from_env().await).resolve_customer().registration_token("t").send().await.unwrap_err();
    assert!(err.to_string().contains("no region is configured: set AWS_REGION"), "{err}");
}
