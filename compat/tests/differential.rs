//! The same inputs through this crate and the official
//! `aws-sdk-marketplacemetering`, both with frozen time and credentials and
//! a recording HTTP client: the requests must agree field by field (method,
//! URI, target, content type, body as JSON, and the signed headers with both
//! signatures checked by the tests' own SigV4 implementation), and the same
//! canned responses, every modeled error included, must look the same to the
//! caller.
//!
//! Known differences, by design: the official crate (1.124) predates the
//! decimal quantities (`UsageQuantityAsDecimal`, `QuantityAsDecimal`,
//! `AllocatedUsageQuantityAsDecimal`), so they are not compared; User-Agent,
//! `x-amz-user-agent`, `amz-sdk-invocation-id` and `amz-sdk-request` name
//! each SDK or differ per call, so they are left out of the comparison.

use std::time::{Duration, UNIX_EPOCH};

use aws_smithy_http_client::test_util::{capture_request, CaptureRequestReceiver};
use aws_smithy_types::body::SdkBody;
use integration_tests::sigv4;
use mpkit_runtime::http::{Headers, HttpResponse};
use mpkit_runtime::test_util::ReplayClient;
use official::error::ProvideErrorMetadata as _;
use ours::error::ProvideErrorMetadata as _;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "00000000-0000-4000-8000-000000000000";
const NOW: u64 = 1_700_000_000;
/// Headers that legitimately differ between the two SDKs.
const NORMALISED: [&str; 5] = ["user-agent", "x-amz-user-agent", "amz-sdk-invocation-id", "amz-sdk-request", "authorization"];

/// A captured request in a form both SDKs can be compared in.
struct Captured {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl std::fmt::Debug for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {:?} {}", self.method, self.uri, self.headers, String::from_utf8_lossy(&self.body))
    }
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The signed headers other than the normalised ones, with their values.
    fn signed(&self) -> Vec<(String, String)> {
        let auth = self.header("authorization").expect("signed");
        let list = auth.split("SignedHeaders=").nth(1).unwrap().split(',').next().unwrap();
        let mut out: Vec<(String, String)> = list
            .split(';')
            .filter(|n| !NORMALISED.contains(n))
            .map(|n| (n.to_owned(), self.header(n).unwrap_or_default().to_owned()))
            .collect();
        out.sort();
        out
    }

    fn verify(&self) {
        let after = self.uri.split_once("://").map(|(_, r)| r).unwrap_or(&self.uri);
        let path = &after[after.find('/').unwrap_or(after.len())..];
        sigv4::verify(&self.method, path, "", &self.headers, &self.body, AKID, SECRET).unwrap_or_else(|e| panic!("{e}: {self:?}"));
    }
}

fn from_official(rx: CaptureRequestReceiver) -> Captured {
    let r = rx.expect_request();
    let mut headers: Vec<(String, String)> = r.headers().iter().map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned())).collect();
    // The official transport adds Host after capture; its signature covers the URI's authority.
    if !headers.iter().any(|(n, _)| n == "host") {
        let authority = r.uri().split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default();
        headers.push(("host".to_owned(), authority.to_owned()));
    }
    Captured { method: r.method().to_owned(), uri: r.uri().to_owned(), headers, body: r.body().bytes().unwrap_or_default().to_vec() }
}

fn from_ours(replay: &ReplayClient) -> Captured {
    let r = replay.single_request();
    Captured {
        method: r.method.clone(),
        uri: r.uri.clone(),
        headers: r.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned())).collect(),
        body: r.body.bytes().expect("a body in memory").to_vec(),
    }
}

fn official_client(status: u16, body: &str) -> (official::Client, CaptureRequestReceiver) {
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amzn-requestid", "req-1")
        .body(SdkBody::from(body.to_owned()))
        .unwrap();
    let (http_client, rx) = capture_request(Some(response));
    let config = official::Config::builder()
        .region(official::config::Region::new("us-east-1"))
        .credentials_provider(official::config::Credentials::new(AKID, SECRET, None, None, "test"))
        .time_source(aws_smithy_async::time::StaticTimeSource::new(UNIX_EPOCH + Duration::from_secs(NOW)))
        .idempotency_token_provider(TOKEN)
        .retry_config(official::config::retry::RetryConfig::disabled())
        .http_client(http_client)
        .build();
    (official::Client::from_conf(config), rx)
}

