//! The four Marketplace Metering operations over real HTTP: the default
//! hyper transport against an in-process server on 127.0.0.1 that checks
//! every SigV4 signature with its own implementation.

use integration_tests::server::{Reply, TestServer};
use mpkit_metering::config::{Credentials, Region};
use mpkit_metering::error::{ProvideErrorMetadata, SdkError};
use mpkit_metering::operation::RequestId;
use mpkit_metering::primitives::DateTime;
use mpkit_metering::types::{UsageRecord, UsageRecordResultStatus};
use mpkit_metering::{Client, Config};

const AKID: &str = "AKIDLOOPBACK";
const SECRET: &str = "loopback/secret/key";

fn answer(target: Option<&str>) -> Reply {
    let body = match target {
        Some("AWSMPMeteringService.MeterUsage") => r#"{"MeteringRecordId":"m-1"}"#,
        Some("AWSMPMeteringService.BatchMeterUsage") => {
            r#"{"Results":[{"MeteringRecordId":"b-1","Status":"Success","UsageRecord":{"Timestamp":1700000000,"Dimension":"d"}}],"UnprocessedRecords":[]}"#
        }
        Some("AWSMPMeteringService.RegisterUsage") => r#"{"PublicKeyRotationTimestamp":1700000000,"Signature":"jwt"}"#,
        Some("AWSMPMeteringService.ResolveCustomer") => {
            r#"{"CustomerAWSAccountId":"123456789012","ProductCode":"p","LicenseArn":"arn:aws:license-manager::1:license:l","Metadata":{"AgreementId":"a-1"}}"#
        }
        _ => return Reply::json(400, r#"{"__type":"UnknownOperationException"}"#),
    };
    Reply::json(200, body)
}

fn client_for(server: &TestServer, secret: &str) -> Client {
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(AKID, secret, Some("session-token".into()), None, "test"))
        .endpoint_url(server.url())
        .build();
    Client::from_conf(config)
}

#[tokio::test]
async fn all_four_operations_round_trip_with_verified_signatures() {
    let server = TestServer::start((AKID, SECRET), |r| answer(r.header("x-amz-target"))).await;
    let client = client_for(&server, SECRET);

    let out = client
        .meter_usage()
        .product_code("p")
        .timestamp(DateTime::from_secs(1_700_000_000))
        .usage_dimension("d")
        .usage_quantity_as_decimal("1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.metering_record_id(), Some("m-1"));
    assert_eq!(out.request_id(), Some("loopback-request-id"));

    let record = UsageRecord::builder().timestamp(DateTime::from_secs(1_700_000_000)).dimension("d").build().unwrap();
    let out = client.batch_meter_usage().usage_records(record).send().await.unwrap();
    assert_eq!(out.results()[0].status(), Some(&UsageRecordResultStatus::Success));

    let out = client.register_usage().product_code("p").public_key_version(1).send().await.unwrap();
    assert_eq!(out.signature(), Some("jwt"));

    let out = client.resolve_customer().registration_token("t").send().await.unwrap();
    assert_eq!(out.metadata().and_then(|m| m.agreement_id()), Some("a-1"));

    let received = server.received();
    assert_eq!(received.len(), 4);
    for r in &received {
        assert_eq!(r.signature, Ok(()), "{}", r.header("x-amz-target").unwrap_or_default());
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, "/");
        assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
        assert_eq!(r.header("x-amz-security-token"), Some("session-token"));
        assert_eq!(r.header("content-length"), Some(r.body.len().to_string().as_str()));
    }
    assert_eq!(server.connections(), 1, "keep-alive: four calls share one connection");
}

#[tokio::test]
async fn a_bad_signature_is_rejected_and_reported() {
    let server = TestServer::start((AKID, SECRET), |r| answer(r.header("x-amz-target"))).await;
    let client = client_for(&server, "the-wrong-secret");
    let err = client.resolve_customer().registration_token("t").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ServiceError(_)), "{err:?}");
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert!(err.message().unwrap().starts_with("signature mismatch"), "{:?}", err.message());
    assert_eq!(server.received().len(), 1, "a 403 is not retried");
}

#[tokio::test]
async fn connection_refused_is_a_dispatch_failure() {
    // Bind then drop a listener: the port is free and nothing answers.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "test"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .retry_config(
            mpkit_metering::config::retry::RetryConfig::standard()
                .with_max_attempts(2)
                .with_initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build();
    let err = Client::from_conf(config).resolve_customer().registration_token("t").send().await.unwrap_err();
    let SdkError::DispatchFailure(failure) = &err else { panic!("{err:?}") };
    assert!(failure.is_io(), "{err:?}");
    assert!(mpkit_metering::error::DisplayErrorContext(&err).to_string().contains("connection failed"), "{err}");
}
