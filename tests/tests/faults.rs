//! Faults over real TCP: stalls, truncated and reset responses, garbage,
//! refused connections. Each ends in the right typed error (or succeeds after
//! a retry) within the configured timeouts. Real time with short timeouts:
//! the assertions are on outcomes, never on durations.

use std::time::Duration;

use integration_tests::chaos::{Behaviour, ChaosServer};
use mpkit_metering::config::retry::RetryConfig;
use mpkit_metering::config::timeout::{MinimumThroughput, TimeoutConfig};
use mpkit_metering::config::{Credentials, Region};
use mpkit_metering::error::{DisplayErrorContext, SdkError};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::{Client, Config};

fn client(url: &str, timeouts: TimeoutConfig, attempts: u32) -> Client {
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(url)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(attempts).with_initial_backoff(Duration::from_millis(5)))
        .build();
    Client::from_conf(config)
}

fn short_reads() -> TimeoutConfig {
    TimeoutConfig::builder().read_timeout(Duration::from_millis(200)).build()
}

async fn call(client: &Client) -> Result<(), SdkError<mpkit_metering::operation::resolve_customer::ResolveCustomerError>> {
    client.resolve_customer().registration_token("t").send().await.map(|_| ())
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_read_timeout_on_every_attempt() {
    let server = ChaosServer::start(vec![Behaviour::Stall]).await;
    let err = call(&client(&server.url(), short_reads(), 2)).await.unwrap_err();
    let SdkError::DispatchFailure(f) = &err else { panic!("{err:?}") };
    assert!(f.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert!(DisplayErrorContext(&err).to_string().contains("no bytes of the response head arrived within the read timeout"), "{err}");
}

#[tokio::test]
async fn the_attempt_timeout_and_the_operation_timeout_bound_a_stall() {
    let server = ChaosServer::start(vec![Behaviour::Stall]).await;
    let attempt_only = TimeoutConfig::builder().disable_read_timeout().operation_attempt_timeout(Duration::from_millis(150)).build();
    let err = call(&client(&server.url(), attempt_only, 2)).await.unwrap_err();
    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");
    assert_eq!(err.attempts(), 2);

    let operation = TimeoutConfig::builder()
        .disable_read_timeout()
        .disable_operation_attempt_timeout()
        .operation_timeout(Duration::from_millis(300))
        .build();
    let err = call(&client(&server.url(), operation, 3)).await.unwrap_err();
    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");
    assert!(err.to_string().contains("did not complete within the operation timeout"), "{err}");
}

#[tokio::test]
async fn a_body_that_stalls_midway_hits_the_read_timeout() {
    let server = ChaosServer::start(vec![Behaviour::StallMidBody]).await;
    let err = call(&client(&server.url(), short_reads(), 1)).await.unwrap_err();
    assert!(DisplayErrorContext(&err).to_string().contains("no bytes of the response body arrived"), "{err}");
}

#[tokio::test]
async fn truncated_reset_and_closed_responses_are_retried_then_succeed() {
    for fault in [Behaviour::Truncate, Behaviour::ResetMidBody, Behaviour::Close] {
        let server = ChaosServer::start(vec![fault.clone(), Behaviour::Respond(200, r#"{"CustomerAWSAccountId":"1"}"#.into())]).await;
        call(&client(&server.url(), short_reads(), 3)).await.unwrap_or_else(|e| panic!("{fault:?}: {e:?}"));
        assert_eq!(server.requests(), 2, "{fault:?} was retried once");
    }
}

#[tokio::test]
async fn a_response_that_is_not_http_is_a_protocol_failure() {
    let server = ChaosServer::start(vec![Behaviour::Garbage]).await;
    let err = call(&client(&server.url(), short_reads(), 1)).await.unwrap_err();
    assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");
}

#[tokio::test]
async fn a_200_with_an_html_body_is_a_response_error_and_not_retried() {
    let server = ChaosServer::start(vec![Behaviour::Respond(200, "<html>maintenance</html>".into())]).await;
    let err = call(&client(&server.url(), short_reads(), 3)).await.unwrap_err();
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    assert_eq!(server.requests(), 1);
    assert!(DisplayErrorContext(&err).to_string().contains("<html>maintenance</html>"));
}

#[tokio::test]
async fn a_403_xml_body_is_a_response_error() {
    let xml = r#"<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"#;
    let server = ChaosServer::start(vec![Behaviour::Respond(403, xml.into())]).await;
    let err = call(&client(&server.url(), short_reads(), 3)).await.unwrap_err();
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_dripping_body_is_cut_off_by_stalled_stream_protection() {
    // A byte every 50 ms resets the read timeout every time; before stalled-stream
    // protection this call took the whole 5 s drip and then failed on the body.
    let server = ChaosServer::start(vec![Behaviour::Drip(Duration::from_millis(50))]).await;
    let timeouts = TimeoutConfig::builder()
        .read_timeout(Duration::from_secs(2))
        .stalled_stream_protection(MinimumThroughput { bytes_per_second: 100, grace: Duration::from_millis(300) })
        .build();
    let err = call(&client(&server.url(), timeouts, 2)).await.unwrap_err();
    let SdkError::DispatchFailure(f) = &err else { panic!("{err:?}") };
    assert!(f.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 2, "a stall is retried like any timeout");
    assert!(
        DisplayErrorContext(&err).to_string().contains("the response body stalled: fewer than 100 bytes per second"),
        "{}",
        DisplayErrorContext(&err)
    );
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap_with_an_error_naming_it() {
    let server = ChaosServer::start(vec![Behaviour::Endless]).await;
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(server.url())
        .max_response_body_bytes(256 * 1024)
        .build();
    let err = call(&Client::from_conf(config)).await.unwrap_err();
    assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");
    assert_eq!(err.attempts(), 1, "an oversized body is not retried");
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("larger than the limit of 262144 bytes") && text.contains("max_response_body_bytes"), "{text}");

    // The default cap applies without any setting.
    let err = call(&client(&server.url(), TimeoutConfig::default(), 1)).await.unwrap_err();
    assert!(DisplayErrorContext(&err).to_string().contains("larger than the limit of 4194304 bytes"), "{err}");
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_reading() {
    // The server sends one byte of a declared 1 TB and stalls: only the head can have been judged.
    let server = ChaosServer::start(vec![Behaviour::Declared(1_000_000_000_000)]).await;
    let err = call(&client(&server.url(), short_reads(), 1)).await.unwrap_err();
    assert!(DisplayErrorContext(&err).to_string().contains("larger than the limit"), "{}", DisplayErrorContext(&err));
}

#[tokio::test(start_paused = true)]
async fn with_default_settings_a_server_that_never_answers_ends_in_a_timeout_within_a_minute() {
    use mpkit_runtime::test_util::{Canned, ReplayClient};
    let replay = ReplayClient::new([Canned::Hang, Canned::Hang, Canned::Hang]);
    // Only the transport, clock and credentials are set: every timeout and retry setting is the default.
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .http_client(replay.clone())
        .jitter_source(|| 0.999_999)
        .build();
    let start = tokio::time::Instant::now();
    let err = call(&Client::from_conf(config.clone())).await.unwrap_err();
    let took = start.elapsed();
    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(replay.requests().len(), 3);
    let bound = config.timeout_config().worst_case(config.retry_config()).unwrap();
    assert_eq!(bound, Duration::from_secs(48));
    assert!(took <= bound && took >= Duration::from_secs(45), "{took:?}");
}

#[tokio::test]
async fn a_server_claiming_the_year_9999_does_not_move_the_signing_clock() {
    use integration_tests::server::{Reply, TestServer};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = AtomicUsize::new(0);
    let server = TestServer::start(("ANOTREAL", "notrealrnrELgWzOk3IfjzDKtFBhDby"), move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            let mut reply = Reply::json(400, r#"{"__type":"RequestTimeTooSkewed","message":"Signature expired"}"#);
            reply.headers.push(("date".into(), "Fri, 31 Dec 9999 23:59:59 GMT".into()));
            reply
        } else {
            Reply::json(200, r#"{"CustomerAWSAccountId":"1"}"#)
        }
    })
    .await;
    let client = client(&server.url(), TimeoutConfig::default(), 3);
    let err = call(&client).await.unwrap_err();
    assert_eq!(err.attempts(), 1, "{}", DisplayErrorContext(&err));
    // Before the bound, this call signed in year 10000 and panicked in the signer.
    call(&client).await.unwrap();
    let received = server.received();
    let this_year = &DateTime::from(std::time::SystemTime::now()).to_string()[..4];
    for r in &received {
        assert!(r.header("x-amz-date").unwrap().starts_with(this_year), "{:?}", r.header("x-amz-date"));
        assert_eq!(r.signature, Ok(()));
    }
    assert_eq!(received.len(), 2);
}