fn our_client(status: u16, body: &str) -> (ours::Client, ReplayClient) {
    let mut headers = Headers::new();
    headers.append("content-type", "application/x-amz-json-1.1");
    headers.append("x-amzn-requestid", "req-1");
    let replay = ReplayClient::new(vec![HttpResponse::new(status, headers, body.as_bytes().to_vec())]);
    let config = ours::Config::builder()
        .region(ours::config::Region::new("us-east-1"))
        .credentials_provider(ours::config::Credentials::new(AKID, SECRET, None, None, "test"))
        .time_source(ours::config::StaticTimeSource(UNIX_EPOCH + Duration::from_secs(NOW)))
        .idempotency_token_provider(|| TOKEN.to_owned())
        .retry_config(ours::config::retry::RetryConfig::disabled())
        .http_client(replay.clone())
        .build();
    (ours::Client::from_conf(config), replay)
}

fn assert_same_request(name: &str, theirs: &Captured, mine: &Captured) {
    theirs.verify();
    mine.verify();
    assert_eq!(theirs.method, mine.method, "{name}: method");
    assert_eq!(theirs.uri, mine.uri, "{name}: URI");
    for h in ["x-amz-target", "content-type", "host", "x-amz-date"] {
        assert_eq!(theirs.header(h), mine.header(h), "{name}: {h}");
    }
    let a: serde_json::Value = serde_json::from_slice(&theirs.body).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&mine.body).unwrap();
    assert_eq!(a, b, "{name}: body");
    assert_eq!(theirs.signed(), mine.signed(), "{name}: signed headers and their values");
}

fn ots(secs: i64) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(secs)
}

fn mts(secs: i64) -> ours::primitives::DateTime {
    ours::primitives::DateTime::from_secs(secs)
}

#[tokio::test]
async fn meter_usage_requests_agree() {
    // Required members only.
    let (o, orx) = official_client(200, "{}");
    let (m, mrx) = our_client(200, "{}");
    o.meter_usage().product_code("prod").timestamp(ots(1_699_999_200)).usage_dimension("Hosts").send().await.unwrap();
    m.meter_usage().product_code("prod").timestamp(mts(1_699_999_200)).usage_dimension("Hosts").send().await.unwrap();
    assert_same_request("MeterUsage (required only)", &from_official(orx), &from_ours(&mrx));

    // Every optional member, with allocations and tags, and unicode.
    let (o, orx) = official_client(200, "{}");
    let (m, mrx) = our_client(200, "{}");
    #[allow(deprecated)]
    o.meter_usage()
        .product_code("prod")
        .timestamp(ots(1_699_999_200))
        .usage_dimension("Hôtes – ünïcode ✓")
        .usage_quantity(7)
        .dry_run(true)
        .usage_allocations(
            official::types::UsageAllocation::builder()
                .allocated_usage_quantity(7)
                .tags(official::types::Tag::builder().key("équipe").value("月").build().unwrap())
                .build()
                .unwrap(),
        )
        .client_token("explicit-token")
        .send()
        .await
        .unwrap();
    #[allow(deprecated)]
    m.meter_usage()
        .product_code("prod")
        .timestamp(mts(1_699_999_200))
        .usage_dimension("Hôtes – ünïcode ✓")
        .usage_quantity(7)
        .dry_run(true)
        .usage_allocations(
            ours::types::UsageAllocation::builder()
                .allocated_usage_quantity(7)
                .tags(ours::types::Tag::builder().key("équipe").value("月").build().unwrap())
                .build(),
        )
        .client_token("explicit-token")
        .send()
        .await
        .unwrap();
    assert_same_request("MeterUsage (all members)", &from_official(orx), &from_ours(&mrx));
}

