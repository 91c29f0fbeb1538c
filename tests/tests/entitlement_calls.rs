//! The generated Entitlement Service crate over real HTTP, in the protocol
//! it speaks by default (RPC v2 CBOR): `GetEntitlements` against a loopback
//! server that checks every signature and answers like the service, from a
//! small table of entitlements: filters (a key matches any of its values,
//! every key given must match), pages of `MaxResults`, and its documented
//! errors. Bodies are read and written with the test library's `cbor_json`,
//! which shares nothing with the runtime's CBOR.

use std::time::Duration;

use integration_tests::cbor_json;
use integration_tests::server::{Received, Reply, TestServer};
use mpkit_entitlement::config::retry::RetryConfig;
use mpkit_entitlement::config::{Credentials, Region};
use mpkit_entitlement::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use mpkit_entitlement::operation::get_entitlements::{GetEntitlementsError, GetEntitlementsOutput};
use mpkit_entitlement::primitives::DateTime;
use mpkit_entitlement::types::GetEntitlementFilterName;
use mpkit_entitlement::{Client, Config};
use serde_json::{json, Value};

const AKID: &str = "AKIDENTITLEMENT";
const SECRET: &str = "entitlement/secret";

/// The table the server answers from: customer account, dimension, license, value.
fn table() -> Vec<Value> {
    let row = |account: &str, dimension: &str, license: &str, value: Value| {
        json!({
            "ProductCode": "prod-1", "Dimension": dimension, "CustomerAWSAccountId": account,
            "LicenseArn": license, "Value": value, "ExpirationDate": 1_893_456_000.5,
        })
    };
    vec![
        row("111111111111", "seats", "arn:l-1", json!({"IntegerValue": 10})),
        row("111111111111", "storage_gb", "arn:l-1", json!({"DoubleValue": 0.1})),
        row("111111111111", "premium", "arn:l-1", json!({"BooleanValue": true})),
        row("222222222222", "seats", "arn:l-2", json!({"IntegerValue": 3})),
        row("222222222222", "tier", "arn:l-2", json!({"StringValue": "gold"})),
        row("333333333333", "storage_gb", "arn:l-3", json!({"DoubleValue": 1.0e300})),
    ]
}

/// Which field of a row a filter key compares.
fn field_of(key: &str) -> Option<&'static str> {
    Some(match key {
        "CUSTOMER_IDENTIFIER" => "CustomerIdentifier",
        "CUSTOMER_AWS_ACCOUNT_ID" => "CustomerAWSAccountId",
        "DIMENSION" => "Dimension",
        "LICENSE_ARN" => "LicenseArn",
        _ => return None,
    })
}

/// The path of an RPC v2 CBOR call of GetEntitlements.
const PATH: &str = "/service/AWSMPEntitlementService/operation/GetEntitlements";

fn invalid(message: &str) -> Reply {
    Reply::cbor(400, &json!({"__type": "com.amazonaws.marketplaceentitlementservice#InvalidParameterException", "message": message}))
}

/// The service's answer to one request. Page tokens are `page-N` with N
/// the index of the page's first row; an empty page that still has a
/// token (which the service documents) comes before the rows of account
/// 333333333333 when no filter is given.
fn answer(r: &Received) -> Reply {
    if r.target != PATH || r.header("smithy-protocol") != Some("rpc-v2-cbor") {
        return Reply::cbor(400, &json!({"__type": "UnknownOperationException"}));
    }
    let Some(input) = cbor_json::decode(&r.body) else { return invalid("the body is not CBOR") };
    if input["ProductCode"] != "prod-1" {
        return invalid("unknown product code");
    }
    let filter = input["Filter"].as_object().cloned().unwrap_or_default();
    if filter.contains_key("CUSTOMER_IDENTIFIER") && filter.contains_key("CUSTOMER_AWS_ACCOUNT_ID") {
        return invalid("CUSTOMER_IDENTIFIER and CUSTOMER_AWS_ACCOUNT_ID cannot be used together");
    }
    let mut rows = Vec::new();
    for row in table() {
        let matches = filter.iter().all(|(key, values)| match field_of(key) {
            Some(field) => values.as_array().is_some_and(|vs| vs.iter().any(|v| *v == row[field])),
            None => false,
        });
        if matches {
            rows.push(Some(row));
        }
    }
    if filter.is_empty() {
        rows.insert(5, None);
    }
    let start = match input["NextToken"].as_str() {
        None => 0,
        Some(t) => match t.strip_prefix("page-").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n <= rows.len() => n,
            _ => return invalid("the NextToken is not one this service gave"),
        },
    };
    let size = input["MaxResults"].as_u64().unwrap_or(25) as usize;
    let end = (start + size).min(rows.len());
    // The empty-page marker ends its page early, so the page is empty.
    let page: Vec<Value> = rows[start..end].iter().take_while(|r| r.is_some()).flatten().cloned().collect();
    let next = if page.is_empty() && start < rows.len() { start + 1 } else { start + page.len() };
    let mut out = json!({ "Entitlements": page });
    if next < rows.len() {
        out["NextToken"] = json!(format!("page-{next}"));
    }
    Reply::cbor(200, &out)
}

