//! Requests no SDK would shape, over raw TCP: an AWS JSON request signed
//! with the runtime's generic SigV4 signer and written as HTTP/1.1 bytes by
//! hand, and one exchange of bytes with a server. For the tests that send
//! the emulator what a client of their own choosing would.

use std::net::SocketAddr;
use std::time::SystemTime;

use mpkit_runtime::credentials::Credentials;
use mpkit_runtime::http::{Headers, HttpRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An awsJson1_1 request for `target` (`Service.Operation`) with `body`,
/// signed for us-east-1 and `aws-marketplace` with `keys` at `at`, as the
/// bytes of an HTTP/1.1 request that closes its connection.
pub fn signed_json_request(addr: SocketAddr, keys: (&str, &str), target: &str, body: &[u8], at: SystemTime) -> Vec<u8> {
    let host = addr.to_string();
    let mut headers = Headers::new();
    headers.append("Host", host.clone());
    headers.append("Content-Type", "application/x-amz-json-1.1");
    headers.append("X-Amz-Target", target.to_owned());
    headers.append("Content-Length", body.len().to_string());
    let mut request = HttpRequest { method: "POST".into(), uri: format!("http://{host}/"), headers, body: body.to_vec().into() };
    let creds = Credentials::new(keys.0, keys.1, None, None, "test");
    mpkit_runtime::test_util::internals::sign(&mut request, &creds, "us-east-1", "aws-marketplace", at).unwrap();
    let mut out = String::from("POST / HTTP/1.1\r\n");
    for (n, v) in request.headers.iter() {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Sends `bytes` and reads to the end: the answer's status and body ("" and 0
/// when the connection closed without one).
pub async fn exchange(addr: SocketAddr, bytes: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(bytes).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default())
}
