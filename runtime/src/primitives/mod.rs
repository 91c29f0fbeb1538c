//! Primitive types that generated crates expose: timestamps, blobs, documents.

mod blob;
mod date_time;
mod document;

pub use blob::{base64_decode, base64_encode, Blob};
pub use date_time::{DateTime, DateTimeError, Format as DateTimeFormat};
pub use document::{Document, Number};
