//! Retry behaviour with a fixed jitter and tokio's paused clock: backoff
//! timing, what is retried, what the caller learns, and the retry quota.

use std::time::Duration;

use integration_tests::{body_json, test_config};
use mpkit_metering::config::retry::RetryConfig;
use mpkit_metering::error::DisplayErrorContext;
use mpkit_metering::primitives::DateTime;
use mpkit_metering::{Client, Config};
use mpkit_runtime::http::{Headers, HttpResponse};
use mpkit_runtime::test_util::{json_response, Canned, ReplayClient};
use tokio::time::Instant;

fn config(replay: &ReplayClient, retry: RetryConfig, jitter: f64) -> Config {
    test_config(replay).to_builder().retry_config(retry).jitter_source(move || jitter).build()
}

fn status(code: u16) -> Canned {
    HttpResponse::new(code, Headers::new(), br#"{"__type":"InternalServiceErrorException","message":"try again"}"#.to_vec()).into()
}

async fn meter(
    client: &Client,
) -> Result<
    mpkit_metering::operation::meter_usage::MeterUsageOutput,
    mpkit_metering::error::SdkError<mpkit_metering::operation::meter_usage::MeterUsageError>,
> {
    client.meter_usage().product_code("p").timestamp(DateTime::from_secs(0)).usage_dimension("d").send().await
}

#[tokio::test(start_paused = true)]
async fn a_500_then_200_succeeds_on_the_second_attempt_after_jittered_backoff() {
    let replay = ReplayClient::new(vec![status(500), json_response(200, r#"{"MeteringRecordId":"ok"}"#).into()]);
    let client = Client::from_conf(config(&replay, RetryConfig::standard(), 0.5));
    let start = Instant::now();
    let out = meter(&client).await.unwrap();
    assert_eq!(out.metering_record_id(), Some("ok"));
    assert_eq!(start.elapsed(), Duration::from_millis(500), "full jitter: 0.5 of the 1 s base");
    let requests = replay.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].headers.get("amz-sdk-invocation-id"), requests[1].headers.get("amz-sdk-invocation-id"));
    assert_eq!(body_json(&requests[0])["ClientToken"], body_json(&requests[1])["ClientToken"]);
}

#[tokio::test(start_paused = true)]
async fn a_503_on_every_attempt_gives_up_with_the_last_error_and_the_count() {
    let replay = ReplayClient::new(vec![status(503), status(503), status(503)]);
    let client = Client::from_conf(config(&replay, RetryConfig::standard(), 1.0));
    let start = Instant::now();
    let err = meter(&client).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(1 + 2), "waits of 1 s then 2 s");
    assert_eq!(err.attempts(), 3);
    assert!(err.retry_info().attempts_exhausted);
    assert_eq!(DisplayErrorContext(&err).to_string(), "service error: InternalServiceErrorException: try again (after 3 attempts)");
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_up_to_its_cap() {
    let answers: Vec<Canned> = (0..6).map(|_| status(500)).collect();
    let replay = ReplayClient::new(answers);
    let retry = RetryConfig::standard().with_max_attempts(6).with_max_backoff(Duration::from_secs(5));
    let client = Client::from_conf(config(&replay, retry, 1.0));
    let start = Instant::now();
    let err = meter(&client).await.unwrap_err();
    assert_eq!(err.attempts(), 6);
    assert_eq!(start.elapsed(), Duration::from_secs(1 + 2 + 4 + 5 + 5));
}

#[tokio::test(start_paused = true)]
async fn disabled_retries_make_one_attempt() {
    let replay = ReplayClient::new(vec![status(500)]);
    let client = Client::from_conf(config(&replay, RetryConfig::disabled(), 1.0));
    let err = meter(&client).await.unwrap_err();
    assert_eq!((err.attempts(), replay.requests().len()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn the_retry_quota_is_shared_per_config_and_says_when_it_stops_retries() {
    // Every call fails three times: two retries, ten tokens. Fifty calls use up the 500.
    let answers: Vec<Canned> = (0..151).map(|_| status(500)).collect();
    let replay = ReplayClient::new(answers);
    let shared = config(&replay, RetryConfig::standard(), 0.0);
    let (a, b) = (Client::new(&shared), Client::new(&shared));
    for i in 0..50 {
        let client = if i % 2 == 0 { &a } else { &b };
        assert_eq!(meter(client).await.unwrap_err().attempts(), 3);
    }
    assert_eq!(shared.retry_quota_available(), 0);
    let err = meter(&a).await.unwrap_err();
    assert_eq!(err.attempts(), 1, "no tokens, no retry");
    assert!(err.retry_info().quota_exhausted);
    assert!(err.to_string().ends_with("(after 1 attempt(s); not retried because the client's retry quota is used up)"), "{err}");

    // Another configuration has its own quota: the official SDK's process-wide bucket would stop it too.
    let other = ReplayClient::new(vec![status(500), json_response(200, "{}").into()]);
    let fresh = Client::from_conf(config(&other, RetryConfig::standard(), 0.0));
    meter(&fresh).await.unwrap();
    assert_eq!(other.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn successes_refill_the_quota() {
    let replay = ReplayClient::new(vec![status(500), json_response(200, "{}").into(), json_response(200, "{}").into()]);
    let cfg = config(&replay, RetryConfig::standard(), 0.0);
    let client = Client::new(&cfg);
    meter(&client).await.unwrap();
    assert_eq!(cfg.retry_quota_available(), 500, "the retry's 5 tokens came back");
    meter(&client).await.unwrap();
    assert_eq!(cfg.retry_quota_available(), 500, "never above capacity");
}

#[tokio::test(start_paused = true)]
async fn a_skewed_clock_is_corrected_from_the_date_header_and_the_call_retried() {
    // Our frozen clock says 2023-11-14T22:13:20Z; the service's says an hour later.
    let mut h = Headers::new();
    h.append("Date", "Tue, 14 Nov 2023 23:13:20 GMT");
    let skewed = HttpResponse::new(400, h, br#"{"__type":"RequestTimeTooSkewed","message":"Signature expired"}"#.to_vec());
    let replay = ReplayClient::new(vec![Canned::Response(skewed), json_response(200, r#"{"MeteringRecordId":"ok"}"#).into()]);
    let cfg = config(&replay, RetryConfig::standard(), 0.0);
    meter(&Client::new(&cfg)).await.unwrap();
    let dates: Vec<String> = replay.requests().iter().map(|r| r.headers.get("x-amz-date").unwrap().to_owned()).collect();
    assert_eq!(dates, ["20231114T221320Z", "20231114T231320Z"]);
}

#[tokio::test(start_paused = true)]
async fn an_absurd_date_header_is_not_taken_as_the_service_clock() {
    // A hostile or broken server claims the year 9999. Believed, it put the
    // signing time in year 10000 and made the signer panic on every later call.
    let mut h = Headers::new();
    h.append("Date", "Fri, 31 Dec 9999 23:59:59 GMT");
    let absurd = HttpResponse::new(400, h, br#"{"__type":"RequestTimeTooSkewed","message":"Signature expired"}"#.to_vec());
    let ok = || -> Canned { json_response(200, r#"{"MeteringRecordId":"ok"}"#).into() };
    let replay = ReplayClient::new(vec![Canned::Response(absurd), ok(), ok()]);
    let cfg = config(&replay, RetryConfig::standard(), 0.0);
    let client = Client::new(&cfg);
    let err = meter(&client).await.unwrap_err();
    assert_eq!(err.attempts(), 1, "no retry: nothing was learnt that a retry could use");
    assert!(DisplayErrorContext(&err).to_string().contains("RequestTimeTooSkewed"), "{}", DisplayErrorContext(&err));
    meter(&client).await.unwrap();
    meter(&client).await.unwrap();
    let dates: Vec<String> = replay.requests().iter().map(|r| r.headers.get("x-amz-date").unwrap().to_owned()).collect();
    assert_eq!(dates, ["20231114T221320Z"; 3], "later calls sign with the local clock");
}

#[tokio::test(start_paused = true)]
async fn a_rejected_signature_without_skew_is_not_retried() {
    let mut h = Headers::new();
    h.append("Date", "Tue, 14 Nov 2023 22:13:30 GMT");
    let rejected = HttpResponse::new(403, h, br#"{"__type":"InvalidSignatureException","message":"bad"}"#.to_vec());
    let replay = ReplayClient::new(vec![Canned::Response(rejected)]);
    let err = meter(&Client::from_conf(config(&replay, RetryConfig::standard(), 0.0))).await.unwrap_err();
    assert_eq!(err.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn throttling_backs_off_and_then_succeeds() {
    let throttled = || -> Canned { json_response(400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#).into() };
    let replay = ReplayClient::new(vec![throttled(), throttled(), json_response(200, r#"{"MeteringRecordId":"ok"}"#).into()]);
    let client = Client::from_conf(config(&replay, RetryConfig::standard(), 1.0));
    let start = Instant::now();
    assert_eq!(meter(&client).await.unwrap().metering_record_id(), Some("ok"));
    assert_eq!(start.elapsed(), Duration::from_secs(1 + 2));
}

#[tokio::test(start_paused = true)]
async fn adaptive_mode_slows_sending_after_throttling() {
    // Ten quick successes measure the send rate; a throttle then engages the limiter,
    // and the following calls are spread out in time instead of sent back to back.
    let mut answers: Vec<Canned> = (0..10).map(|_| json_response(200, "{}").into()).collect();
    answers.push(json_response(400, r#"{"__type":"ThrottlingException"}"#).into());
    answers.extend((0..11).map(|_| json_response(200, "{}").into()));
    let replay = ReplayClient::new(answers);
    let client = Client::from_conf(config(&replay, RetryConfig::adaptive(), 0.0));
    for _ in 0..10 {
        meter(&client).await.unwrap();
        tokio::time::advance(Duration::from_millis(100)).await;
    }
    meter(&client).await.unwrap(); // throttled once, then retried
    let start = Instant::now();
    for _ in 0..10 {
        meter(&client).await.unwrap();
    }
    assert!(start.elapsed() >= Duration::from_secs(1), "ten calls after a throttle took {:?}", start.elapsed());

    // Standard mode sends the same calls without waiting.
    let answers: Vec<Canned> = (0..10).map(|_| json_response(200, "{}").into()).collect();
    let replay = ReplayClient::new(answers);
    let client = Client::from_conf(config(&replay, RetryConfig::standard(), 0.0));
    let start = Instant::now();
    for _ in 0..10 {
        meter(&client).await.unwrap();
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
}
