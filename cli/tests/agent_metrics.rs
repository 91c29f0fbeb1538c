//! `GET /metrics` and `/readyz` of a running agent, as Prometheus and an
//! orchestrator read them: records by outcome, hours by state, the oldest
//! unsent hour and the nearest deadline, calls by operation and outcome (a
//! throttled call included) and flushes.

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

/// A request: the status, the content type and the body.
async fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let content_type = head.lines().find_map(|l| l.strip_prefix("content-type: ")).unwrap_or_default().to_owned();
    (status, content_type, body.to_owned())
}

/// The value of the sample `name` (with its labels, as written) in `text`.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.parse().ok()))
}

fn line(minutes_ago: u64, dimension: &str, quantity: u32) -> String {
    let at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() - minutes_ago * 60;
    format!(
        r#"{{"ProductCode":"prod-saas-1","CustomerIdentifier":"cust-alpha","Dimension":"{dimension}","QuantityAsDecimal":"{quantity}","Timestamp":{at}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_readiness_through_a_running_agent() {
    let emulator = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    // Every attempt the SDK makes of the first call is throttled: the meter sees a throttled call, then billing succeeds.
    mpkit_emulator::admin::arm(&emulator.url(), r#"{"operation": "BatchMeterUsage", "error": "ThrottlingException", "count": 3}"#)
        .await
        .unwrap();
    let (dir, store) = common::scratch("agent-metrics");
    let (mut child, addr) = common::start(common::metering(&dir, SELLER, &emulator.url()).args([
        "agent",
        "--store",
        &store,
        "--listen",
        "127.0.0.1:0",
        "--flush-every",
        "1s",
        "--max-backoff",
        "1s",
    ]));

    // Two hours ago (sealed and sent by the flusher), and now (open), and one line that is not a record.
    let body = [line(120, "users", 2), line(120, "users", 3), line(0, "users", 1), "not json".to_owned()].join("\n");
    let (status, _, answer) = http(&addr, "POST", "/v1/usage", &body).await;
    assert_eq!(status, 400, "{answer}");

    let mut text = String::new();
    for _ in 0..100 {
        let (status, content_type, body) = http(&addr, "GET", "/metrics", "").await;
        assert_eq!((status, content_type.as_str()), (200, "application/openmetrics-text; version=1.0.0; charset=utf-8"));
        text = body;
        if sample(&text, "metering_hours{state=\"sent\"}") == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(sample(&text, "metering_hours{state=\"sent\"}"), Some(1.0), "the past hour billed:\n{text}");
    assert_eq!(sample(&text, "metering_hours{state=\"open\"}"), Some(1.0), "the hour in progress:\n{text}");
    assert_eq!(sample(&text, "metering_records_total{outcome=\"recorded\"}"), Some(3.0), "{text}");
    assert_eq!(sample(&text, "metering_records_total{outcome=\"refused\"}"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "metering_stored_records"), Some(3.0), "{text}");
    assert_eq!(sample(&text, "metering_calls_total{operation=\"BatchMeterUsage\",outcome=\"throttled\"}"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "metering_calls_total{operation=\"BatchMeterUsage\",outcome=\"success\"}"), Some(1.0), "{text}");
    let oldest = sample(&text, "metering_oldest_unsent_age_seconds").unwrap();
    assert!((0.0..=3600.0).contains(&oldest), "the hour in progress is the oldest unsent: {oldest}");
    let deadline = sample(&text, "metering_deadline_remaining_seconds").unwrap();
    assert!(deadline > 23.0 * 3600.0 - 60.0 && deadline <= 24.0 * 3600.0, "a SaaS hour has 24 hours from its start: {deadline}");
    assert!(sample(&text, "metering_flushes_total{outcome=\"ok\"}").unwrap() >= 2.0, "{text}");
    assert!(sample(&text, "metering_since_last_flush_seconds").unwrap() < 60.0, "{text}");
    assert_eq!(sample(&text, "metering_store_errors_total"), Some(0.0), "{text}");
    assert!(text.contains("metering_build_info{version=\"") && text.ends_with("# EOF\n"), "{text}");
    assert!(!text.contains("cust-alpha"), "no customer in any label");
    assert_eq!(http(&addr, "GET", "/readyz", "").await.0, 200);

    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    emulator.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
