//! `metering agent` as operators deploy it: off loopback only with a bearer
//! token (every request but /healthz carries it), and `/readyz` that says
//! when the agent is not fit for traffic (an unsent hour within an hour of
//! its deadline), with the reasons.

use std::process::Command;

mod common;

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

/// A request with an optional bearer token: the status and the answer's JSON.
async fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = answer.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[test]
fn off_loopback_the_agent_wants_a_token() {
    let dir = std::env::temp_dir().join(format!("metering-agent-token-off-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = common::metering(&dir, SELLER, "http://127.0.0.1:9")
        .args(["agent", "--store", "sqlite:x.db", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --token-file"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.join("empty"), "\n").unwrap();
    let out = common::metering(&dir, SELLER, "http://127.0.0.1:9")
        .args(["agent", "--store", "sqlite:x.db", "--listen", "0.0.0.0:0", "--token-file", dir.join("empty").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an empty token is refused");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guards_every_route_but_healthz_and_readyz_gives_reasons() {
    let emulator = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (dir, store) = common::scratch("agent-token");
    std::fs::write(dir.join("token"), "s3cret-token\n").unwrap();
    let (mut child, addr) = common::start(common::metering(&dir, SELLER, &emulator.url()).args([
        "agent",
        "--store",
        &store,
        "--listen",
        "127.0.0.1:0",
        "--flush-every",
        "1s",
        "--token-file",
        dir.join("token").to_str().unwrap(),
    ]));
    assert_eq!(http(&addr, "GET", "/healthz", None, "").await.0, 200, "health needs no token");
    assert_eq!(http(&addr, "GET", "/v1/status", None, "").await.0, 401);
    assert_eq!(http(&addr, "GET", "/v1/status", Some("wrong"), "").await.0, 401);
    assert_eq!(http(&addr, "GET", "/v1/status", Some("s3cret-token"), "").await.0, 200);

    // Ready once the flusher has run.
    let mut ready = (0, serde_json::Value::Null);
    for _ in 0..50 {
        ready = http(&addr, "GET", "/readyz", Some("s3cret-token"), "").await;
        if ready.0 == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ready.0, 200, "{}", ready.1);

    // Container usage 5 hours and a half ago, which the seller's keys cannot send (held): its deadline is within the hour.
    let old = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 5 * 3600 - 1800;
    let line =
        format!("{{\"ProductCode\":\"prod-container-1\",\"Dimension\":\"vcpu_hours\",\"QuantityAsDecimal\":\"1\",\"Timestamp\":{old}}}");
    assert_eq!(http(&addr, "POST", "/v1/usage", Some("s3cret-token"), &line).await.0, 200);
    let (status, answer) = http(&addr, "GET", "/readyz", Some("s3cret-token"), "").await;
    assert_eq!(status, 503, "{answer}");
    assert!(answer["reasons"][0].as_str().unwrap().contains("within an hour of their deadline"), "{answer}");

    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    emulator.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_junk_gets_a_small_answer() {
    let (dir, store) = common::scratch("agent-junk");
    let (mut child, addr) =
        common::start(common::metering(&dir, SELLER, "http://127.0.0.1:9").args(["agent", "--store", &store, "--listen", "127.0.0.1:0"]));
    // About 1 MiB of lines that are not records.
    let junk = "x".repeat(60) + "\n";
    let body = junk.repeat(1 << 14);
    let (status, answer) = http(&addr, "POST", "/v1/usage", None, &body).await;
    assert_eq!(status, 400);
    assert_eq!(
        (answer["refusedCount"].as_u64(), answer["refused"].as_array().map(Vec::len)),
        (Some(1 << 14), Some(100)),
        "the first hundred listed, the rest counted"
    );
    assert!(answer.to_string().len() < 20_000, "{} bytes", answer.to_string().len());
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_keeps_to_the_shutdown_deadline_even_while_a_flush_waits_for_the_service() {
    let emulator = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (dir, store) = common::scratch("agent-deadline");
    // The service takes a minute to answer each BatchMeterUsage from now on.
    mpkit_emulator::admin::arm(&emulator.url(), r#"{"operation": "BatchMeterUsage", "delay_ms": 60000, "count": 10}"#).await.unwrap();
    let (mut child, addr) = common::start(common::metering(&dir, SELLER, &emulator.url()).args([
        "agent",
        "--store",
        &store,
        "--listen",
        "127.0.0.1:0",
        "--flush-every",
        "1s",
        "--shutdown-timeout",
        "2s",
    ]));
    let two_hours_ago = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 7200;
    let line = format!("{{\"ProductCode\":\"prod-saas-1\",\"CustomerIdentifier\":\"cust-alpha\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"1\",\"Timestamp\":{two_hours_ago}}}");
    assert_eq!(http(&addr, "POST", "/v1/usage", None, &line).await.0, 200);
    // Let a scheduled flush start its (slow) call, then stop the agent.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let mut exited = None;
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let status = exited.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the agent was still running 30 s after SIGTERM, with a 2 s shutdown timeout")
    });
    assert_eq!(status.code(), Some(0));
    emulator.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
