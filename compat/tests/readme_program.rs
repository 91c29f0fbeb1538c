//! The official crate's README program, word for word but for the crate
//! name: `aws_config::load_from_env()`, `Client::new(&config)`, one call,
//! `Result<(), Error>`. The same text is compiled against the official crate
//! and ours (the `aws-config` feature) and run against a loopback server
//! that answers MeterUsage, so porting by the rename holds for the way
//! sellers actually start.
//!
//! Environment variables are the program's only input, as in the README;
//! this file is its own test binary so that setting them touches no other
//! test.

// The official README meters an integer quantity; our model (2026-10-20)
// deprecates it in favour of `UsageQuantityAsDecimal`, which 1.124.0 lacks.
#![allow(deprecated)]

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The README program for crate `$c`, as an async block.
macro_rules! readme_program {
    ($c:ident) => {
        async {
            let config = aws_config::load_from_env().await;
            let client = $c::Client::new(&config);
            let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs() as i64;
            let out = client
                .meter_usage()
                .product_code("prod-readme")
                .timestamp($c::primitives::DateTime::from_secs(now))
                .usage_dimension("hosts")
                .usage_quantity(1)
                .send()
                .await?;
            Ok::<_, $c::Error>(out.metering_record_id().map(str::to_owned))
        }
    };
}

/// A loopback server that answers every request with one MeterUsage
/// success and returns the request heads it saw.
async fn serve(listener: TcpListener, answers: usize) -> Vec<String> {
    let mut heads = Vec::new();
    for _ in 0..answers {
        let (mut stream, _) = listener.accept().await.expect("a connection");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // Read the head, then as many body bytes as Content-Length says.
        let (head, body_start) = loop {
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the client closed before sending a request");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break (String::from_utf8_lossy(&buf[..i]).into_owned(), i + 4);
            }
        };
        let length: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
            .unwrap_or(0);
        while buf.len() < body_start + length {
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the client closed mid-body");
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = r#"{"MeteringRecordId":"readme-record"}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: readme\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await.expect("write");
        heads.push(head);
    }
    heads
}

#[tokio::test]
async fn the_official_readme_program_runs_against_both_crates() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    let server = tokio::spawn(serve(listener, 2));
    // Only the environment: no profile files, no instance metadata.
    for (k, v) in [
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "AKIDREADME".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "readme-secret".to_owned()),
        ("AWS_CONFIG_FILE", "/nonexistent/config".to_owned()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ] {
        std::env::set_var(k, v);
    }

    let theirs = readme_program!(official).await.expect("the official crate's call");
    let mine = readme_program!(ours).await.expect("our call");
    assert_eq!(theirs.as_deref(), Some("readme-record"));
    assert_eq!(mine, theirs);

    let heads = server.await.expect("the server");
    for head in &heads {
        let lower = head.to_ascii_lowercase();
        assert!(lower.contains("x-amz-target: awsmpmeteringservice.meterusage"), "{head}");
        assert!(lower.contains("credential=akidreadme/"), "signed with the environment's key: {head}");
        assert!(lower.contains("/us-east-1/aws-marketplace/aws4_request"), "{head}");
    }
}
