//! The golden `query_compatible` crate (tests/data/fixtures/query_compatible.json)
//! over real HTTP: an awsJson1_0 service that moved from awsQuery
//! (`@awsQueryCompatible`, errors with `@awsQueryError`), an operation with
//! an `@endpoint` host prefix of two `@hostLabel` members, an
//! `@idempotencyToken` at the top of the input and another nested in a list
//! element, and not one line of documentation in the model.
//!
//! The loopback server is reached as a plain-HTTP proxy, so the prefixed host
//! (`111122223333.us-west-2.queues.svc.example`) needs no DNS: the request
//! carries it in its `Host` header, which the server's signature check covers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use golden_query_compatible::config::retry::RetryConfig;
use golden_query_compatible::config::{Credentials, ProxyConfig, Region};
use golden_query_compatible::error::{ProvideErrorMetadata, SdkError};
use golden_query_compatible::operation::send_message::SendMessageError;
use golden_query_compatible::types::Attribute;
use golden_query_compatible::{Client, Config};
use integration_tests::server::{Received, Reply, TestServer};
use serde_json::{json, Value};

const AKID: &str = "AKIDQUERY";
const SECRET: &str = "query/secret";

fn client_via(proxy: &TestServer) -> Client {
    let config = Config::builder()
        .region(Region::new("us-west-2"))
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "test"))
        .endpoint_url("http://svc.example")
        .proxy(ProxyConfig::none().http(&proxy.url()).unwrap())
        .idempotency_token_provider(|| "generated-token".to_owned())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
        .build();
    Client::from_conf(config)
}

fn error(status: u16, type_code: &str, query: Option<&str>, message: &str) -> Reply {
    let mut reply = Reply::json(status, &json!({"__type": type_code, "message": message}).to_string());
    if let Some(q) = query {
        reply.headers.push(("x-amzn-query-error".into(), q.into()));
    }
    reply
}

fn body(r: &Received) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[tokio::test]
async fn requests_carry_the_query_mode_header_the_host_prefix_and_only_the_top_level_token() {
    let server = TestServer::start((AKID, SECRET), |r| match r.header("x-amz-target") {
        Some("Queues.SendMessage") => Reply::json(200, r#"{"MessageId":"m-1"}"#),
        Some("Queues.Ping") => Reply::json(200, ""),
        _ => error(400, "UnknownOperationException", None, "no such operation"),
    })
    .await;
    let client = client_via(&server);
    let out = client
        .send_message()
        .account("111122223333")
        .region("us-west-2")
        .body("hello")
        .attributes(Attribute::builder().name("a").build().unwrap())
        .attributes(Attribute::builder().name("b").nonce("caller-set").build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(out.message_id(), Some("m-1"));
    client.ping().send().await.unwrap();

    let received = server.received();
    let sent = &received[0];
    assert_eq!(sent.signature, Ok(()));
    assert_eq!(sent.header("host"), Some("111122223333.us-west-2.queues.svc.example"));
    assert_eq!(sent.header("x-amzn-query-mode"), Some("true"));
    assert_eq!(sent.header("content-type"), Some("application/x-amz-json-1.0"));
    assert!(
        sent.header("authorization").unwrap().contains("SignedHeaders=")
            && sent.header("authorization").unwrap().contains("x-amzn-query-mode")
    );
    assert_eq!(
        body(sent),
        json!({
            "Account": "111122223333", "Region": "us-west-2", "Body": "hello",
            "Attributes": [{"Name": "a"}, {"Name": "b", "Nonce": "caller-set"}],
            "DeduplicationId": "generated-token",
        }),
        "the top-level token is filled in; the nested one is a plain member (Smithy: only top-level input members are tokens)"
    );
    let ping = &received[1];
    assert_eq!(ping.header("host"), Some("svc.example"), "an operation without @endpoint has no prefix");
    assert_eq!(ping.header("x-amzn-query-mode"), Some("true"), "every request of the service says so");
}

#[tokio::test]
async fn errors_are_recognised_by_their_query_code_and_their_shape_name() {
    let answers = [
        error(400, "QueueDoesNotExist", Some("AWS.SimpleQueueService.NonExistentQueue;Sender"), "gone"),
        error(400, "com.other#SomethingElse", Some("AWS.SimpleQueueService.NonExistentQueue;Sender"), "by header"),
        error(400, "QueueDoesNotExist", None, "no header"),
        error(400, "Invalid", Some("Invalid;Sender"), "plain"),
        error(400, "NotModeled", Some("AWS.Other.Code;Receiver"), "unknown"),
    ];
    let calls = AtomicUsize::new(0);
    let server = TestServer::start((AKID, SECRET), move |_| answers[calls.fetch_add(1, Ordering::SeqCst)].clone()).await;
    let client = client_via(&server);
    let send = || client.send_message().account("a1").region("r1").send();

    let err = send().await.unwrap_err();
    let e = err.as_service_error().unwrap();
    assert!(matches!(e, SendMessageError::QueueDoesNotExist(_)), "{e:?}");
    assert_eq!((e.code(), e.message()), (Some("AWS.SimpleQueueService.NonExistentQueue"), Some("gone")), "callers see the query code");

    let e = send().await.unwrap_err().into_service_error();
    assert!(e.is_queue_does_not_exist(), "the header's code alone picks the variant: {e:?}");

    let e = send().await.unwrap_err().into_service_error();
    assert!(e.is_queue_does_not_exist(), "without the header the shape name does: {e:?}");
    assert_eq!(e.code(), Some("QueueDoesNotExist"));

    let e = send().await.unwrap_err().into_service_error();
    assert!(e.is_invalid(), "{e:?}");

    let e = send().await.unwrap_err().into_service_error();
    assert!(!e.is_invalid() && !e.is_queue_does_not_exist(), "{e:?}");
    assert_eq!(e.code(), Some("AWS.Other.Code"));
    assert_eq!(server.received().len(), 5, "client errors are not retried");
}

#[tokio::test]
async fn a_query_throttling_code_is_retried_and_bad_host_labels_are_refused() {
    let calls = AtomicUsize::new(0);
    let server = TestServer::start((AKID, SECRET), move |_| match calls.fetch_add(1, Ordering::SeqCst) {
        0 => error(400, "OverLimit", Some("Throttling;Sender"), "slow down"),
        _ => Reply::json(200, r#"{"MessageId":"m-2"}"#),
    })
    .await;
    let client = client_via(&server);
    let out = client.send_message().account("a1").region("r1").send().await.unwrap();
    assert_eq!(out.message_id(), Some("m-2"));
    assert_eq!(server.received().len(), 2, "`Throttling` from the query header is throttling");

    for (account, region) in [("has space", "r1"), ("a1", "dots.in.label"), ("", "r1")] {
        let err = client.send_message().account(account).region(region).send().await.unwrap_err();
        assert!(matches!(err, SdkError::ConstructionFailure(_)), "{account:?}/{region:?}: {err:?}");
    }
    let err = client.send_message().region("r1").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "a missing @required label: {err:?}");
    assert_eq!(server.received().len(), 2, "nothing was sent for a bad label");
}
