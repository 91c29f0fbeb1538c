//! `ByteStream`: the body of an operation whose input or output is a
//! `@streaming` blob (restJson1's payloads), read or sent a chunk at a
//! time, never held whole unless it was given whole.
//!
//! A stream is one of three things:
//! - bytes in memory ([`ByteStream::new`], `From<Vec<u8>>`): sent in one
//!   piece, signed by their SHA-256, and sent again on a retry;
//! - a file ([`ByteStream::from_path`]): read in chunks as it is sent, its
//!   length known up front, reopened for a retry;
//! - chunks from elsewhere: a successful response's body as the transport
//!   receives it, a channel ([`ByteStream::channel`]) or any `http-body` 1
//!   body ([`ByteStream::from_body_1_x`]); these can be read once only, so
//!   a request carrying one is not retried once sent.
//!
//! A stream that is not in memory is signed as `UNSIGNED-PAYLOAD` (its
//! hash would need the whole body before the first byte is sent).

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};

/// Any error a source fails with.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

mod file;
mod sources;

use file::FileSource;
pub(crate) use sources::Source;
pub use sources::{ChunkSender, StreamClosed};

/// The bytes of a streaming payload.
///
/// Reading: [`next`](Self::next) or [`try_next`](Self::try_next) give a
/// chunk at a time; [`collect`](Self::collect) reads the rest into memory.
pub struct ByteStream {
    inner: Inner,
}

enum Inner {
    /// Whole, in memory; `None` once read.
    Bytes(Option<Bytes>),
    /// A file, read in chunks (boxed: it is rare, and large beside the others).
    File(Box<FileSource>),
    /// Chunks from a source that can be read once. The mutex is never
    /// locked (only `get_mut`): it makes the stream `Sync` without asking
    /// the source to be.
    Chunks(Mutex<Pin<Box<dyn Source>>>),
}

impl Default for ByteStream {
    fn default() -> Self {
        ByteStream::new(Bytes::new())
    }
}

impl fmt::Debug for ByteStream {
    /// Never the content: a body may hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Bytes(b) => write!(f, "ByteStream(<{} bytes>)", b.as_ref().map_or(0, Bytes::len)),
            Inner::File(file) => write!(f, "ByteStream(file {}, {} bytes)", file.path().display(), file.length()),
            Inner::Chunks(_) => f.write_str("ByteStream(<chunks>)"),
        }
    }
}

