//! The Entitlement Service ports from the official crate by the rename: one
//! program, written as a seller writes it with aws-config (an `SdkConfig`,
//! `Client::new`, a filtered `GetEntitlements` paged through its
//! paginator, a typed error), compiled against the official
//! aws-sdk-marketplaceentitlement and against ours, run against one loopback
//! service that checks every signature; both must see the same pages. And
//! every getter of the official crate has its signature in ours.
//!
//! The model lists two protocols; both crates speak RPC v2 CBOR, as AWS
//! tells SDKs to prefer it (ours can be generated for awsJson1_1 instead).
//! The loopback service answers each request in the protocol it came in
//! (the CBOR through the test library's `cbor_json`), and the test compares
//! what both crates asked for as decoded values.

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use integration_tests::cbor_json;
use integration_tests::server::{Received, Reply, TestServer};
use serde_json::{json, Value};

const AKID: &str = "AKIDPORT";
const SECRET: &str = "port/secret";

/// The request's input, whichever protocol it came in.
fn input_of(r: &Received) -> Value {
    if is_cbor(r) {
        cbor_json::decode(&r.body).unwrap_or_else(|| panic!("a CBOR body: {:02x?}", r.body))
    } else {
        serde_json::from_slice(&r.body).expect("a JSON body")
    }
}

fn is_cbor(r: &Received) -> bool {
    r.header("smithy-protocol") == Some("rpc-v2-cbor")
}

/// `body` in the protocol `r` came in.
fn reply(r: &Received, status: u16, body: Value) -> Reply {
    if is_cbor(r) {
        Reply::cbor(status, &body)
    } else {
        Reply::json(status, &body.to_string())
    }
}

/// Three entitlements of account 111122223333, one a page, then an error
/// for a request that names a customer both ways.
fn answer(r: &Received) -> Reply {
    let input = input_of(r);
    let filter = &input["Filter"];
    if filter.get("CUSTOMER_IDENTIFIER").is_some() && filter.get("CUSTOMER_AWS_ACCOUNT_ID").is_some() {
        return reply(r, 400, json!({"__type": "InvalidParameterException", "message": "one customer filter at a time"}));
    }
    let pages = [
        json!({"Entitlements": [{"Dimension": "seats", "CustomerAWSAccountId": "111122223333", "Value": {"IntegerValue": 10},
                                  "ExpirationDate": 1893456000}], "NextToken": "t2"}),
        json!({"Entitlements": [], "NextToken": "t3"}),
        json!({"Entitlements": [{"Dimension": "storage", "Value": {"DoubleValue": 2.5}, "LicenseArn": "arn:l"},
                                 {"Dimension": "premium", "Value": {"BooleanValue": true}},
                                 {"Dimension": "tier", "Value": {"StringValue": "gold"}}]}),
    ];
    let page = match input["NextToken"].as_str() {
        None => 0,
        Some("t2") => 1,
        Some("t3") => 2,
        Some(_) => return reply(r, 400, json!({"__type": "InvalidParameterException", "message": "bad token"})),
    };
    reply(r, 200, pages[page].clone())
}

/// What a seller's program does with crate `$c`: the pages it saw, as text
/// both crates print alike, and the code and message of the error.
macro_rules! seller_program {
    ($c:ident, $url:expr) => {
        async {
            let config = aws_config::defaults(BehaviorVersion::latest())
                .region("us-east-1")
                .credentials_provider(Credentials::new(AKID, SECRET, None, None, "test"))
                .endpoint_url($url)
                .load()
                .await;
            let client = $c::Client::new(&config);
            let pages = client
                .get_entitlements()
                .product_code("prod-1")
                .filter($c::types::GetEntitlementFilterName::CustomerAwsAccountId, vec!["111122223333".to_owned()])
                .into_paginator()
                .page_size(1)
                .send()
                .try_collect()
                .await?;
            let mut seen = Vec::new();
            for page in &pages {
                for e in page.entitlements() {
                    let v = e.value();
                    seen.push(format!(
                        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                        e.dimension(),
                        e.customer_aws_account_id(),
                        v.and_then(|v| v.integer_value()),
                        v.and_then(|v| v.double_value()),
                        v.and_then(|v| v.boolean_value()),
                        v.and_then(|v| v.string_value()),
                        e.expiration_date().map(|d| d.secs()),
                        e.license_arn(),
                    ));
                }
                seen.push(format!("page ends, next {:?}", page.next_token()));
            }
            let err = client
                .get_entitlements()
                .product_code("prod-1")
                .filter($c::types::GetEntitlementFilterName::CustomerIdentifier, vec!["c-1".to_owned()])
                .filter($c::types::GetEntitlementFilterName::CustomerAwsAccountId, vec!["111122223333".to_owned()])
                .send()
                .await
                .expect_err("two customer filters are refused")
                .into_service_error();
            use $c::error::ProvideErrorMetadata;
            seen.push(format!("{} {:?} {:?}", err.is_invalid_parameter_exception(), err.code(), err.message()));
            Ok::<_, $c::Error>(seen)
        }
    };
}

