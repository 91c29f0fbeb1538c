//! JSON for the awsJson protocols: a writer for requests, a pull reader and
//! its typed readers for responses, and a tree for the few bodies looked
//! over as a whole.

mod de;
mod pool;
mod reader;
mod scan;
mod value;
mod writer;

pub use de::DeserializeError;
pub use pool::StringPool;
pub use reader::JsonReader;
#[cfg(any(test, feature = "test-util"))]
pub use value::ParseError;
pub use value::{parse, Value};
pub use writer::{InvalidNumber, JsonWriter};
