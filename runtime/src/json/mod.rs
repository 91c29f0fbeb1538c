//! JSON for the awsJson protocols: a writer for requests, a parser and typed
//! readers for responses.

pub mod de;
mod value;
mod writer;

pub use de::DeserializeError;
pub use value::{parse, Value};
#[cfg(any(test, feature = "test-util"))]
pub use value::ParseError;
pub use writer::{InvalidNumber, JsonWriter};
