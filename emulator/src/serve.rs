//! One bounded HTTP/1 serve loop, for the emulator and for the meter's
//! agent: at most `max_connections` served at once (the rest wait in the
//! listen queue), a time limit for a request's head and one for its body,
//! a body limit; stopping stops accepting, lets in-flight requests finish
//! (for at most `drain`), then returns. Everything a client controls is
//! bounded here, so no server of the project can be held open or filled up
//! by one.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// The limits of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The most connections served at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's head.
    pub head_timeout: Duration,
    /// How long a client may take to send a body.
    pub body_timeout: Duration,
    /// The largest body read.
    pub max_body: usize,
    /// How long stopping waits for in-flight requests.
    pub drain: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_connections: 512,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_body: 1024 * 1024,
            drain: Duration::from_secs(10),
        }
    }
}

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Larger than `max_body`, or the connection broke while it was sent.
    TooLarge,
    /// It did not arrive within `body_timeout`.
    TooSlow,
}

/// A request's body, at most `bounds.max_body` bytes within `bounds.body_timeout`.
pub async fn read_body(body: Incoming, bounds: &Bounds) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(bounds.body_timeout, Limited::new(body, bounds.max_body).collect()).await {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Ok(Err(_)) => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::TooSlow),
    }
}

/// Serves `listener` with `handle` until `stopped` turns true, within `bounds`. A handler
/// that answers `Err` has its connection closed without an answer (the emulator's dropped-connection fault).
pub async fn serve<H, Fut, E>(listener: TcpListener, bounds: Bounds, mut stopped: watch::Receiver<bool>, handle: H)
where
    H: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Full<Bytes>>, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let slots = Arc::new(Semaphore::new(bounds.max_connections));
    let mut connections = JoinSet::new();
    loop {
        // A free slot first, so at most max_connections are served at once.
        let permit = tokio::select! {
            _ = stopped.changed() => break,
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
        };
        let stream = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted { Ok((s, _)) => s, Err(_) => continue },
        };
        let (handle, mut stop) = (handle.clone(), stopped.clone());
        connections.spawn(async move {
            let _permit = permit;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(bounds.head_timeout)
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), hyper::service::service_fn(handle));
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
        // Reap finished connections so the set does not grow with every one ever served.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = tokio::time::timeout(bounds.drain, async { while connections.join_next().await.is_some() {} }).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn echo_server(bounds: Bounds) -> (std::net::SocketAddr, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, bounds, stopped, move |req: Request<Incoming>| async move {
            let text = match read_body(req.into_body(), &bounds).await {
                Ok(b) => format!("{} bytes", b.len()),
                Err(e) => format!("{e:?}"),
            };
            Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(text))))
        }));
        (addr, stop, task)
    }

    async fn send(addr: std::net::SocketAddr, raw: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(raw.as_bytes()).await.unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out).await;
        out
    }

    #[tokio::test]
    async fn bodies_and_connections_are_bounded() {
        let bounds = Bounds {
            max_connections: 1,
            head_timeout: Duration::from_millis(300),
            body_timeout: Duration::from_millis(300),
            max_body: 10,
            drain: Duration::from_secs(1),
        };
        let (addr, stop, task) = echo_server(bounds).await;
        let ok = send(addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello").await;
        assert!(ok.ends_with("5 bytes"), "{ok}");
        let big = send(addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world").await;
        assert!(big.ends_with("TooLarge"), "{big}");
        let slow = send(addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhel").await;
        assert!(slow.ends_with("TooSlow"), "a body that never completes: {slow}");

        // One connection at a time: a second waits until the first (a head never sent) is cut at the head timeout.
        let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn(send(addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!second.is_finished(), "the second connection waits for a slot");
        let mut cut = Vec::new();
        let _ = idle.read_to_end(&mut cut).await;
        assert!(second.await.unwrap().ends_with("0 bytes"), "served once the idle one was cut");

        let _ = stop.send(true);
        task.await.unwrap();
    }
}
