//! JSON for the awsJson protocols: a writer for requests, a parser and typed
//! readers for responses.

pub mod de;
mod value;
mod writer;

pub use de::DeserializeError;
pub use value::{parse, ParseError, Value};
pub use writer::{InvalidNumber, JsonWriter};
