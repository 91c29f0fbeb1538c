//! CBOR (RFC 8949) for the Smithy RPC v2 CBOR protocol, the counterpart of
//! `json/`: a writer for requests, and for responses a pull cursor over the
//! encoding with the typed readers generated deserialisers call.
//! Written here rather than taken from a crate: the protocol needs a small
//! part of CBOR (no value tree, no serde), and the SDK crates' dependency
//! graph stays as it is.

mod bignum;
mod cursor;
mod de;
mod writer;

pub use cursor::CborCursor;
pub use de::CborReader;
pub use writer::CborWriter;
