//! CBOR (RFC 8949) for the Smithy RPC v2 CBOR protocol: a writer for
//! requests and a pull reader for responses, the counterparts of `json/`.
//! Written here rather than taken from a crate: the protocol needs a small
//! part of CBOR (no value tree, no serde), and the SDK crates' dependency
//! graph stays as it is.

mod reader;
mod writer;

pub use reader::{CborError, CborErrorKind, CborReader, Container};
pub use writer::CborWriter;
