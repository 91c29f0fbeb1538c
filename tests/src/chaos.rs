//! A misbehaving HTTP server on 127.0.0.1: it reads each request, then
//! misbehaves as told (stalls, truncates, resets, sends garbage). Raw TCP,
//! because a correct HTTP library cannot be made to misbehave. Stops when
//! dropped.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// What the server does after reading a request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Answers with a complete response.
    Respond(u16, String),
    /// Never answers, and keeps the connection open.
    Stall,
    /// Sends the head and part of a body, then stalls.
    StallMidBody,
    /// Sends the head and part of a body, then closes the connection.
    Truncate,
    /// Sends the head and part of a body, then resets the connection.
    ResetMidBody,
    /// Closes the connection without answering.
    Close,
    /// Sends bytes that are not HTTP.
    Garbage,
    /// Sends a 200 head promising 100 bytes, then one byte every interval.
    Drip(Duration),
    /// Sends a chunked 200 whose body never ends, as fast as the client reads.
    Endless,
    /// Sends a 200 head declaring a body of this many bytes, then a little of it.
    Declared(u64),
}

/// The running server.
#[derive(Debug)]
pub struct ChaosServer {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl ChaosServer {
    /// Starts a server that behaves as `script` says for the n-th request
    /// (the last entry repeats).
    pub async fn start(script: Vec<Behaviour>) -> ChaosServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let script = Arc::new(script);
        let (shutdown, mut stop) = oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stop => break,
                    accepted = listener.accept() => match accepted { Ok((s, _)) => s, Err(_) => continue },
                };
                let (counter, script) = (counter.clone(), script.clone());
                tokio::spawn(async move { serve(stream, counter, script).await });
            }
        });
        ChaosServer { addr, requests, shutdown: Some(shutdown) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests read so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for ChaosServer {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
    }
}

/// Reads one request (head and Content-Length body); false at end of stream.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize =
                head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
            while buf.len() < end + 4 + length {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return true;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn serve(mut stream: TcpStream, counter: Arc<AtomicUsize>, script: Arc<Vec<Behaviour>>) {
    while read_request(&mut stream).await {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let behaviour = script.get(n).or(script.last()).cloned().unwrap_or(Behaviour::Close);
        let partial_head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: 100\r\n\r\n{\"MeteringRecordId\":";
        match behaviour {
            Behaviour::Respond(status, body) => {
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\nx-amzn-requestid: chaos\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
            }
            Behaviour::Stall => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Behaviour::StallMidBody => {
                let _ = stream.write_all(partial_head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Behaviour::Truncate => {
                let _ = stream.write_all(partial_head.as_bytes()).await;
                return;
            }
            Behaviour::ResetMidBody => {
                let _ = stream.write_all(partial_head.as_bytes()).await;
                // A zero linger makes the close a reset; it cannot block, which is what the deprecation warns of.
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
                return;
            }
            Behaviour::Close => return,
            Behaviour::Drip(interval) => {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: 100\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..100 {
                    tokio::time::sleep(interval).await;
                    if stream.write_all(b" ").await.is_err() {
                        return;
                    }
                }
                return;
            }
            Behaviour::Endless => {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
                // Bounded so that a client that never stops reading still ends the test: 64 GiB.
                for _ in 0..1_000_000 {
                    if stream.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                return;
            }
            Behaviour::Declared(length) => {
                let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {length}\r\n\r\n{{");
                let _ = stream.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Behaviour::Garbage => {
                let _ = stream.write_all(b"\x00\x01not http at all\r\n\r\n").await;
                return;
            }
        }
    }
}
