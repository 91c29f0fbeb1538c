//! The three clients measured: this project's crate, the official SDK, and a
//! bare client (hyper pooled client + aws-sigv4 + serde_json, no SDK).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

pub const AKID: &str = "AKIDBENCHMARK";
pub const SECRET: &str = "bench/secret/key/0123456789abcdefghij";

/// An HTTP client for our crate that answers at once, for the no-network workload.
#[derive(Debug, Clone)]
pub struct Instant(pub mpkit_runtime::http::HttpResponse);

impl mpkit_runtime::http::HttpClient for Instant {
    fn call(
        &self,
        _: mpkit_runtime::http::HttpRequest,
    ) -> mpkit_runtime::http::BoxFuture<'_, Result<mpkit_runtime::http::HttpResponse, mpkit_runtime::http::ConnectorError>> {
        let r = self.0.clone();
        Box::pin(async move { Ok(r) })
    }
}

fn canned(body: &str) -> mpkit_runtime::http::HttpResponse {
    let mut h = mpkit_runtime::http::Headers::new();
    h.append("content-type", "application/x-amz-json-1.1");
    h.append("x-amzn-requestid", "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
    mpkit_runtime::http::HttpResponse::new(200, h, body.as_bytes().to_vec())
}

pub fn ours(endpoint: Option<&str>, body: &str) -> ours::Client {
    let mut b = ours::Config::builder()
        .region(ours::config::Region::new("us-east-1"))
        .credentials_provider(ours::config::Credentials::new(AKID, SECRET, None, None, "bench"));
    b = match endpoint {
        Some(url) => b.endpoint_url(url),
        None => b.http_client(Instant(canned(body))),
    };
    ours::Client::from_conf(b.build())
}

pub fn official(endpoint: Option<&str>, body: &str) -> official::Client {
    let mut b = official::Config::builder()
        .region(official::config::Region::new("us-east-1"))
        .credentials_provider(official::config::Credentials::new(AKID, SECRET, None, None, "bench"));
    b = match endpoint {
        Some(url) => b.endpoint_url(url),
        None => {
            let body = body.to_owned();
            b.http_client(aws_smithy_http_client::test_util::infallible_client_fn(move |_req| {
                http::Response::builder()
                    .status(200)
                    .header("content-type", "application/x-amz-json-1.1")
                    .header("x-amzn-requestid", "0a1b2c3d-4e5f-6789-abcd-ef0123456789")
                    .body(SdkBody::from(body.clone()))
                    .unwrap()
            }))
        }
    };
    official::Client::from_conf(b.build())
}

// Our model deprecates the integer quantities in favour of the decimal ones
// (2026-10-20); the integers are what the official crate and the bare client
// send, so all three do the same work.
#[allow(deprecated)]
pub async fn ours_meter(c: &ours::Client) {
    let out = c
        .meter_usage()
        .product_code("prod")
        .timestamp(ours::primitives::DateTime::from_secs(1_700_000_000))
        .usage_dimension("Hosts")
        .usage_quantity(1)
        .send()
        .await
        .unwrap();
    assert!(out.metering_record_id().is_some());
}

pub async fn official_meter(c: &official::Client) {
    let out = c
        .meter_usage()
        .product_code("prod")
        .timestamp(aws_smithy_types::DateTime::from_secs(1_700_000_000))
        .usage_dimension("Hosts")
        .usage_quantity(1)
        .send()
        .await
        .unwrap();
    assert!(out.metering_record_id().is_some());
}

#[allow(deprecated)]
pub async fn ours_batch(c: &ours::Client) {
    let mut b = c.batch_meter_usage();
    for i in 0..25 {
        b = b.usage_records(
            ours::types::UsageRecord::builder()
                .timestamp(ours::primitives::DateTime::from_secs(1_700_000_000))
                .customer_aws_account_id("123456789012")
                .dimension("Hosts")
                .quantity(i)
                .build()
                .unwrap(),
        );
    }
    assert_eq!(b.send().await.unwrap().results().len(), 25);
}

pub async fn official_batch(c: &official::Client) {
    let mut b = c.batch_meter_usage();
    for i in 0..25 {
        b = b.usage_records(
            official::types::UsageRecord::builder()
                .timestamp(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                .customer_aws_account_id("123456789012")
                .dimension("Hosts")
                .quantity(i)
                .build()
                .unwrap(),
        );
    }
    assert_eq!(b.send().await.unwrap().results().len(), 25);
}

/// The bare client: what the SDKs do, written straight.
#[derive(Clone)]
pub struct Bare {
    client: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    url: String,
    host: String,
    identity: aws_smithy_runtime_api::client::identity::Identity,
}

impl Bare {
    pub fn new(url: &str) -> Bare {
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
        let identity = aws_credential_types::Credentials::new(AKID, SECRET, None, None, "bare").into();
        Bare { client, url: format!("{url}/"), host: url.trim_start_matches("http://").to_owned(), identity }
    }

    pub async fn meter(&self) {
        let body = serde_json::json!({
            "ProductCode": "prod", "Timestamp": 1_700_000_000, "UsageDimension": "Hosts", "UsageQuantity": 1,
            "ClientToken": "00000000-0000-4000-8000-000000000000"
        })
        .to_string();
        let v = self.call("AWSMPMeteringService.MeterUsage", body).await;
        assert!(v.get("MeteringRecordId").is_some());
    }

    /// The same 25 records as `ours_batch` and `official_batch`.
    pub async fn batch(&self) {
        let records: Vec<serde_json::Value> = (0..25)
            .map(|i| {
                serde_json::json!({
                    "Timestamp": 1_700_000_000, "CustomerAWSAccountId": "123456789012", "Dimension": "Hosts", "Quantity": i
                })
            })
            .collect();
        let body = serde_json::json!({ "ProductCode": "prod", "UsageRecords": records }).to_string();
        let v = self.call("AWSMPMeteringService.BatchMeterUsage", body).await;
        assert_eq!(v.get("Results").and_then(|r| r.as_array()).map(Vec::len), Some(25));
    }

    /// One signed POST of `body` to `target`, its answer parsed.
    async fn call(&self, target: &str, body: String) -> serde_json::Value {
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&self.identity)
            .region("us-east-1")
            .name("aws-marketplace")
            .time(SystemTime::now())
            .settings(aws_sigv4::http_request::SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let headers = [("host", self.host.as_str()), ("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target)];
        let signable = aws_sigv4::http_request::SignableRequest::new(
            "POST",
            &self.url,
            headers.iter().copied(),
            aws_sigv4::http_request::SignableBody::Bytes(body.as_bytes()),
        )
        .unwrap();
        let (instructions, _) = aws_sigv4::http_request::sign(signable, &params).unwrap().into_parts();
        let mut req = http::Request::builder().method("POST").uri(&self.url);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let mut req = req.body(Full::new(Bytes::from(body))).unwrap();
        instructions.apply_to_request_http1x(&mut req);
        let resp = self.client.request(req).await.unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }
}

#[allow(dead_code)]
pub fn frozen() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}