fn client_for(server: &TestServer) -> Client {
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "test"))
        .endpoint_url(server.url())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
        .build();
    Client::from_conf(config)
}

fn bodies(server: &TestServer) -> Vec<Value> {
    server.received().iter().map(|r| cbor_json::decode(&r.body).expect("a CBOR body")).collect()
}

#[tokio::test]
async fn the_paginator_follows_tokens_through_an_empty_page_to_the_last() {
    let server = TestServer::start((AKID, SECRET), answer).await;
    let client = client_for(&server);
    let pages: Vec<GetEntitlementsOutput> =
        client.get_entitlements().product_code("prod-1").into_paginator().page_size(2).send().try_collect().await.unwrap();

    let sizes: Vec<usize> = pages.iter().map(|p| p.entitlements().len()).collect();
    assert_eq!(sizes, [2, 2, 1, 0, 1], "the empty page in the middle does not end the listing");
    let accounts: Vec<&str> = pages.iter().flat_map(|p| p.entitlements()).map(|e| e.customer_aws_account_id().unwrap()).collect();
    assert_eq!(accounts, ["111111111111", "111111111111", "111111111111", "222222222222", "222222222222", "333333333333"]);
    assert_eq!(pages.last().unwrap().next_token(), None);

    let sent = bodies(&server);
    let tokens: Vec<Option<&str>> = sent.iter().map(|b| b["NextToken"].as_str()).collect();
    assert_eq!(tokens, [None, Some("page-2"), Some("page-4"), Some("page-5"), Some("page-6")]);
    assert!(sent.iter().all(|b| b["MaxResults"] == 2 && b["ProductCode"] == "prod-1"), "{sent:?}");
    for r in server.received() {
        assert_eq!(r.signature, Ok(()));
        assert_eq!(r.header("content-type"), Some("application/cbor"));
        assert_eq!(r.header("accept"), Some("application/cbor"));
        assert_eq!(r.header("x-amz-target"), None);
        assert!(r.header("authorization").unwrap().contains("/us-east-1/aws-marketplace/aws4_request"));
    }
}

#[tokio::test]
async fn filters_go_out_as_a_map_of_lists_and_every_value_type_comes_back() {
    let server = TestServer::start((AKID, SECRET), answer).await;
    let client = client_for(&server);
    let out = client
        .get_entitlements()
        .product_code("prod-1")
        .filter(GetEntitlementFilterName::CustomerAwsAccountId, vec!["111111111111".into(), "333333333333".into()])
        .filter(GetEntitlementFilterName::Dimension, vec!["storage_gb".into(), "premium".into()])
        .send()
        .await
        .unwrap();
    let sent = &bodies(&server)[0];
    assert_eq!(
        sent["Filter"],
        json!({"CUSTOMER_AWS_ACCOUNT_ID": ["111111111111", "333333333333"], "DIMENSION": ["storage_gb", "premium"]})
    );
    assert_eq!(sent.as_object().unwrap().len(), 2, "only what was set is sent: {sent}");

    let got: Vec<(&str, &str)> =
        out.entitlements().iter().map(|e| (e.customer_aws_account_id().unwrap(), e.dimension().unwrap())).collect();
    assert_eq!(got, [("111111111111", "storage_gb"), ("111111111111", "premium"), ("333333333333", "storage_gb")]);
    let values: Vec<_> = out.entitlements().iter().map(|e| e.value().unwrap()).collect();
    assert_eq!(values[0].double_value(), Some(0.1));
    assert_eq!(values[0].integer_value(), None);
    assert_eq!(values[1].boolean_value(), Some(true));
    assert_eq!(values[2].double_value(), Some(1.0e300));
    let first = &out.entitlements()[0];
    assert_eq!(first.expiration_date(), Some(&DateTime::from_millis(1_893_456_000_500)));
    assert_eq!(first.license_arn(), Some("arn:l-1"));
    assert_eq!(first.product_code(), Some("prod-1"));

    let strings = client
        .get_entitlements()
        .product_code("prod-1")
        .filter(GetEntitlementFilterName::LicenseArn, vec!["arn:l-2".into()])
        .send()
        .await
        .unwrap();
    let values: Vec<_> = strings.entitlements().iter().map(|e| e.value().unwrap()).collect();
    assert_eq!((values[0].integer_value(), values[1].string_value()), (Some(3), Some("gold")));
}

