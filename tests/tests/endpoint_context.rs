//! Endpoints that depend on the call, through the golden endpoint-context
//! crate: `@staticContextParams`, `@contextParam` and `@operationContextParams`
//! choose the host; the endpoint's `authSchemes` choose the signing name and
//! region (and an endpoint that accepts only SigV4a is refused before
//! anything is sent); and paginators whose tokens are maps and whose items
//! are a sparse list or a map.

use golden_endpoint_context::types::{Get, TransactItem};
use golden_endpoint_context::Client;
use mpkit_runtime::config::{Config, Region, StaticTimeSource};
use mpkit_runtime::credentials::Credentials;
use mpkit_runtime::test_util::{json_response, Canned, ReplayClient};
use std::time::{Duration, UNIX_EPOCH};

fn client(answers: Vec<Canned>) -> (Client, ReplayClient) {
    let replay = ReplayClient::new(answers);
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .time_source(StaticTimeSource(UNIX_EPOCH + Duration::from_secs(1_700_000_000)))
        .http_client(replay.clone())
        .build();
    (Client::from_conf(config), replay)
}

fn ok(body: &str) -> Canned {
    json_response(200, body).into()
}

#[tokio::test]
async fn a_member_and_a_static_parameter_pick_the_host_and_the_endpoint_picks_the_signing_scope() {
    let (c, replay) = client(vec![ok(r#"{"Records":["r1"]}"#)]);
    let out = c.get_records().stream_arn("arn:aws:routed:eu-west-1:123456789012:stream/orders").send().await.unwrap();
    assert_eq!(out.records(), ["r1"]);
    let request = replay.single_request();
    assert_eq!(request.uri, "https://123456789012.data-routed.us-east-1.amazonaws.com/");
    assert_eq!(request.headers.get("host"), Some("123456789012.data-routed.us-east-1.amazonaws.com"));
    // The endpoint's header, and SigV4 (its first scheme, SigV4a, is not implemented) with its name and region.
    assert_eq!(request.headers.get("x-routed-stream"), Some("orders"));
    let auth = request.headers.get("authorization").unwrap();
    assert!(auth.contains("/20231114/eu-west-1/routed-data/aws4_request"), "{auth}");
}

#[tokio::test]
async fn without_the_member_the_call_goes_to_the_regional_endpoint_signed_as_the_service() {
    let (c, replay) = client(vec![ok("{}")]);
    c.get_records().send().await.unwrap();
    let request = replay.single_request();
    assert_eq!(request.uri, "https://routed.us-east-1.amazonaws.com/");
    assert!(request.headers.get("authorization").unwrap().contains("/20231114/us-east-1/routed/aws4_request"));
}

#[tokio::test]
async fn operation_context_paths_read_map_keys_and_list_projections() {
    let (c, replay) = client(vec![ok("{}"), ok("{}")]);
    c.batch_get().request_items("orders", vec!["k".to_owned()]).send().await.unwrap();
    let item = |t: &str| TransactItem::builder().get(Get::builder().table_name(t).build()).build();
    c.transact_get().items(TransactItem::builder().build()).items(item("ledger")).items(item("other")).send().await.unwrap();
    let uris: Vec<String> = replay.requests().into_iter().map(|r| r.uri).collect();
    // The item without a Get is skipped by the projection, as JMESPath skips nulls.
    assert_eq!(uris, ["https://orders.routed.us-east-1.amazonaws.com/", "https://ledger.routed.us-east-1.amazonaws.com/"]);
}

#[tokio::test]
async fn an_endpoint_that_accepts_only_sigv4a_is_refused_before_sending() {
    let (c, replay) = client(vec![]);
    let err = c.broadcast().send().await.unwrap_err();
    let text = format!("{}", mpkit_runtime::error::DisplayErrorContext(&err));
    assert!(text.contains("sigv4a") && text.contains("https://global.routed.amazonaws.com"), "{text}");
    assert!(replay.requests().is_empty());
}

#[tokio::test]
async fn a_map_token_goes_back_as_it_came_and_sparse_items_keep_their_nulls() {
    let (c, replay) = client(vec![
        ok(r#"{"Items":["a",null],"LastEvaluatedKey":{"pk":{"S":"a"},"n":{"N":"1"}}}"#),
        ok(r#"{"Items":["b"],"LastEvaluatedKey":{}}"#),
    ]);
    let items: Vec<Option<String>> = c.scan().into_paginator().page_size(2).items().send().try_collect().await.unwrap();
    assert_eq!(items, [Some("a".to_owned()), None, Some("b".to_owned())]);
    let bodies: Vec<serde_json::Value> = replay.requests().iter().map(|r| serde_json::from_str(&r.body_text()).unwrap()).collect();
    assert_eq!(bodies[0], serde_json::json!({"Limit": 2}));
    assert_eq!(bodies[1], serde_json::json!({"ExclusiveStartKey": {"pk": {"S": "a"}, "n": {"N": "1"}}, "Limit": 2}));
    // An empty key ends the stream as an absent one does.
    assert_eq!(bodies.len(), 2);
}

#[tokio::test]
async fn map_items_come_as_key_value_pairs() {
    let (c, _) = client(vec![ok(r#"{"Problems":{"disk":["full"]},"NextToken":"t"}"#), ok(r#"{"Problems":{"net":["down","slow"]}}"#)]);
    let mut items: Vec<(String, Vec<String>)> = c.list_problems().into_paginator().items().send().try_collect().await.unwrap();
    items.sort();
    assert_eq!(items, [("disk".to_owned(), vec!["full".to_owned()]), ("net".to_owned(), vec!["down".to_owned(), "slow".to_owned()])]);
}
