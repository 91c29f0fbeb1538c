//! The sources a [`ByteStream`](super::ByteStream) reads once: any
//! `http-body` 1 body, and a channel fed by a [`ChunkSender`]. The
//! transport adds its own (a response body under its timeouts).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::ByteStreamError;

/// Chunks as they come.
pub(crate) trait Source: Send {
    /// The next chunk, `None` at the end.
    fn poll_chunk(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>>;

    /// The number of bytes left, when known exactly.
    fn exact_size(&self) -> Option<u64> {
        None
    }
}

/// The data frames of an `http-body` 1 body.
pub(crate) struct HttpBodySource<B> {
    body: Pin<Box<B>>,
}

impl<B> HttpBodySource<B> {
    pub(crate) fn new(body: B) -> Self {
        HttpBodySource { body: Box::pin(body) }
    }
}

impl<B> Source for HttpBodySource<B>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn poll_chunk(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        loop {
            return match self.body.as_mut().poll_frame(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(ByteStreamError::caused_by("the body failed", e)))),
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => Poll::Ready(Some(Ok(data))),
                    // Trailers carry no bytes of the stream.
                    Err(_) => continue,
                },
            };
        }
    }

    fn exact_size(&self) -> Option<u64> {
        self.body.size_hint().exact()
    }
}

/// Feeds a [`ByteStream::channel`](super::ByteStream::channel) stream.
#[derive(Debug)]
pub struct ChunkSender {
    tx: mpsc::Sender<Result<Bytes, ByteStreamError>>,
}

/// The reason a [`ChunkSender`] could not send: the stream was dropped
/// (the call ended or failed). The chunk is given back.
#[derive(Debug)]
pub struct StreamClosed(pub Bytes);

impl std::fmt::Display for StreamClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the stream's reader is gone (the call ended or failed)")
    }
}

impl std::error::Error for StreamClosed {}

impl ChunkSender {
    /// Sends a chunk, waiting while the stream's buffer is full.
    pub async fn send(&self, chunk: impl Into<Bytes>) -> Result<(), StreamClosed> {
        self.tx.send(Ok(chunk.into())).await.map_err(|e| StreamClosed(e.0.unwrap_or_default()))
    }

    /// Ends the stream with an error, so that the reader (the transport
    /// sending a request) fails instead of taking a short body as whole.
    pub async fn abort(self, reason: impl Into<String>) {
        let _ = self.tx.send(Err(ByteStreamError::new(format!("the sender aborted the stream: {}", reason.into())))).await;
    }
}

pub(crate) struct ChannelSource {
    rx: mpsc::Receiver<Result<Bytes, ByteStreamError>>,
}

pub(crate) fn channel(buffer: usize) -> (ChunkSender, ChannelSource) {
    let (tx, rx) = mpsc::channel(buffer);
    (ChunkSender { tx }, ChannelSource { rx })
}

impl Source for ChannelSource {
    fn poll_chunk(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        self.rx.poll_recv(cx)
    }
}