impl ByteStream {
    /// A stream of `bytes`, in memory.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        ByteStream { inner: Inner::Bytes(Some(bytes.into())) }
    }

    /// A stream of static bytes.
    pub fn from_static(bytes: &'static [u8]) -> Self {
        ByteStream::new(Bytes::from_static(bytes))
    }

    /// A stream of the file at `path`, read in chunks as it is sent. Its
    /// length is taken now and is the request's `Content-Length`: a file
    /// that shrinks before it is read fails the call; one that grows is
    /// sent up to that length.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<ByteStream, ByteStreamError> {
        let file = FileSource::open(path.as_ref()).await?;
        Ok(ByteStream { inner: Inner::File(Box::new(file)) })
    }

    /// A stream of the data frames of an `http-body` 1 body (trailers are
    /// dropped). It can be read once.
    pub fn from_body_1_x<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        ByteStream::from_source(sources::HttpBodySource::new(body))
    }

    /// A stream fed by the returned sender, holding at most `buffer`
    /// chunks (at least one) that are not read yet. It ends when the
    /// sender is dropped, or fails when [`ChunkSender::abort`] is called.
    /// It can be read once.
    pub fn channel(buffer: usize) -> (ChunkSender, ByteStream) {
        let (sender, source) = sources::channel(buffer.max(1));
        (sender, ByteStream::from_source(source))
    }

    pub(crate) fn from_source(source: impl Source + 'static) -> Self {
        ByteStream { inner: Inner::Chunks(Mutex::new(Box::pin(source))) }
    }

    /// The next chunk; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Bytes, ByteStreamError>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The next chunk; `Ok(None)` at the end.
    pub async fn try_next(&mut self) -> Result<Option<Bytes>, ByteStreamError> {
        self.next().await.transpose()
    }

    /// Reads the rest of the stream into memory.
    pub async fn collect(mut self) -> Result<AggregatedBytes, ByteStreamError> {
        if let Inner::Bytes(b) = &mut self.inner {
            return Ok(AggregatedBytes(b.take().unwrap_or_default()));
        }
        let mut all = BytesMut::with_capacity(self.content_length().unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = self.try_next().await? {
            all.extend_from_slice(&chunk);
        }
        Ok(AggregatedBytes(all.freeze()))
    }

    /// The bytes, when the stream is in memory and not yet read.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.inner {
            Inner::Bytes(b) => Some(b.as_deref().unwrap_or_default()),
            _ => None,
        }
    }

    /// The number of bytes left to read, when it is known (in memory, a
    /// file, a body that says).
    pub fn content_length(&self) -> Option<u64> {
        match &self.inner {
            Inner::Bytes(b) => Some(b.as_ref().map_or(0, Bytes::len) as u64),
            Inner::File(file) => Some(file.remaining()),
            Inner::Chunks(source) => match source.try_lock() {
                Ok(source) => source.exact_size(),
                Err(_) => None,
            },
        }
    }

    /// A fresh stream of the same bytes from their start, for sending
    /// again: `None` for a stream that can be read once only, or one
    /// already (partly) read.
    pub(crate) fn try_clone(&self) -> Option<ByteStream> {
        match &self.inner {
            Inner::Bytes(b) => b.clone().map(ByteStream::new),
            Inner::File(file) => file.try_clone().map(|file| ByteStream { inner: Inner::File(Box::new(file)) }),
            Inner::Chunks(_) => None,
        }
    }

    /// True for a stream that can be sent again ([`try_clone`](Self::try_clone)).
    pub(crate) fn is_replayable(&self) -> bool {
        match &self.inner {
            Inner::Bytes(b) => b.is_some(),
            Inner::File(file) => file.try_clone().is_some(),
            Inner::Chunks(_) => false,
        }
    }

    /// The whole bytes when in memory, else the stream back.
    pub(crate) fn into_bytes(self) -> Result<Bytes, ByteStream> {
        match self.inner {
            Inner::Bytes(b) => Ok(b.unwrap_or_default()),
            inner => Err(ByteStream { inner }),
        }
    }

    /// Polls for the next chunk (empty chunks are skipped).
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        match &mut self.inner {
            Inner::Bytes(b) => Poll::Ready(b.take().filter(|b| !b.is_empty()).map(Ok)),
            Inner::File(file) => file.poll_chunk(cx),
            Inner::Chunks(source) => {
                let source = source.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
                loop {
                    match source.as_mut().poll_chunk(cx) {
                        Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                        other => return other,
                    }
                }
            }
        }
    }
}

impl From<Vec<u8>> for ByteStream {
    fn from(v: Vec<u8>) -> Self {
        ByteStream::new(v)
    }
}

impl From<&'static str> for ByteStream {
    fn from(s: &'static str) -> Self {
        ByteStream::from_static(s.as_bytes())
    }
}

impl From<Bytes> for ByteStream {
    fn from(b: Bytes) -> Self {
        ByteStream::new(b)
    }
}

/// A stream read to its end.
#[derive(Debug, Clone)]
pub struct AggregatedBytes(Bytes);

impl AggregatedBytes {
    /// The bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The bytes, copied.
    pub fn to_vec(self) -> Vec<u8> {
        self.0.to_vec()
    }
}

/// A stream that could not be read: the file, the connection or the
/// sender failed, or the body stalled or timed out.
#[derive(Debug)]
pub struct ByteStreamError {
    message: String,
    source: Option<BoxError>,
}

impl ByteStreamError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ByteStreamError { message: message.into(), source: None }
    }

    pub(crate) fn caused_by(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        ByteStreamError { message: message.into(), source: Some(source.into()) }
    }
}

impl fmt::Display for ByteStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ByteStreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

#[cfg(test)]
mod tests;
