//! A parsed JSON document, for the few places that look a body over as a
//! whole (error codes, credential responses, endpoint rule sets).
//!
//! Objects keep their entries in order as a `Vec`, and numbers keep their
//! text (so big numbers and exact decimals survive). Responses are not read
//! through this tree but through the reader it is built with.

use std::fmt;

use super::reader::JsonReader;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, in document order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The last value under `key`, when this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Why a body is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub message: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a complete JSON document.
pub fn parse(input: &[u8]) -> Result<Value, ParseError> {
    let mut reader = JsonReader::new(input);
    let value = reader.lex_value()?;
    reader.lex_end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_everything_in_order() {
        let v = parse(br#" {"b": [1, -2.5e3, true, null], "a": "x\u00e9\ud83d\ude00\n", "b": {}} "#).unwrap();
        assert_eq!(
            v,
            Value::Object(vec![
                ("b".into(), Value::Array(vec![Value::Number("1".into()), Value::Number("-2.5e3".into()), Value::Bool(true), Value::Null])),
                ("a".into(), Value::String("xé😀\n".into())),
                ("b".into(), Value::Object(vec![])),
            ])
        );
        assert_eq!(v.get("b"), Some(&Value::Object(vec![])), "the last duplicate key wins");
    }

    #[test]
    fn refuses_malformed_documents_without_panicking() {
        let bad: [&[u8]; 14] = [
            b"",
            b"{",
            b"{\"a\"",
            b"{\"a\":}",
            b"[1,]",
            b"01",
            b"1.",
            b"-",
            b"\"abc",
            b"\"\\x\"",
            b"<html>",
            b"{} x",
            b"\"\\ud800\"",
            b"\"\xff\"",
        ];
        for input in bad {
            assert!(parse(input).is_err(), "{:?}", String::from_utf8_lossy(input));
        }
        let deep = "[".repeat(10_000);
        assert_eq!(parse(deep.as_bytes()).unwrap_err().message, "nesting is too deep");
    }
}
