//! `Body`: a request body that every attempt of a call shares.
//!
//! A retry sends the same bytes again, and a batch of usage records is
//! kilobytes long, so attempts hold one buffer by reference count instead
//! of copying it; the transport hands the same buffer to hyper without a
//! copy either.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// The bytes of a request body; cloning it shares them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Body(Bytes);

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body(Bytes::new())
    }

    pub(crate) fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Body {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body(Bytes::from(v))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body(Bytes::from(s))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Body(Bytes::from_static(s))
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body(Bytes::from_static(s.as_bytes()))
    }
}

impl fmt::Debug for Body {
    /// Only the length: request bodies may hold tokens (web identity).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_bytes_and_debug_shows_only_the_length() {
        let body = Body::from(b"{\"secret\":1}".to_vec());
        let again = body.clone();
        assert_eq!(body.as_ptr(), again.as_ptr());
        assert_eq!(&*again, b"{\"secret\":1}");
        assert_eq!(format!("{again:?}"), "<12 bytes>");
    }
}