#[tokio::test]
async fn a_seller_program_sees_the_same_pages_through_both_crates() {
    let server = TestServer::start((AKID, SECRET), answer).await;
    let theirs = seller_program!(official_entitlement, server.url()).await.expect("the official crate's listing");
    let official_requests = server.received().len();
    let mine = seller_program!(ours_entitlement, server.url()).await.expect("our listing");
    assert_eq!(mine, theirs);
    assert_eq!(
        theirs,
        [
            r#"Some("seats") Some("111122223333") Some(10) None None None Some(1893456000) None"#,
            r#"page ends, next Some("t2")"#,
            "page ends, next Some(\"t3\")",
            r#"Some("storage") None None Some(2.5) None None None Some("arn:l")"#,
            r#"Some("premium") None None None Some(true) None None None"#,
            r#"Some("tier") None None None None Some("gold") None None"#,
            "page ends, next None",
            r#"true Some("InvalidParameterException") Some("one customer filter at a time")"#,
        ]
    );
    let received = server.received();
    assert_eq!(received.len(), 2 * official_requests, "both crates made the same calls");
    for r in &received {
        assert_eq!(r.signature, Ok(()), "signed with the SdkConfig's key");
    }
    let (official_side, our_side) = received.split_at(official_requests);
    assert!(official_side.iter().all(is_cbor), "the official crate speaks rpcv2Cbor");
    assert!(official_side.iter().all(|r| r.target == "/service/AWSMPEntitlementService/operation/GetEntitlements"));
    assert!(our_side.iter().all(is_cbor), "ours speaks rpcv2Cbor too");
    assert!(our_side.iter().all(|r| r.target == "/service/AWSMPEntitlementService/operation/GetEntitlements"));
    assert!(our_side.iter().all(|r| r.header("content-type") == Some("application/cbor") && r.header("x-amz-target").is_none()));
    let inputs = |side: &[Received]| side.iter().map(input_of).collect::<Vec<_>>();
    assert_eq!(inputs(official_side), inputs(our_side), "both crates asked for the same things");
}

macro_rules! every_official_getter {
    ($c:ident) => {{
        use std::collections::HashMap;
        let _: fn(&$c::operation::get_entitlements::GetEntitlementsInput) -> Option<&str> =
            $c::operation::get_entitlements::GetEntitlementsInput::product_code;
        let _: fn(
            &$c::operation::get_entitlements::GetEntitlementsInput,
        ) -> Option<&HashMap<$c::types::GetEntitlementFilterName, Vec<String>>> =
            $c::operation::get_entitlements::GetEntitlementsInput::filter;
        let _: fn(&$c::operation::get_entitlements::GetEntitlementsInput) -> Option<&str> =
            $c::operation::get_entitlements::GetEntitlementsInput::next_token;
        let _: fn(&$c::operation::get_entitlements::GetEntitlementsInput) -> Option<i32> =
            $c::operation::get_entitlements::GetEntitlementsInput::max_results;
        let _: fn(&$c::operation::get_entitlements::GetEntitlementsOutput) -> &[$c::types::Entitlement] =
            $c::operation::get_entitlements::GetEntitlementsOutput::entitlements;
        let _: fn(&$c::operation::get_entitlements::GetEntitlementsOutput) -> Option<&str> =
            $c::operation::get_entitlements::GetEntitlementsOutput::next_token;
        let _: fn(&$c::types::Entitlement) -> Option<&str> = $c::types::Entitlement::product_code;
        let _: fn(&$c::types::Entitlement) -> Option<&str> = $c::types::Entitlement::dimension;
        let _: fn(&$c::types::Entitlement) -> Option<&str> = $c::types::Entitlement::customer_identifier;
        let _: fn(&$c::types::Entitlement) -> Option<&str> = $c::types::Entitlement::customer_aws_account_id;
        let _: fn(&$c::types::Entitlement) -> Option<&$c::types::EntitlementValue> = $c::types::Entitlement::value;
        let _: fn(&$c::types::Entitlement) -> Option<&$c::primitives::DateTime> = $c::types::Entitlement::expiration_date;
        let _: fn(&$c::types::Entitlement) -> Option<&str> = $c::types::Entitlement::license_arn;
        let _: fn(&$c::types::EntitlementValue) -> Option<i32> = $c::types::EntitlementValue::integer_value;
        let _: fn(&$c::types::EntitlementValue) -> Option<f64> = $c::types::EntitlementValue::double_value;
        let _: fn(&$c::types::EntitlementValue) -> Option<bool> = $c::types::EntitlementValue::boolean_value;
        let _: fn(&$c::types::EntitlementValue) -> Option<&str> = $c::types::EntitlementValue::string_value;
        let _: fn(&$c::types::GetEntitlementFilterName) -> &str = $c::types::GetEntitlementFilterName::as_str;
        let _: fn(&$c::types::error::InternalServiceErrorException) -> Option<&str> =
            $c::types::error::InternalServiceErrorException::message;
        let _: fn(&$c::types::error::InvalidParameterException) -> Option<&str> = $c::types::error::InvalidParameterException::message;
        let _: fn(&$c::types::error::ThrottlingException) -> Option<&str> = $c::types::error::ThrottlingException::message;
    }};
}

#[test]
fn every_official_getter_has_its_signature_in_ours() {
    every_official_getter!(official_entitlement);
    every_official_getter!(ours_entitlement);
}
