//! `ByteStream`: the body of an operation whose input or output is a
//! `@streaming` blob (restJson1's payloads).
//!
//! Today the transport hands over whole bodies, so a stream holds its bytes;
//! the API is the one a body that arrives in parts needs (`collect` is
//! asynchronous), so callers do not change when the transport streams.

use bytes::Bytes;

/// A streaming body's bytes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ByteStream {
    bytes: Bytes,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByteStream(<{} bytes>)", self.bytes.len())
    }
}

impl ByteStream {
    /// A stream of `bytes`.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        ByteStream { bytes: bytes.into() }
    }

    /// A stream of static bytes.
    pub fn from_static(bytes: &'static [u8]) -> Self {
        ByteStream { bytes: Bytes::from_static(bytes) }
    }

    /// Reads the whole stream.
    pub async fn collect(self) -> Result<AggregatedBytes, ByteStreamError> {
        Ok(AggregatedBytes(self.bytes))
    }

    /// The bytes, when they are all at hand (they are, until the transport streams).
    pub fn bytes(&self) -> Option<&[u8]> {
        Some(&self.bytes)
    }

    pub(crate) fn into_inner(self) -> Bytes {
        self.bytes
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

/// A stream that could not be read.
#[derive(Debug)]
pub struct ByteStreamError(String);

impl std::fmt::Display for ByteStreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the stream could not be read: {}", self.0)
    }
}

impl std::error::Error for ByteStreamError {}

/// The bytes of a body, for generated code.
pub fn stream_bytes(stream: &ByteStream) -> Bytes {
    stream.clone().into_inner()
}
