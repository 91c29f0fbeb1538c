//! The Entitlement Service ports from the official crate by the rename: one
//! program, written as a seller writes it with aws-config (an `SdkConfig`,
//! `Client::new`, a filtered `GetEntitlements` paged through its
//! paginator, a typed error), compiled against the official
//! aws-sdk-marketplaceentitlement and against ours, run against one loopback
//! service that checks every signature; both must see the same pages. And
//! every getter of the official crate has its signature in ours.
//!
//! The model lists two protocols, and the two crates pick differently: the
//! official 1.126 speaks rpcv2Cbor, ours awsJson1_1 (the service answers
//! both). The loopback service answers each request in the protocol it came
//! in, with the small CBOR reader and writer at the end of this file, and
//! the test compares what both crates asked for as decoded values.

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use integration_tests::server::{Received, Reply, TestServer};
use serde_json::{json, Value};

const AKID: &str = "AKIDPORT";
const SECRET: &str = "port/secret";

/// The request's input, whichever protocol it came in.
fn input_of(r: &Received) -> Value {
    if is_cbor(r) {
        cbor::decode(&r.body).unwrap_or_else(|| panic!("a CBOR body: {:02x?}", r.body))
    } else {
        serde_json::from_slice(&r.body).expect("a JSON body")
    }
}

fn is_cbor(r: &Received) -> bool {
    r.header("smithy-protocol") == Some("rpc-v2-cbor")
}

/// `body` in the protocol `r` came in.
fn reply(r: &Received, status: u16, body: Value) -> Reply {
    if !is_cbor(r) {
        return Reply::json(status, &body.to_string());
    }
    let mut reply = Reply::json(status, "");
    reply.headers = vec![
        ("content-type".into(), "application/cbor".into()),
        ("smithy-protocol".into(), "rpc-v2-cbor".into()),
        ("x-amzn-requestid".into(), "loopback-request-id".into()),
    ];
    reply.body = cbor::encode(&body);
    reply
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
    assert!(our_side.iter().all(|r| r.header("x-amz-target") == Some("AWSMPEntitlementService.GetEntitlements")));
    assert!(our_side.iter().all(|r| r.header("content-type") == Some("application/x-amz-json-1.1")));
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

/// The part of CBOR (RFC 8949) these answers and the official crate's
/// requests use: integers, strings, arrays and maps (of known length when
/// written; the official crate writes them of indefinite length), booleans,
/// null, doubles, and tag 1 (a timestamp) around a number.
mod cbor {
    use serde_json::{Map, Number, Value};

    /// `v` as CBOR; members named `ExpirationDate` are timestamps (tag 1).
    pub fn encode(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, v);
        out
    }

    fn head(out: &mut Vec<u8>, major: u8, n: u64) {
        let m = major << 5;
        match n {
            0..=23 => out.push(m | n as u8),
            24..=0xff => out.extend([m | 24, n as u8]),
            0x100..=0xffff => {
                out.push(m | 25);
                out.extend((n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(m | 26);
                out.extend((n as u32).to_be_bytes());
            }
            _ => {
                out.push(m | 27);
                out.extend(n.to_be_bytes());
            }
        }
    }

    fn write(out: &mut Vec<u8>, v: &Value) {
        match v {
            Value::Null => out.push(0xf6),
            Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => head(out, 0, u),
                (None, Some(i)) => head(out, 1, (-1 - i) as u64),
                _ => {
                    out.push(0xfb);
                    out.extend(n.as_f64().unwrap_or(f64::NAN).to_be_bytes());
                }
            },
            Value::String(s) => {
                head(out, 3, s.len() as u64);
                out.extend(s.as_bytes());
            }
            Value::Array(items) => {
                head(out, 4, items.len() as u64);
                items.iter().for_each(|i| write(out, i));
            }
            Value::Object(map) => {
                head(out, 5, map.len() as u64);
                for (k, v) in map {
                    write(out, &Value::String(k.clone()));
                    if k == "ExpirationDate" {
                        out.push(0xc1);
                    }
                    write(out, v);
                }
            }
        }
    }

    /// A whole CBOR item as a JSON value (timestamps as their number).
    pub fn decode(bytes: &[u8]) -> Option<Value> {
        let mut at = 0;
        let v = read(bytes, &mut at, 0)?;
        (at == bytes.len()).then_some(v)
    }

    fn read(b: &[u8], at: &mut usize, depth: usize) -> Option<Value> {
        if depth > 32 {
            return None;
        }
        let first = *b.get(*at)?;
        *at += 1;
        let (major, info) = (first >> 5, first & 0x1f);
        if info == 31 && (major == 4 || major == 5) {
            // Items until the 0xff "break".
            let mut items = Vec::new();
            while *b.get(*at)? != 0xff {
                items.push(read(b, at, depth + 1)?);
            }
            *at += 1;
            return Some(if major == 4 {
                Value::Array(items)
            } else {
                let mut map = Map::new();
                let mut it = items.into_iter();
                while let Some(k) = it.next() {
                    let Value::String(k) = k else { return None };
                    map.insert(k, it.next()?);
                }
                Value::Object(map)
            });
        }
        let mut take = |n: usize| -> Option<&[u8]> {
            let s = b.get(*at..*at + n)?;
            *at += n;
            Some(s)
        };
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(take(1)?[0]),
            25 => u64::from(u16::from_be_bytes(take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(take(8)?.try_into().ok()?),
            _ => return None,
        };
        Some(match major {
            0 => Value::from(arg),
            1 => Value::from(-1 - i64::try_from(arg).ok()?),
            3 => Value::String(String::from_utf8(take(usize::try_from(arg).ok()?)?.to_vec()).ok()?),
            4 => Value::Array((0..arg).map(|_| read(b, at, depth + 1)).collect::<Option<_>>()?),
            5 => {
                let mut map = Map::new();
                for _ in 0..arg {
                    let Value::String(k) = read(b, at, depth + 1)? else { return None };
                    map.insert(k, read(b, at, depth + 1)?);
                }
                Value::Object(map)
            }
            6 => read(b, at, depth + 1)?,
            7 => match (info, arg) {
                (20, _) => Value::Bool(false),
                (21, _) => Value::Bool(true),
                (22, _) => Value::Null,
                (27, bits) => Value::Number(Number::from_f64(f64::from_bits(bits))?),
                (26, bits) => Value::Number(Number::from_f64(f64::from(f32::from_bits(bits as u32)))?),
                _ => return None,
            },
            _ => return None,
        })
    }

    #[test]
    fn round_trips_what_the_test_sends() {
        let v = serde_json::json!({"a": [1, -2, 2.5, true, null, "x"], "ExpirationDate": 1893456000, "m": {}});
        let mut bytes = encode(&v);
        assert_eq!(decode(&bytes), Some(v));
        bytes.push(0);
        assert_eq!(decode(&bytes), None, "trailing bytes");
        // {"a": [1]} with both of indefinite length, as the official crate writes them.
        assert_eq!(decode(&[0xbf, 0x61, b'a', 0x9f, 0x01, 0xff, 0xff]), Some(serde_json::json!({"a": [1]})));
        assert_eq!(decode(&[0xbf, 0x61, b'a', 0xff]), None, "a key without a value");
    }
}
