//! One signed request compared byte for byte: with the clock, credentials,
//! idempotency token and invocation id fixed, a MeterUsage call is one exact
//! sequence of bytes, headers in order and signature included. The
//! signature is also checked by the independent SigV4 implementation in
//! `tests/src/sigv4.rs`, so the literal below is not merely what the signer
//! happened to print.

use integration_tests::{sigv4, test_config};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::Client;
use mpkit_runtime::http::HttpRequest;
use mpkit_runtime::test_util::{json_response, ReplayClient};

/// The request as text: request line, headers in the order sent, a blank line, the body.
fn wire_text(request: &HttpRequest) -> String {
    let mut text = format!("{} {}\n", request.method, request.uri);
    for (name, value) in request.headers.iter() {
        text.push_str(&format!("{name}: {value}\n"));
    }
    text.push('\n');
    text.push_str(&request.body_text());
    text
}

async fn meter_usage_request() -> HttpRequest {
    let replay = ReplayClient::new(vec![json_response(200, r#"{"MeteringRecordId":"rec-1"}"#)]);
    let client = Client::from_conf(test_config(&replay));
    client
        .meter_usage()
        .product_code("prod-123")
        .timestamp(DateTime::from_secs(1_699_999_200))
        .usage_dimension("Hosts")
        .usage_quantity_as_decimal("3")
        .send()
        .await
        .expect("the canned answer parses");
    replay.single_request()
}

#[tokio::test]
async fn a_meter_usage_request_is_the_same_to_the_byte() {
    let request = meter_usage_request().await;
    let user_agent = format!("mpkit-runtime/0.1.0 mpkit-metering/0.1.0 os/{} lang/rust", std::env::consts::OS);
    let body = r#"{"ProductCode":"prod-123","Timestamp":1699999200,"UsageDimension":"Hosts","UsageQuantityAsDecimal":"3","ClientToken":"00000000-0000-4000-8000-000000000000"}"#;
    // The signature covers the User-Agent, which names the operating system;
    // the literal is Linux's, where CI runs.
    let sent = request.headers.get("authorization").and_then(|a| a.rsplit_once("Signature=")).map_or("", |(_, s)| s);
    let signature = if cfg!(target_os = "linux") { SIGNATURE_ON_LINUX } else { sent };
    let expected = format!(
        "POST https://metering.marketplace.us-east-1.amazonaws.com/\n\
         Host: metering.marketplace.us-east-1.amazonaws.com\n\
         Content-Type: application/x-amz-json-1.1\n\
         X-Amz-Target: AWSMPMeteringService.MeterUsage\n\
         Content-Length: {length}\n\
         User-Agent: {user_agent}\n\
         x-amz-user-agent: {user_agent}\n\
         amz-sdk-invocation-id: 11111111-1111-4111-8111-111111111111\n\
         amz-sdk-request: attempt=1; max=3\n\
         X-Amz-Date: 20231114T221320Z\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/aws-marketplace/aws4_request, \
         SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent, \
         Signature={signature}\n\
         \n\
         {body}",
        length = body.len(),
    );
    assert_eq!(wire_text(&request), expected);

    let headers: Vec<(String, String)> = request.headers.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
    sigv4::verify("POST", "/", "", &headers, request.body.bytes().unwrap(), "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .expect("the independent verifier accepts it");
}

#[tokio::test]
async fn two_calls_with_the_same_inputs_send_the_same_bytes() {
    let (first, second) = (meter_usage_request().await, meter_usage_request().await);
    assert_eq!(wire_text(&first), wire_text(&second));
}

/// The signature of this request on Linux (checked by the independent verifier above).
const SIGNATURE_ON_LINUX: &str = "63c3f387408786deb3c63219a9d050b9d4493134e396ff540ec817ee2827b5f3";
