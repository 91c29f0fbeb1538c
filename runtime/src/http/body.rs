//! `Body`: a request body that every attempt of a call shares.
//!
//! A retry sends the same bytes again, and a batch of usage records is
//! kilobytes long, so attempts hold one buffer by reference count instead
//! of copying it; the transport hands the same buffer to hyper without a
//! copy either.
//!
//! A streaming payload ([`ByteStream`]) that is not in memory is a stream
//! body: each attempt takes a fresh stream of it when it can be read again
//! (a file), or the one stream the first time only (chunks from a channel
//! or another body), after which the body is spent and the call is not
//! retried.

use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::primitives::ByteStream;

/// A request body: bytes, which cloning shares, or a stream.
#[derive(Clone)]
pub struct Body(Repr);

#[derive(Clone)]
enum Repr {
    Bytes(Bytes),
    Stream(Arc<StreamBody>),
}

struct StreamBody {
    length: Option<u64>,
    replayable: bool,
    /// A replayable body's template (never read), or the one-shot stream
    /// until an attempt takes it.
    stream: Mutex<Option<ByteStream>>,
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl PartialEq for Body {
    /// Bytes by value, streams by identity.
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Bytes(a), Repr::Bytes(b)) => a == b,
            (Repr::Stream(a), Repr::Stream(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Body {}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body(Repr::Bytes(Bytes::new()))
    }

    /// The bytes, unless the body is a stream.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            Repr::Bytes(b) => Some(b),
            Repr::Stream(_) => None,
        }
    }

    /// The body's length when known: always for bytes, for a stream when
    /// its source says (a file does).
    pub fn content_length(&self) -> Option<u64> {
        match &self.0 {
            Repr::Bytes(b) => Some(b.len() as u64),
            Repr::Stream(s) => s.length,
        }
    }

    /// True when the body is a stream, not bytes at hand.
    pub fn is_stream(&self) -> bool {
        matches!(self.0, Repr::Stream(_))
    }

    /// True when the body may be sent (again): bytes, a replayable stream,
    /// or a one-shot stream no attempt has taken yet.
    pub fn can_send(&self) -> bool {
        match &self.0 {
            Repr::Bytes(_) => true,
            Repr::Stream(s) => s.replayable || s.stream.lock().map(|s| s.is_some()).unwrap_or(false),
        }
    }

    /// The body's bytes as a stream for one attempt: a fresh stream of a
    /// replayable body, a one-shot body's stream the first time only
    /// (`None` after). Transports that stream call this; bytes come as an
    /// in-memory stream.
    pub fn take_stream(&self) -> Option<ByteStream> {
        match &self.0 {
            Repr::Bytes(b) => Some(ByteStream::new(b.clone())),
            Repr::Stream(s) => {
                let mut held = s.stream.lock().ok()?;
                if s.replayable {
                    held.as_ref().and_then(ByteStream::try_clone)
                } else {
                    held.take()
                }
            }
        }
    }

    /// The bytes, shared, or `None` for a stream.
    pub(crate) fn shared_bytes(&self) -> Option<Bytes> {
        match &self.0 {
            Repr::Bytes(b) => Some(b.clone()),
            Repr::Stream(_) => None,
        }
    }
}

impl From<ByteStream> for Body {
    /// A stream in memory becomes bytes; any other stays a stream.
    fn from(stream: ByteStream) -> Self {
        match stream.into_bytes() {
            Ok(bytes) => Body(Repr::Bytes(bytes)),
            Err(stream) => Body(Repr::Stream(Arc::new(StreamBody {
                length: stream.content_length(),
                replayable: stream.is_replayable(),
                stream: Mutex::new(Some(stream)),
            }))),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body(Repr::Bytes(b))
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body(Repr::Bytes(Bytes::from(v)))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body(Repr::Bytes(Bytes::from(s)))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Body(Repr::Bytes(Bytes::from_static(s)))
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body(Repr::Bytes(Bytes::from_static(s.as_bytes())))
    }
}

impl fmt::Debug for Body {
    /// Only the length: request bodies may hold tokens (web identity).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0, self.content_length()) {
            (Repr::Bytes(b), _) => write!(f, "<{} bytes>", b.len()),
            (Repr::Stream(_), Some(n)) => write!(f, "<stream of {n} bytes>"),
            (Repr::Stream(_), None) => f.write_str("<stream>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_bytes_and_debug_shows_only_the_length() {
        let body = Body::from(b"{\"secret\":1}".to_vec());
        let again = body.clone();
        assert_eq!(body.bytes().unwrap().as_ptr(), again.bytes().unwrap().as_ptr());
        assert_eq!(again.bytes(), Some(&b"{\"secret\":1}"[..]));
        assert_eq!(format!("{again:?}"), "<12 bytes>");
    }

    #[tokio::test]
    async fn a_one_shot_stream_goes_to_one_attempt_and_a_file_to_every_one() {
        let (sender, stream) = ByteStream::channel(4);
        let body = Body::from(stream);
        assert!(body.is_stream() && body.can_send());
        assert_eq!(body.content_length(), None);
        let first = body.clone().take_stream().expect("the first attempt takes the stream");
        assert!(body.take_stream().is_none(), "a second attempt finds it spent");
        assert!(!body.can_send());
        drop((sender, first));

        let dir = std::env::temp_dir().join(format!("body-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("payload");
        std::fs::write(&path, b"file bytes").unwrap();
        let body = Body::from(ByteStream::from_path(&path).await.unwrap());
        assert_eq!(body.content_length(), Some(10));
        for _ in 0..2 {
            let bytes = body.take_stream().expect("a file is sent again").collect().await.unwrap().to_vec();
            assert_eq!(bytes, b"file bytes");
        }
        assert!(body.can_send());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stream_in_memory_is_bytes() {
        let body = Body::from(ByteStream::from_static(b"abc"));
        assert_eq!(body.bytes(), Some(&b"abc"[..]));
        assert!(!body.is_stream());
    }
}
