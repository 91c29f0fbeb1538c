//! The generated Marketplace Metering crate end to end through the runtime,
//! with a replaying transport: exact requests out, typed results back.

use integration_tests::{body_json, test_config};
use mpkit_metering::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use mpkit_metering::operation::RequestId;
use mpkit_metering::primitives::DateTime;
use mpkit_metering::types::{Tag, UsageAllocation, UsageRecord, UsageRecordResultStatus};
use mpkit_metering::Client;
use mpkit_runtime::http::{Headers, HttpResponse};
use mpkit_runtime::test_util::{json_response, Canned, ReplayClient};
use serde_json::json;

fn client(answers: Vec<Canned>) -> (Client, ReplayClient) {
    let replay = ReplayClient::new(answers);
    (Client::from_conf(test_config(&replay)), replay)
}

#[tokio::test]
async fn meter_usage_sends_a_signed_awsjson_request() {
    let (client, replay) = client(vec![json_response(200, r#"{"MeteringRecordId":"rec-1"}"#).into()]);
    let out = client
        .meter_usage()
        .product_code("prod-123")
        .timestamp(DateTime::from_secs(1_699_999_200))
        .usage_dimension("Hosts")
        .usage_quantity_as_decimal("12.5")
        .send()
        .await
        .unwrap();
    assert_eq!(out.metering_record_id(), Some("rec-1"));
    assert_eq!(out.request_id(), Some("test-request-id"));

    let req = replay.single_request();
    assert_eq!(req.method, "POST");
    assert_eq!(req.uri, "https://metering.marketplace.us-east-1.amazonaws.com/");
    assert_eq!(
        req.body_text(),
        r#"{"ProductCode":"prod-123","Timestamp":1699999200,"UsageDimension":"Hosts","UsageQuantityAsDecimal":"12.5","ClientToken":"00000000-0000-4000-8000-000000000000"}"#
    );
    let h = &req.headers;
    assert_eq!(h.get("content-type"), Some("application/x-amz-json-1.1"));
    assert_eq!(h.get("x-amz-target"), Some("AWSMPMeteringService.MeterUsage"));
    assert_eq!(h.get("host"), Some("metering.marketplace.us-east-1.amazonaws.com"));
    assert_eq!(h.get("content-length"), Some(req.body.content_length().unwrap().to_string().as_str()));
    assert_eq!(h.get("x-amz-date"), Some("20231114T221320Z"));
    assert_eq!(h.get("amz-sdk-request"), Some("attempt=1; max=3"));
    assert!(h.get("user-agent").unwrap().contains("mpkit-metering/0.1.0"), "{:?}", h.get("user-agent"));
    let auth = h.get("authorization").unwrap();
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/aws-marketplace/aws4_request, \
             SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent, Signature="
        ),
        "{auth}"
    );
    assert_eq!(auth.rsplit('=').next().unwrap().len(), 64, "a hex SHA-256 signature");
}

#[tokio::test]
async fn missing_required_member_is_refused_before_sending() {
    let (client, replay) = client(vec![]);
    let err = client.meter_usage().product_code("p").usage_dimension("d").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    assert_eq!(DisplayErrorContext(&err).to_string(), "request not sent: `timestamp` was not set: MeterUsage requires it");
    assert!(replay.requests().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn batch_meter_usage_serialises_records_allocations_and_parses_results() {
    let response = r#"{"Results":[{"MeteringRecordId":"m1","Status":"Success","UsageRecord":{"Timestamp":1.7E9,"Dimension":"d","CustomerAWSAccountId":"123456789012","QuantityAsDecimal":"1.5"}},
        {"Status":"SomethingNew","UsageRecord":{"Timestamp":1700000000,"Dimension":"d"}}],"UnprocessedRecords":[],"Unknown":{"ignored":true}}"#;
    let (client, replay) = client(vec![json_response(200, response).into()]);
    let record = UsageRecord::builder()
        .timestamp(DateTime::from_secs(1_700_000_000))
        .customer_aws_account_id("123456789012")
        .license_arn("arn:aws:license-manager::123456789012:license:l-1")
        .dimension("d")
        .quantity_as_decimal("1.5")
        .usage_allocations(
            UsageAllocation::builder()
                .allocated_usage_quantity_as_decimal("1.5")
                .tags(Tag::builder().key("k").value("ü").build().unwrap())
                .build(),
        )
        .build()
        .unwrap();
    let out = client.batch_meter_usage().usage_records(record).send().await.unwrap();
    assert_eq!(
        body_json(&replay.single_request()),
        json!({"UsageRecords":[{"Timestamp":1700000000,"Dimension":"d","QuantityAsDecimal":"1.5",
            "UsageAllocations":[{"AllocatedUsageQuantityAsDecimal":"1.5","Tags":[{"Key":"k","Value":"ü"}]}],
            "CustomerAWSAccountId":"123456789012","LicenseArn":"arn:aws:license-manager::123456789012:license:l-1"}]})
    );
    let results = out.results();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].status(), Some(&UsageRecordResultStatus::Success));
    assert_eq!(results[0].usage_record().unwrap().timestamp(), &DateTime::from_secs(1_700_000_000));
    assert_eq!(results[0].usage_record().unwrap().quantity_as_decimal(), Some("1.5"));
    assert_eq!(results[1].status().unwrap().as_str(), "SomethingNew", "unknown values are kept");
    assert!(out.unprocessed_records().is_empty());
    assert_eq!(out.unprocessed_records.as_deref(), Some(&[][..]), "an empty list is not the same as no list");
}

