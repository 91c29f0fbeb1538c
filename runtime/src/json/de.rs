//! Typed readers over [`Value`], called by generated deserialisers.
//!
//! Each reader takes the place it reads (`UsageRecord.Timestamp`), so a
//! malformed response says which member was wrong and how.

use std::collections::HashMap;
use std::fmt;

use super::value::Value;
use crate::primitives::{base64_decode, Blob, DateTime, DateTimeFormat, Document, Number};

/// A response member that does not have the modeled type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeserializeError {
    at: String,
    message: String,
}

impl DeserializeError {
    /// A problem at `at` (a shape and member, such as `UsageRecord.Quantity`).
    pub fn new(at: &str, message: impl Into<String>) -> Self {
        DeserializeError { at: at.to_owned(), message: message.into() }
    }

    /// Where in the response the problem is.
    pub fn at(&self) -> &str {
        &self.at
    }
}

impl fmt::Display for DeserializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl std::error::Error for DeserializeError {}

fn wrong(at: &str, expected: &str, v: &Value) -> DeserializeError {
    DeserializeError::new(at, format!("expected {expected}, found {}", v.kind()))
}

/// The entries of an object.
pub fn object<'v>(v: &'v Value, at: &str) -> Result<&'v [(String, Value)], DeserializeError> {
    match v {
        Value::Object(entries) => Ok(entries),
        other => Err(wrong(at, "an object", other)),
    }
}

/// The items of an array.
pub fn array<'v>(v: &'v Value, at: &str) -> Result<&'v [Value], DeserializeError> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(wrong(at, "an array", other)),
    }
}

/// A string.
pub fn string(v: &Value, at: &str) -> Result<String, DeserializeError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(wrong(at, "a string", other)),
    }
}

/// A boolean.
pub fn boolean(v: &Value, at: &str) -> Result<bool, DeserializeError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(wrong(at, "a boolean", other)),
    }
}

fn integer(v: &Value, at: &str, min: i64, max: i64) -> Result<i64, DeserializeError> {
    let Value::Number(text) = v else { return Err(wrong(at, "an integer", v)) };
    let n: i64 = text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not an integer in range")))?;
    if n < min || n > max {
        return Err(DeserializeError::new(at, format!("{n} is out of range {min}..={max}")));
    }
    Ok(n)
}

/// An `i8`.
pub fn byte(v: &Value, at: &str) -> Result<i8, DeserializeError> {
    integer(v, at, i8::MIN.into(), i8::MAX.into()).map(|n| n as i8)
}

/// An `i16`.
pub fn short(v: &Value, at: &str) -> Result<i16, DeserializeError> {
    integer(v, at, i16::MIN.into(), i16::MAX.into()).map(|n| n as i16)
}

/// An `i32`.
pub fn int(v: &Value, at: &str) -> Result<i32, DeserializeError> {
    integer(v, at, i32::MIN.into(), i32::MAX.into()).map(|n| n as i32)
}

/// An `i64`.
pub fn long(v: &Value, at: &str) -> Result<i64, DeserializeError> {
    integer(v, at, i64::MIN, i64::MAX)
}

/// An `f64`; the strings `NaN`, `Infinity` and `-Infinity` are accepted.
pub fn double(v: &Value, at: &str) -> Result<f64, DeserializeError> {
    match v {
        Value::Number(text) => text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number"))),
        Value::String(s) if s == "NaN" => Ok(f64::NAN),
        Value::String(s) if s == "Infinity" => Ok(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
        other => Err(wrong(at, "a number", other)),
    }
}

/// An `f32`.
pub fn float(v: &Value, at: &str) -> Result<f32, DeserializeError> {
    match v {
        Value::Number(text) => text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number"))),
        _ => double(v, at).map(|f| f as f32),
    }
}

/// A big integer or decimal, kept as its text.
pub fn big_number(v: &Value, at: &str) -> Result<String, DeserializeError> {
    match v {
        Value::Number(text) => Ok(text.clone()),
        other => Err(wrong(at, "a number", other)),
    }
}

/// A timestamp in `format`; epoch seconds may be an integer or a fraction.
pub fn timestamp(v: &Value, format: DateTimeFormat, at: &str) -> Result<DateTime, DeserializeError> {
    match (format, v) {
        (DateTimeFormat::EpochSeconds, Value::Number(text)) => {
            if text.contains(['e', 'E']) {
                let f: f64 = text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number")))?;
                DateTime::try_from_secs_f64(f).map_err(|e| DeserializeError::new(at, e.to_string()))
            } else {
                DateTime::from_str(text, DateTimeFormat::EpochSeconds).map_err(|e| DeserializeError::new(at, e.to_string()))
            }
        }
        (DateTimeFormat::EpochSeconds, other) => Err(wrong(at, "epoch seconds", other)),
        (_, Value::String(s)) => DateTime::from_str(s, format).map_err(|e| DeserializeError::new(at, e.to_string())),
        (_, other) => Err(wrong(at, "a timestamp string", other)),
    }
}

/// A base64-encoded blob.
pub fn blob(v: &Value, at: &str) -> Result<Blob, DeserializeError> {
    match v {
        Value::String(s) => base64_decode(s).map(Blob::new).map_err(|e| DeserializeError::new(at, e)),
        other => Err(wrong(at, "a base64 string", other)),
    }
}

/// Any value, as a document.
pub fn document(v: &Value, at: &str) -> Result<Document, DeserializeError> {
    Ok(match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::String(s) => Document::String(s.clone()),
        Value::Number(text) => Document::Number(if let Ok(n) = text.parse::<u64>() {
            Number::PosInt(n)
        } else if let Ok(n) = text.parse::<i64>() {
            Number::NegInt(n)
        } else {
            Number::Float(text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number")))?)
        }),
        Value::Array(items) => Document::Array(items.iter().map(|i| document(i, at)).collect::<Result<_, _>>()?),
        Value::Object(entries) => {
            let mut map = HashMap::with_capacity(entries.len());
            for (k, v) in entries {
                map.insert(k.clone(), document(v, at)?);
            }
            Document::Object(map)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn readers_accept_their_types_and_name_the_place() {
        let v = parse(br#"[1, 1.5, "NaN", "2014-04-29T18:30:38Z", "Zm9v", 1398796238.5, 3000000000, 1e2]"#).unwrap();
        let items = array(&v, "T").unwrap();
        assert_eq!(int(&items[0], "T.a").unwrap(), 1);
        assert_eq!(double(&items[1], "T.b").unwrap(), 1.5);
        assert!(double(&items[2], "T.c").unwrap().is_nan());
        assert_eq!(timestamp(&items[3], DateTimeFormat::DateTime, "T.d").unwrap(), DateTime::from_secs(1_398_796_238));
        assert_eq!(blob(&items[4], "T.e").unwrap().as_ref(), b"foo");
        assert_eq!(timestamp(&items[5], DateTimeFormat::EpochSeconds, "T.f").unwrap(), DateTime::from_millis(1_398_796_238_500));
        assert_eq!(int(&items[6], "T.g").unwrap_err().to_string(), "T.g: 3000000000 is out of range -2147483648..=2147483647");
        assert_eq!(timestamp(&items[7], DateTimeFormat::EpochSeconds, "T.h").unwrap(), DateTime::from_secs(100));
        assert_eq!(string(&items[0], "Rec.Name").unwrap_err().to_string(), "Rec.Name: expected a string, found a number");
        assert_eq!(int(&items[1], "X").unwrap_err().to_string(), "X: `1.5` is not an integer in range");
    }
}
