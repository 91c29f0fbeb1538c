//! `metering agent` as a sidecar (records over HTTP, durable when answered,
//! flushed on its schedule, a clean exit on SIGTERM) and `metering demo`,
//! the README's one command, on a fresh machine.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

/// One request to the agent: the status and the JSON of the answer.
async fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let (status, body) = mpkit_emulator::admin::exchange(&format!("http://{addr}"), method, path, body).await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_records_over_http_flushes_on_its_schedule_and_stops_cleanly() {
    let emulator = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("metering-agent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("sqlite:{}", dir.join("meter.db").display());
    let mut child = common::metering(&dir, SELLER, &emulator.url())
        .args(["agent", "--store", &store, "--listen", "127.0.0.1:0", "--flush-every", "1s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}")).to_owned();

    let two_hours_ago = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 7200;
    let record = |q: &str, event: &str| {
        format!("{{\"ProductCode\":\"prod-saas-1\",\"CustomerIdentifier\":\"cust-alpha\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"{q}\",\"Timestamp\":{two_hours_ago},\"EventId\":\"{event}\"}}")
    };
    let body = format!("{}\n{{\"Dimension\": 5}}\n{}\n", record("1.5", "a"), record("2.25", "b"));
    let (status, answer) = http(&addr, "POST", "/v1/usage", &body).await;
    assert_eq!(status, 400, "a refused line is reported: {answer}");
    assert_eq!((answer["recorded"].as_u64(), answer["refused"][0]["line"].as_u64()), (Some(2), Some(2)), "{answer}");
    let (status, again) = http(&addr, "POST", "/v1/usage", &record("1.5", "a")).await;
    assert_eq!((status, again["alreadyRecorded"].as_u64()), (200, Some(1)), "a resend with the same event id is ignored: {again}");
    assert_eq!(http(&addr, "GET", "/healthz", "").await.0, 200);
    assert_eq!(http(&addr, "GET", "/nowhere", "").await.0, 404);

    // The agent flushes every second: the closed hour is billed without anyone asking.
    let mut sent = 0;
    for _ in 0..100 {
        let (_, status) = http(&addr, "GET", "/v1/status", "").await;
        sent = status["sent"].as_u64().unwrap_or(0);
        if sent == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent, 1, "the hour was sent by the agent's own flush");
    let records: Vec<String> =
        mpkit_emulator::admin::billed(&emulator.url()).await.unwrap().iter().map(|b| format!("{}={}", b.dimension, b.quantity)).collect();
    assert_eq!(records, ["users=3.75"]);

    // The licence of beta ends (EventBridge's License Deprovisioned, delivered to the agent): its usage of the hour
    // in progress is sealed and sent at once, not at the end of the hour.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 1;
    let licence = "arn:aws:license-manager::777788889999:license:l-beta";
    let beta = format!("{{\"ProductCode\":\"prod-saas-1\",\"CustomerAWSAccountId\":\"777788889999\",\"LicenseArn\":\"{licence}\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"7\",\"Timestamp\":{now}}}");
    assert_eq!(http(&addr, "POST", "/v1/usage", &beta).await.0, 200);
    let event = |detail_type: &str| {
        format!(
            "{{\"version\":\"0\",\"source\":\"aws.agreement-marketplace\",\"detail-type\":\"{detail_type}\",\"detail\":{{\"acceptor\":{{\"accountId\":\"777788889999\"}},\"license\":{{\"arn\":\"{licence}\"}},\"product\":{{\"code\":\"prod-saas-1\"}}}}}}"
        )
    };
    let (status, ignored) = http(&addr, "POST", "/v1/events", &event("Purchase Agreement Created - Manufacturer")).await;
    assert_eq!(status, 202, "{ignored}");
    assert_eq!(
        http(&addr, "POST", "/v1/events", "{\"detail-type\":\"License Deprovisioned - Manufacturer\",\"detail\":{}}").await.0,
        400,
        "no licence named"
    );
    let (status, closed) = http(&addr, "POST", "/v1/events", &event("License Deprovisioned - Manufacturer")).await;
    assert_eq!((status, closed["sealed"].as_u64(), closed["sent"].as_u64()), (200, Some(1), Some(1)), "{closed}");
    let mut records: Vec<String> = mpkit_emulator::admin::billed(&emulator.url())
        .await
        .unwrap()
        .iter()
        .map(|b| format!("{}={}={}", b.customer(), b.dimension, b.quantity))
        .collect();
    records.sort();
    assert_eq!(records, ["777788889999=users=7", "cust-alpha=users=3.75"]);

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exit 0 after SIGTERM");
    emulator.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_demo_shows_every_hour_billed_once() {
    let home = std::env::temp_dir().join(format!("metering-demo-home-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_metering")).env_clear().env("HOME", &home).arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Flush: 12 hours sealed, 12 sent, 0 to retry, 0 rejected, 0 conflicts."), "{stdout}");
    assert!(stdout.contains("Every hour was billed once, with the exact sum of its records."), "{stdout}");
}
