//! The emulator against requests no SDK would send, over raw TCP: no
//! target, no or a garbled signature, a body that is not JSON or is far too
//! large, members of the wrong type; and many clients racing for the same
//! hour with different quantities, of whom exactly one may be billed.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use integration_tests::raw_http::{exchange, signed_json_request};

const NOW: u64 = 1_700_000_000;
const BUYER: (&str, &str) = ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only");

async fn emulator(config: mpkit_emulator::Config) -> mpkit_emulator::Running {
    let clock = Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW));
    mpkit_emulator::start_with_clock(config, "127.0.0.1:0".parse().unwrap(), clock).await.unwrap()
}

/// A request signed by the buyer, as raw HTTP/1.1 bytes.
fn signed(addr: std::net::SocketAddr, target: &str, body: &[u8]) -> Vec<u8> {
    signed_json_request(addr, BUYER, target, body, SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
}

fn error_type(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["__type"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("<{body}>"))
}

#[tokio::test]
async fn malformed_requests_get_aws_json_errors() {
    let running = emulator(mpkit_emulator::Config::demo()).await;
    let addr = running.addr();
    let head = |extra: &str| format!("POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\n{extra}Connection: close\r\n\r\n{{}}");
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (head("").into_bytes(), 400, "UnknownOperationException"),
        (head("X-Amz-Target: AWSMPMeteringService.Nope\r\n").into_bytes(), 400, "UnknownOperationException"),
        (head("X-Amz-Target: AWSMPMeteringService.MeterUsage\r\n").into_bytes(), 400, "MissingAuthenticationTokenException"),
        (
            head("X-Amz-Target: AWSMPMeteringService.MeterUsage\r\nAuthorization: AWS4-HMAC-SHA256 garbage\r\n").into_bytes(),
            400,
            "InvalidSignatureException",
        ),
        (signed(addr, "AWSMPMeteringService.MeterUsage", b"not json"), 400, "SerializationException"),
        (signed(addr, "AWSMPMeteringService.MeterUsage", br#"{"ProductCode": 7}"#), 400, "SerializationException"),
        (signed(addr, "AWSMPMeteringService.MeterUsage", b"[]"), 400, "SerializationException"),
        (signed(addr, "AWSMPMeteringService.MeterUsage", br#"{"ProductCode": "prod-container-1"}"#), 400, "ValidationException"),
    ];
    for (bytes, status, code) in cases {
        let (got_status, body) = exchange(addr, &bytes).await;
        assert_eq!((got_status, error_type(&body).as_str()), (status, code), "{}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)]));
    }
    // A signed body changed on the way no longer verifies.
    let mut tampered = signed(addr, "AWSMPMeteringService.ResolveCustomer", br#"{"RegistrationToken": "token-alpha"}"#);
    let last = tampered.len() - 3;
    tampered[last] = b'X';
    assert_eq!(error_type(&exchange(addr, &tampered).await.1), "InvalidSignatureException");
    // A body over the limit is refused without being buffered whole.
    let huge = format!("POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 4 * 1024 * 1024);
    let mut bytes = huge.into_bytes();
    bytes.extend(std::iter::repeat_n(b'{', 4 * 1024 * 1024));
    assert_eq!(exchange(addr, &bytes).await.0, 413);
    // Garbage that is not HTTP closes the connection; the emulator keeps serving.
    assert_eq!(exchange(addr, b"\x00\x01\x02 not http\r\n\r\n").await.0, 400);
    let (status, _) = exchange(
        addr,
        &signed(
            addr,
            "AWSMPMeteringService.MeterUsage",
            br#"{"ProductCode":"prod-container-1","Timestamp":1699999900,"UsageDimension":"vcpu_hours"}"#,
        ),
    )
    .await;
    assert_eq!(status, 200);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_clients_never_both_bill_one_hour() {
    let config = mpkit_emulator::Config::from_toml(&format!("{}\n[quotas]\nmeter_usage = 0\n", mpkit_emulator::config::DEMO)).unwrap();
    let running = emulator(config).await;
    let addr = running.addr();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let body = format!(
            r#"{{"ProductCode":"prod-container-1","Timestamp":1699999900,"UsageDimension":"vcpu_hours","UsageQuantityAsDecimal":"{}"}}"#,
            1 + i % 3
        );
        tasks.push(tokio::spawn(async move { exchange(addr, &signed(addr, "AWSMPMeteringService.MeterUsage", body.as_bytes())).await }));
    }
    let mut billed = std::collections::BTreeMap::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let (status, body) = t.await.unwrap();
        match status {
            200 => {
                let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["MeteringRecordId"].as_str().unwrap().to_owned();
                billed.entry(1 + i % 3).or_insert_with(Vec::new).push(id);
            }
            400 => assert_eq!(error_type(&body), "DuplicateRequestException"),
            other => panic!("status {other}: {body}"),
        }
    }
    assert_eq!(billed.len(), 1, "only one quantity was accepted: {billed:?}");
    let ids: std::collections::BTreeSet<_> = billed.values().flatten().collect();
    assert_eq!(ids.len(), 1, "and every acceptance has the same record id");
    running.stop().await;
}
