//! Primitive types that generated crates expose: timestamps, blobs, documents.

mod blob;
mod byte_stream;
mod date_time;
mod document;
#[cfg(feature = "serde")]
mod serde_impls;

pub use blob::{base64_decode, base64_encode, Blob};
pub(crate) use byte_stream::Source;
pub use byte_stream::{AggregatedBytes, ByteStream, ByteStreamError, ChunkSender, StreamClosed};
pub use date_time::{DateTime, DateTimeError, Format as DateTimeFormat};
pub use document::{Document, Number};

/// The value of an enum variant this version of the crate does not know.
///
/// Matching on it directly is not forward compatible: a later version may
/// turn the value into a named variant. Use `as_str()` on the enum instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownVariantValue(String);

impl UnknownVariantValue {
    /// Wraps a value; generated code calls this, users need not.
    #[doc(hidden)]
    pub fn new(value: impl Into<String>) -> Self {
        UnknownVariantValue(value.into())
    }

    /// The value as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An integer enum value this version of the crate does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownIntVariantValue(i32);

impl UnknownIntVariantValue {
    /// Wraps a value; generated code calls this, users need not.
    #[doc(hidden)]
    pub fn new(value: i32) -> Self {
        UnknownIntVariantValue(value)
    }

    /// The value as received.
    pub fn value(&self) -> i32 {
        self.0
    }
}