/// BatchMeterUsage answers with the records it was sent, and the client
/// reuses the records' strings for the answer's equal ones (`StringPool`):
/// whatever the answer says (a record changed, members in another order,
/// escaped text, records missing or added, after a retried attempt) is what
/// the output holds.
#[tokio::test(start_paused = true)]
async fn batch_results_hold_what_the_answer_says_when_strings_are_reused() {
    let failed: Canned = json_response(500, r#"{"__type":"InternalServiceErrorException","message":"try again"}"#).into();
    let answer = r#"{"Results":[
        {"UsageRecord":{"Dimension":"d","CustomerAWSAccountId":"123456789012","Timestamp":1700000000,"QuantityAsDecimal":"1"},"MeteringRecordId":"d","Status":"Success"},
        {"MeteringRecordId":"m2","Status":"Success","UsageRecord":{"Timestamp":1700000001,"CustomerAWSAccountId":"123456789012","Dimension":"d","QuantityAsDecimal":"1"}},
        {"MeteringRecordId":"m3","Status":"Success","UsageRecord":{"Timestamp":1700000002,"CustomerAWSAccountId":"999999999999","Dimension":"other","QuantityAsDecimal":"1"}},
        {"MeteringRecordId":"m9","Status":"Success","UsageRecord":{"Timestamp":1700000009,"CustomerAWSAccountId":"123456789012","Dimension":"d","QuantityAsDecimal":"1"}}
    ],"UnprocessedRecords":[{"Timestamp":1700000004,"CustomerAWSAccountId":"123456789012","Dimension":"d","QuantityAsDecimal":"1"}]}"#;
    let (client, replay) = client(vec![failed, json_response(200, answer).into()]);
    let mut call = client.batch_meter_usage().product_code("d");
    for i in 0..5 {
        call = call.usage_records(record(i));
    }
    let out = call.send().await.unwrap();
    assert_eq!(replay.requests().len(), 2, "the first attempt failed and was retried");
    let seen: Vec<(&str, &str, &str, &str)> = out
        .results()
        .iter()
        .map(|r| {
            let u = r.usage_record().unwrap();
            (r.metering_record_id().unwrap(), u.customer_aws_account_id().unwrap(), u.dimension(), u.quantity_as_decimal().unwrap())
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("d", "123456789012", "d", "1"),
            ("m2", "123456789012", "d", "1"),
            ("m3", "999999999999", "other", "1"),
            ("m9", "123456789012", "d", "1"),
        ]
    );
    let unprocessed = &out.unprocessed_records()[0];
    assert_eq!((unprocessed.customer_aws_account_id(), unprocessed.dimension()), (Some("123456789012"), "d"));
    assert_eq!(out.results()[3].usage_record().unwrap().timestamp(), &DateTime::from_secs(1_700_000_009));
}