#[tokio::test]
async fn the_largest_batch_agrees() {
    let (o, orx) = official_client(200, "{}");
    let (m, mrx) = our_client(200, "{}");
    let mut ob = o.batch_meter_usage().product_code("prod");
    let mut mb = m.batch_meter_usage().product_code("prod");
    for i in 0..25 {
        let customer = format!("cust-{i}-ü");
        #[allow(deprecated)]
        let orecord = official::types::UsageRecord::builder()
            .timestamp(ots(1_700_000_000 + i))
            .customer_aws_account_id("123456789012")
            .license_arn("arn:aws:license-manager::123456789012:license:l-1")
            .customer_identifier(customer.clone())
            .dimension("d")
            .quantity(i as i32)
            .usage_allocations(
                official::types::UsageAllocation::builder()
                    .allocated_usage_quantity(i as i32)
                    .tags(official::types::Tag::builder().key("k").value("v").build().unwrap())
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        #[allow(deprecated)]
        let mrecord = ours::types::UsageRecord::builder()
            .timestamp(mts(1_700_000_000 + i))
            .customer_aws_account_id("123456789012")
            .license_arn("arn:aws:license-manager::123456789012:license:l-1")
            .customer_identifier(customer)
            .dimension("d")
            .quantity(i as i32)
            .usage_allocations(
                ours::types::UsageAllocation::builder()
                    .allocated_usage_quantity(i as i32)
                    .tags(ours::types::Tag::builder().key("k").value("v").build().unwrap())
                    .build(),
            )
            .build()
            .unwrap();
        ob = ob.usage_records(orecord);
        mb = mb.usage_records(mrecord);
    }
    ob.send().await.unwrap();
    mb.send().await.unwrap();
    assert_same_request("BatchMeterUsage (25 records)", &from_official(orx), &from_ours(&mrx));
}

#[tokio::test]
async fn register_usage_and_resolve_customer_requests_agree() {
    for nonce in [None, Some("nonce-ü")] {
        let (o, orx) = official_client(200, "{}");
        let (m, mrx) = our_client(200, "{}");
        o.register_usage().product_code("p").public_key_version(1).set_nonce(nonce.map(str::to_owned)).send().await.unwrap();
        m.register_usage().product_code("p").public_key_version(1).set_nonce(nonce.map(str::to_owned)).send().await.unwrap();
        assert_same_request("RegisterUsage", &from_official(orx), &from_ours(&mrx));
    }
    let (o, orx) = official_client(200, "{}");
    let (m, mrx) = our_client(200, "{}");
    o.resolve_customer().registration_token("tok=+/").send().await.unwrap();
    m.resolve_customer().registration_token("tok=+/").send().await.unwrap();
    assert_same_request("ResolveCustomer", &from_official(orx), &from_ours(&mrx));
}

#[tokio::test]
async fn responses_look_the_same_to_the_caller() {
    let body = r#"{"MeteringRecordId":"m-1"}"#;
    let (o, _) = official_client(200, body);
    let (m, _) = our_client(200, body);
    let a = o.meter_usage().product_code("p").timestamp(ots(0)).usage_dimension("d").send().await.unwrap();
    let b = m.meter_usage().product_code("p").timestamp(mts(0)).usage_dimension("d").send().await.unwrap();
    assert_eq!(a.metering_record_id(), b.metering_record_id());
    use official::operation::RequestId as _;
    use ours::operation::RequestId as _;
    assert_eq!(a.request_id(), b.request_id());

    let body = r#"{"Results":[{"MeteringRecordId":"r","Status":"DuplicateRecord","UsageRecord":{"Timestamp":1700000000.5,"Dimension":"d","Quantity":3,"CustomerAWSAccountId":"1","UsageAllocations":[{"AllocatedUsageQuantity":3,"Tags":[{"Key":"k","Value":"v"}]}]}},{"Status":"NewStatus"}],"UnprocessedRecords":[{"Timestamp":1,"Dimension":"u"}]}"#;
    let (o, _) = official_client(200, body);
    let (m, _) = our_client(200, body);
    let orec = official::types::UsageRecord::builder().timestamp(ots(0)).dimension("d").build().unwrap();
    let mrec = ours::types::UsageRecord::builder().timestamp(mts(0)).dimension("d").build().unwrap();
    let a = o.batch_meter_usage().usage_records(orec).send().await.unwrap();
    let b = m.batch_meter_usage().usage_records(mrec).send().await.unwrap();
    assert_eq!(a.results().len(), b.results().len());
    for (x, y) in a.results().iter().zip(b.results()) {
        assert_eq!(x.metering_record_id(), y.metering_record_id());
        assert_eq!(x.status().map(|s| s.as_str()), y.status().map(|s| s.as_str()));
        let (xr, yr) = (x.usage_record(), y.usage_record());
        assert_eq!(
            xr.map(|r| (r.timestamp().secs(), r.timestamp().subsec_nanos())),
            yr.map(|r| (r.timestamp().secs(), r.timestamp().subsec_nanos()))
        );
        assert_eq!(xr.map(|r| r.dimension()), yr.map(|r| r.dimension()));
        #[allow(deprecated)]
        let (xq, yq) = (xr.and_then(|r| r.quantity()), yr.and_then(|r| r.quantity()));
        assert_eq!(xq, yq);
        assert_eq!(xr.map(|r| r.usage_allocations().len()), yr.map(|r| r.usage_allocations().len()));
    }
    assert_eq!(a.unprocessed_records().len(), b.unprocessed_records().len());

    let body = r#"{"PublicKeyRotationTimestamp":1700000000,"Signature":"jwt"}"#;
    let (o, _) = official_client(200, body);
    let (m, _) = our_client(200, body);
    let a = o.register_usage().product_code("p").public_key_version(1).send().await.unwrap();
    let b = m.register_usage().product_code("p").public_key_version(1).send().await.unwrap();
    assert_eq!(a.public_key_rotation_timestamp().map(|t| t.secs()), b.public_key_rotation_timestamp().map(|t| t.secs()));
    assert_eq!(a.signature(), b.signature());

    let body =
        r#"{"CustomerIdentifier":"c","ProductCode":"p","CustomerAWSAccountId":"1","LicenseArn":"arn","Metadata":{"AgreementId":"agmt"}}"#;
    let (o, _) = official_client(200, body);
    let (m, _) = our_client(200, body);
    let a = o.resolve_customer().registration_token("t").send().await.unwrap();
    let b = m.resolve_customer().registration_token("t").send().await.unwrap();
    assert_eq!(
        (a.customer_identifier(), a.product_code(), a.customer_aws_account_id(), a.license_arn()),
        (b.customer_identifier(), b.product_code(), b.customer_aws_account_id(), b.license_arn())
    );
    assert_eq!(a.metadata().and_then(|x| x.agreement_id()), b.metadata().and_then(|x| x.agreement_id()));
}

/// The variant name of an error enum, from its `Debug` output.
fn variant<E: std::fmt::Debug>(e: &E) -> String {
    format!("{e:?}").split('(').next().unwrap_or_default().to_owned()
}

const ERRORS: [&str; 20] = [
    "CustomerNotEntitledException",
    "DisabledApiException",
    "DuplicateRequestException",
    "ExpiredTokenException",
    "IdempotencyConflictException",
    "InternalServiceErrorException",
    "InvalidCustomerIdentifierException",
    "InvalidEndpointRegionException",
    "InvalidLicenseException",
    "InvalidProductCodeException",
    "InvalidPublicKeyVersionException",
    "InvalidRegionException",
    "InvalidTagException",
    "InvalidTokenException",
    "InvalidUsageAllocationsException",
    "InvalidUsageDimensionException",
    "PlatformNotSupportedException",
    "ThrottlingException",
    "TimestampOutOfBoundsException",
    "SomethingNobodyModeled",
];

#[tokio::test]
async fn every_modeled_error_looks_the_same_to_the_caller() {
    let mut compared = 0;
    for code in ERRORS {
        let body = format!(r#"{{"__type":"com.amazonaws.marketplacemetering#{code}","message":"it went wrong: {code}"}}"#);
        macro_rules! compare {
            ($call_o:expr, $call_m:expr) => {{
                let a = $call_o.await.unwrap_err();
                let b = $call_m.await.unwrap_err();
                assert_eq!(a.code(), b.code(), "{code}");
                assert_eq!(a.message(), b.message(), "{code}");
                let (a, b) = (a.into_service_error(), b.into_service_error());
                assert_eq!(a.code(), b.code(), "{code}");
                assert_eq!(a.message(), b.message(), "{code}");
                assert_eq!(variant(&a), variant(&b), "{code}: the same variant");
                compared += 1;
            }};
        }
        let (o, _) = official_client(400, &body);
        let (m, _) = our_client(400, &body);
        compare!(
            o.meter_usage().product_code("p").timestamp(ots(0)).usage_dimension("d").send(),
            m.meter_usage().product_code("p").timestamp(mts(0)).usage_dimension("d").send()
        );
        let (o, _) = official_client(400, &body);
        let (m, _) = our_client(400, &body);
        compare!(o.resolve_customer().registration_token("t").send(), m.resolve_customer().registration_token("t").send());
        let (o, _) = official_client(400, &body);
        let (m, _) = our_client(400, &body);
        compare!(
            o.register_usage().product_code("p").public_key_version(1).send(),
            m.register_usage().product_code("p").public_key_version(1).send()
        );
        let (o, _) = official_client(400, &body);
        let (m, _) = our_client(400, &body);
        let orec = official::types::UsageRecord::builder().timestamp(ots(0)).dimension("d").build().unwrap();
        let mrec = ours::types::UsageRecord::builder().timestamp(mts(0)).dimension("d").build().unwrap();
        compare!(o.batch_meter_usage().usage_records(orec).send(), m.batch_meter_usage().usage_records(mrec).send());
    }
    assert_eq!(compared, 80);
}