#[tokio::test]
async fn the_services_errors_are_typed_and_throttling_is_retried() {
    let server = TestServer::start((AKID, SECRET), answer).await;
    let client = client_for(&server);
    let err = client
        .get_entitlements()
        .product_code("prod-1")
        .filter(GetEntitlementFilterName::CustomerIdentifier, vec!["c-1".into()])
        .filter(GetEntitlementFilterName::CustomerAwsAccountId, vec!["111111111111".into()])
        .send()
        .await
        .unwrap_err();
    let service = err.as_service_error().expect("a service error");
    assert!(matches!(service, GetEntitlementsError::InvalidParameterException(_)), "{service:?}");
    assert_eq!(service.message(), Some("CUSTOMER_IDENTIFIER and CUSTOMER_AWS_ACCOUNT_ID cannot be used together"));
    assert!(DisplayErrorContext(&err).to_string().contains("InvalidParameterException"), "{}", DisplayErrorContext(&err));
    assert_eq!(server.received().len(), 1, "an invalid parameter is not retried");

    let calls = std::sync::atomic::AtomicUsize::new(0);
    let throttled = TestServer::start((AKID, SECRET), move |r| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Reply::cbor(400, &json!({"__type": "com.amazonaws.marketplaceentitlementservice#ThrottlingException", "message": "slow down"}))
        } else {
            answer(r)
        }
    })
    .await;
    let out = client_for(&throttled).get_entitlements().product_code("prod-1").max_results(1).send().await.unwrap();
    assert_eq!(out.entitlements().len(), 1);
    assert_eq!(throttled.received().len(), 2, "the throttled attempt was retried once");

    let unknown = client.get_entitlements().product_code("prod-1").next_token("forged").send().await.unwrap_err();
    assert!(matches!(unknown.as_service_error(), Some(GetEntitlementsError::InvalidParameterException(_))), "{unknown:?}");
}

#[tokio::test]
async fn inputs_that_break_the_model_are_refused_before_sending() {
    let server = TestServer::start((AKID, SECRET), answer).await;
    let client = client_for(&server);
    let refused = [
        (client.get_entitlements().max_results(5).send().await.unwrap_err(), "product_code"),
        (client.get_entitlements().product_code("prod-1").max_results(26).send().await.unwrap_err(), "max_results"),
        (client.get_entitlements().product_code("").send().await.unwrap_err(), "product_code"),
        (
            client.get_entitlements().product_code("prod-1").filter(GetEntitlementFilterName::Dimension, vec![]).send().await.unwrap_err(),
            "filter",
        ),
    ];
    for (err, member) in refused {
        assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
        let text = DisplayErrorContext(&err).to_string();
        assert!(text.contains(member), "the error names `{member}`: {text}");
    }
    assert!(server.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn an_answer_without_the_smithy_protocol_header_is_malformed_and_a_proxys_503_is_retried() {
    // A CBOR body that would parse, but without `Smithy-Protocol`: not this protocol's answer.
    let server = TestServer::start((AKID, SECRET), |_| {
        let mut reply = Reply::cbor(200, &json!({"Entitlements": []}));
        reply.headers.retain(|(name, _)| name != "smithy-protocol");
        reply
    })
    .await;
    let err = client_for(&server).get_entitlements().product_code("prod-1").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("has no `Smithy-Protocol: rpc-v2-cbor` header"), "{text}");
    assert_eq!(server.received().len(), 1, "a 200 is not retried");

    // A load balancer's HTML page: retried as its status says, then reported with an excerpt.
    let proxy = TestServer::start((AKID, SECRET), |_| Reply {
        status: 503,
        headers: vec![("content-type".into(), "text/html".into())],
        body: b"<html><body>Service Unavailable</body></html>".to_vec(),
    })
    .await;
    let err = client_for(&proxy).get_entitlements().product_code("prod-1").send().await.unwrap_err();
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("HTTP 503") && text.contains("Service Unavailable"), "{text}");
    assert_eq!(proxy.received().len(), 3, "retried up to the standard three attempts");
}