#[tokio::test]
async fn resolve_customer_reads_the_agreement_metadata() {
    let body = r#"{"CustomerIdentifier":"c","CustomerAWSAccountId":"123456789012","ProductCode":"p","LicenseArn":"arn:x","Metadata":{"AgreementId":"agmt-1"}}"#;
    let (client, _) = client(vec![json_response(200, body).into()]);
    let out = client.resolve_customer().registration_token("tok").send().await.unwrap();
    assert_eq!(out.customer_aws_account_id(), Some("123456789012"));
    assert_eq!(out.metadata().and_then(|m| m.agreement_id()), Some("agmt-1"));
}

#[tokio::test]
async fn register_usage_parses_fractional_timestamps() {
    let body = r#"{"PublicKeyRotationTimestamp":1700000000.25,"Signature":"jwt"}"#;
    let (client, replay) = client(vec![json_response(200, body).into()]);
    let out = client.register_usage().product_code("p").public_key_version(1).nonce("n").send().await.unwrap();
    assert_eq!(out.public_key_rotation_timestamp(), Some(&DateTime::from_millis(1_700_000_000_250)));
    assert_eq!(replay.single_request().body_text(), r#"{"ProductCode":"p","PublicKeyVersion":1,"Nonce":"n"}"#);
}

#[tokio::test]
async fn modeled_errors_are_typed_with_code_message_and_request_id() {
    let (client, replay) = client(vec![json_response(
        400,
        r#"{"__type":"com.amazonaws.marketplacemetering#InvalidProductCodeException","message":"no such product"}"#,
    )
    .into()]);
    let err = client.meter_usage().product_code("p").timestamp(DateTime::from_secs(0)).usage_dimension("d").send().await.unwrap_err();
    assert_eq!(replay.requests().len(), 1, "a client error is not retried");
    assert_eq!(err.code(), Some("InvalidProductCodeException"));
    assert_eq!(err.message(), Some("no such product"));
    assert_eq!(err.request_id(), Some("test-request-id"));
    assert_eq!(err.to_string(), "service error: InvalidProductCodeException: no such product (request id: test-request-id)");
    let service = err.into_service_error();
    assert!(service.is_invalid_product_code_exception());
    let crate_error: mpkit_metering::Error = service.into();
    assert!(matches!(crate_error, mpkit_metering::Error::InvalidProductCodeException(_)));
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_with_the_same_invocation_id_and_token() {
    let throttled = || -> Canned {
        let mut h = Headers::new();
        h.append("X-Amzn-Errortype", "ThrottlingException:http://internal");
        h.append("x-amzn-RequestId", "rid");
        HttpResponse::new(400, h, br#"{"Message":"slow down"}"#.to_vec()).into()
    };
    let (client, replay) = client(vec![throttled(), throttled(), throttled()]);
    let err = client.meter_usage().product_code("p").timestamp(DateTime::from_secs(0)).usage_dimension("d").send().await.unwrap_err();
    let requests = replay.requests();
    assert_eq!(requests.len(), 3);
    let attempts: Vec<_> = requests.iter().map(|r| r.headers.get("amz-sdk-request").unwrap().to_owned()).collect();
    assert_eq!(attempts, ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]);
    let ids: Vec<_> = requests.iter().map(|r| r.headers.get("amz-sdk-invocation-id").unwrap().to_owned()).collect();
    assert!(ids.iter().all(|i| i == &ids[0]), "one invocation id per call: {ids:?}");
    let bodies: Vec<_> = requests.iter().map(|r| r.body_text()).collect();
    assert!(bodies.iter().all(|b| b == &bodies[0]), "the idempotency token is reused by every attempt");
    let e = err.into_service_error();
    assert!(e.is_throttling_exception());
    assert_eq!(e.message(), Some("slow down"));
}

#[tokio::test(start_paused = true)]
async fn an_html_error_page_becomes_a_response_error_with_an_excerpt() {
    let html = || -> Canned { HttpResponse::new(502, Headers::new(), b"<html><body>Bad Gateway</body></html>".to_vec()).into() };
    let (client, replay) = client(vec![html(), html(), html()]);
    let err = client.resolve_customer().registration_token("t").send().await.unwrap_err();
    assert_eq!(replay.requests().len(), 3, "a 502 is retried");
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("HTTP 502 response is an error whose body is not JSON"), "{text}");
    assert!(text.contains("<html><body>Bad Gateway</body></html>"), "{text}");
}

#[tokio::test]
async fn a_malformed_success_body_is_a_typed_response_error() {
    let (client, _) = client(vec![json_response(200, r#"{"MeteringRecordId":42}"#).into()]);
    let err = client.meter_usage().product_code("p").timestamp(DateTime::from_secs(0)).usage_dimension("d").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    assert_eq!(
        DisplayErrorContext(&err).to_string(),
        "response could not be read: MeterUsageOutput.MeteringRecordId: expected a string, found a number"
    );
}

#[tokio::test]
async fn unknown_error_codes_keep_code_message_and_status() {
    let (client, _) = client(vec![json_response(400, r#"{"__type":"BrandNewException","message":"what is this"}"#).into()]);
    let err = client.resolve_customer().registration_token("t").send().await.unwrap_err();
    let e = err.into_service_error();
    assert_eq!(e.code(), Some("BrandNewException"));
    assert_eq!(e.message(), Some("what is this"));
    assert_eq!(e.meta().status(), Some(400));
}

#[tokio::test]
async fn idempotency_tokens_default_to_fresh_uuids() {
    let replay = ReplayClient::new(vec![json_response(200, "{}"), json_response(200, "{}")]);
    let config = mpkit_runtime::config::Config::builder()
        .region(mpkit_runtime::config::Region::new("us-east-1"))
        .credentials_provider(mpkit_runtime::credentials::Credentials::for_tests())
        .http_client(replay.clone())
        .build();
    let client = Client::from_conf(config);
    for _ in 0..2 {
        client.meter_usage().product_code("p").timestamp(DateTime::from_secs(0)).usage_dimension("d").send().await.unwrap();
    }
    let tokens: Vec<String> = replay.requests().iter().map(|r| body_json(r)["ClientToken"].as_str().unwrap().to_owned()).collect();
    assert_ne!(tokens[0], tokens[1]);
    assert_eq!(tokens[0].len(), 36);
}

fn record(i: i64) -> UsageRecord {
    UsageRecord::builder()
        .timestamp(DateTime::from_secs(1_700_000_000 + i))
        .customer_aws_account_id("123456789012")
        .dimension("d")
        .quantity_as_decimal("1")
        .build()
        .unwrap()
}

#[tokio::test]
async fn out_of_bounds_arguments_are_refused_before_sending() {
    let (client, replay) = client(vec![json_response(200, r#"{"Results":[]}"#).into()]);

    let mut too_many = client.batch_meter_usage();
    for i in 0..26 {
        too_many = too_many.usage_records(record(i));
    }
    let err = too_many.send().await.unwrap_err();
    assert_eq!(
        DisplayErrorContext(&err).to_string(),
        "request not sent: invalid value for `BatchMeterUsageInput.usage_records`: has 26 entries; at most 25 are allowed"
    );

    let err = client.register_usage().product_code("p").public_key_version(0).send().await.unwrap_err();
    assert_eq!(
        DisplayErrorContext(&err).to_string(),
        "request not sent: invalid value for `RegisterUsageInput.public_key_version`: is 0; the smallest value allowed is 1"
    );

    let empty_allocations = client
        .meter_usage()
        .product_code("p")
        .timestamp(DateTime::from_secs(0))
        .usage_dimension("d")
        .set_usage_allocations(Some(vec![]))
        .send()
        .await
        .unwrap_err();
    assert!(DisplayErrorContext(&empty_allocations)
        .to_string()
        .ends_with("`MeterUsageInput.usage_allocations`: is empty; at least 1 of its entries is required"));

    let long_key = Tag::builder().key("k".repeat(101)).value("v").build().unwrap();
    let allocation = UsageAllocation::builder().allocated_usage_quantity_as_decimal("1").tags(long_key).build();
    let nested = client.batch_meter_usage().usage_records(
        UsageRecord::builder().timestamp(DateTime::from_secs(0)).dimension("d").usage_allocations(allocation).build().unwrap(),
    );
    let err = nested.send().await.unwrap_err();
    assert!(DisplayErrorContext(&err).to_string().ends_with("`Tag.key`: has 101 characters; at most 100 are allowed"), "{err}");
    assert!(replay.requests().is_empty(), "nothing was sent");

    // Lengths count characters, not bytes: 25 records at the limit and a 255-character product code go out.
    let mut at_limit = client.batch_meter_usage().product_code("é".repeat(255));
    for i in 0..25 {
        at_limit = at_limit.usage_records(record(i));
    }
    at_limit.send().await.unwrap();
    assert_eq!(replay.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn non_json_empty_and_truncated_bodies_become_typed_errors() {
    let xml = r#"<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>nope</Message></Error>"#;
    let (c, replay) = client(vec![HttpResponse::new(403, Headers::new(), xml.as_bytes().to_vec()).into()]);
    let err = c.resolve_customer().registration_token("t").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("HTTP 403 response is an error whose body is not JSON") && text.contains("<Error><Code>AccessDenied"), "{text}");
    assert_eq!(replay.requests().len(), 1, "a 403 is not retried");

    let empty = || -> Canned { HttpResponse::new(500, Headers::new(), Vec::new()).into() };
    let (c, replay) = client(vec![empty(), empty(), empty()]);
    let err = c.resolve_customer().registration_token("t").send().await.unwrap_err();
    assert_eq!(replay.requests().len(), 3, "a 500 is retried");
    assert_eq!(err.to_string(), "service error: HTTP 500 with no error code or message (after 3 attempts)");
    assert_eq!(err.as_service_error().unwrap().meta().status(), Some(500));

    let (c, _) = client(vec![json_response(200, r#"{"MeteringRecordId":"trunc"#).into()]);
    let err = c.meter_usage().product_code("p").timestamp(DateTime::from_secs(0)).usage_dimension("d").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    assert!(
        DisplayErrorContext(&err).to_string().contains("HTTP 200 response is not JSON (invalid JSON at byte 26: unterminated string)"),
        "{err}"
    );
}

#[tokio::test]
async fn the_app_name_goes_into_both_user_agent_headers() {
    let replay = ReplayClient::new(vec![json_response(200, "{}")]);
    let config = test_config(&replay).to_builder().app_name(mpkit_metering::config::AppName::new("billing-daemon").unwrap()).build();
    Client::from_conf(config).resolve_customer().registration_token("t").send().await.unwrap();
    let req = replay.single_request();
    for header in ["user-agent", "x-amz-user-agent"] {
        let ua = req.headers.get(header).unwrap();
        assert!(ua.contains("mpkit-metering/0.1.0") && ua.ends_with("app/billing-daemon"), "{header}: {ua}");
    }
    assert!(mpkit_metering::config::AppName::new("has space").is_err());
}
