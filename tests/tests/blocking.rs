//! The blocking client runs the same request loop as the async one: the
//! same signed request, the same typed errors, the same retries, with no
//! async runtime in the program (these are plain `#[test]`s), and it does
//! not panic when called from inside one.

use std::time::Duration;

use integration_tests::test_config;
use mpkit_metering::blocking::Client;
use mpkit_metering::config::retry::RetryConfig;
use mpkit_metering::error::ProvideErrorMetadata;
use mpkit_metering::operation::meter_usage::MeterUsageError;
use mpkit_metering::primitives::DateTime;
use mpkit_runtime::test_util::{json_response, Canned, ReplayClient};

/// Boxed: the error is as large as the async client's, which clippy rightly flags in a return type.
type CallError = Box<mpkit_metering::error::SdkError<MeterUsageError, mpkit_runtime::http::HttpResponse>>;

fn meter(client: &Client) -> Result<Option<String>, CallError> {
    let call = client
        .meter_usage()
        .product_code("prod-blocking")
        .timestamp(DateTime::from_secs(1_699_999_200))
        .usage_dimension("hosts")
        .usage_quantity_as_decimal("2")
        .send();
    client.block_on(call).map(|out| out.metering_record_id().map(str::to_owned)).map_err(Box::new)
}

#[test]
fn a_call_blocks_until_its_outcome_and_sends_what_the_async_client_sends() {
    let replay = ReplayClient::new(vec![json_response(200, r#"{"MeteringRecordId":"rec-b"}"#)]);
    let client = Client::new(&test_config(&replay)).expect("a runtime");
    assert_eq!(meter(&client).unwrap().as_deref(), Some("rec-b"));

    // The async client with the same configuration sends the same bytes.
    let again = ReplayClient::new(vec![json_response(200, r#"{"MeteringRecordId":"rec-b"}"#)]);
    let async_client = mpkit_metering::Client::new(&test_config(&again));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime
        .block_on(
            async_client
                .meter_usage()
                .product_code("prod-blocking")
                .timestamp(DateTime::from_secs(1_699_999_200))
                .usage_dimension("hosts")
                .usage_quantity_as_decimal("2")
                .send(),
        )
        .unwrap();
    let (a, b) = (replay.single_request(), again.single_request());
    assert_eq!((a.uri, a.headers, a.body), (b.uri, b.headers, b.body));
}

#[test]
fn errors_are_typed_and_retries_happen_as_in_the_async_client() {
    let throttled: Canned = json_response(400, r#"{"__type":"ThrottlingException","message":"slow down"}"#).into();
    let replay = ReplayClient::new(vec![throttled, json_response(200, r#"{"MeteringRecordId":"after-retry"}"#).into()]);
    let config = test_config(&replay)
        .to_builder()
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
        .jitter_source(|| 0.0)
        .build();
    let client = Client::new(&config).unwrap();
    assert_eq!(meter(&client).unwrap().as_deref(), Some("after-retry"));
    assert_eq!(replay.requests().len(), 2, "one retry after the throttle");

    let refused = ReplayClient::new(vec![json_response(400, r#"{"__type":"InvalidProductCodeException","message":"no such product"}"#)]);
    let client = Client::new(&test_config(&refused)).unwrap();
    let err = meter(&client).unwrap_err().into_service_error();
    assert!(err.is_invalid_product_code_exception(), "{err:?}");
    assert_eq!(err.message(), Some("no such product"));
}

#[test]
fn called_inside_an_async_runtime_it_neither_panics_nor_stalls() {
    let replay = ReplayClient::new(vec![json_response(200, r#"{"MeteringRecordId":"nested"}"#)]);
    let client = Client::new(&test_config(&replay)).unwrap();
    let outer = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let got = outer.block_on(async { meter(&client) });
    assert_eq!(got.unwrap().as_deref(), Some("nested"));
}
