//! [`DeserializeError`]: what the typed readers of every wire format (the
//! JSON reader in `json/`, the CBOR reader in `cbor/`) return when a
//! response does not have the modeled shape, or is not that format at all.

use std::fmt;

/// A response member that does not have the modeled type, or a body that is
/// not the protocol's format (JSON or CBOR).
///
/// It is one pointer wide: every typed reader returns a `Result` with it,
/// and a small error keeps those results in registers on the path where
/// nothing goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeserializeError(Box<Problem>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    at: String,
    message: String,
    malformed: Option<Malformed>,
}

/// Why a body is not well-formed in its format: which format, and the
/// reader's account of where it stops being that (`invalid JSON at byte 38:
/// unterminated string`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    /// `JSON` or `CBOR`.
    pub(crate) format: &'static str,
    /// The reader's own message, with the byte offset.
    pub(crate) detail: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl DeserializeError {
    /// A problem at `at` (a shape and member, such as `UsageRecord.Quantity`).
    pub fn new(at: &str, message: impl Into<String>) -> Self {
        DeserializeError(Box::new(Problem { at: at.to_owned(), message: message.into(), malformed: None }))
    }

    /// A body that stops being `format` (`JSON`, `CBOR`) at `at`, as `detail` says.
    #[cold]
    pub(crate) fn malformed(at: &str, format: &'static str, detail: String) -> Self {
        DeserializeError(Box::new(Problem { at: at.to_owned(), message: detail.clone(), malformed: Some(Malformed { format, detail }) }))
    }

    /// Where in the response the problem is.
    pub fn at(&self) -> &str {
        &self.0.at
    }

    /// Why the body is not well-formed in its format, when that is the problem.
    pub(crate) fn malformed_body(&self) -> Option<&Malformed> {
        self.0.malformed.as_ref()
    }
}

impl fmt::Display for DeserializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A body that is not JSON (or CBOR) at all has no member to name.
        if self.0.at.is_empty() {
            return f.write_str(&self.0.message);
        }
        write!(f, "{}: {}", self.0.at, self.0.message)
    }
}

impl std::error::Error for DeserializeError {}

/// The readers of Smithy's four integer types, over a reader's
/// `integer(at, min, max)` (the value as an `i64`, refused outside the
/// bounds): the same four methods for every format's reader.
macro_rules! integer_readers {
    () => {
        /// An `i8`.
        pub fn byte(&mut self, at: &str) -> Result<i8, DeserializeError> {
            self.integer(at, i8::MIN.into(), i8::MAX.into()).map(|n| n as i8)
        }

        /// An `i16`.
        pub fn short(&mut self, at: &str) -> Result<i16, DeserializeError> {
            self.integer(at, i16::MIN.into(), i16::MAX.into()).map(|n| n as i16)
        }

        /// An `i32`.
        pub fn int(&mut self, at: &str) -> Result<i32, DeserializeError> {
            self.integer(at, i32::MIN.into(), i32::MAX.into()).map(|n| n as i32)
        }

        /// An `i64`.
        pub fn long(&mut self, at: &str) -> Result<i64, DeserializeError> {
            self.integer(at, i64::MIN, i64::MAX)
        }
    };
}

pub(crate) use integer_readers;

/// `n` when it lies within `min..=max`, else the error at `at` that says so.
pub(crate) fn in_range(at: &str, n: i64, min: i64, max: i64) -> Result<i64, DeserializeError> {
    if n < min || n > max {
        return Err(DeserializeError::new(at, format!("{n} is out of range {min}..={max}")));
    }
    Ok(n)
}
