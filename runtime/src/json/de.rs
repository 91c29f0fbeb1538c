//! The typed readers generated deserialisers call on a [`JsonReader`].
//!
//! Each reader takes the place it reads (`UsageRecord.Timestamp`), so a
//! malformed response says which member was wrong and how; a body that is
//! not JSON at all says so too, with the byte where it stops being JSON.

use std::borrow::Cow;
use std::collections::HashMap;

use super::reader::JsonReader;
use super::value::ParseError;
pub use crate::deserialize_error::DeserializeError;
use crate::primitives::{base64_decode, Blob, DateTime, DateTimeFormat, Document, Number};

/// A body that is not JSON, at `at`.
#[cold]
fn syntax(at: &str, e: ParseError) -> DeserializeError {
    DeserializeError::malformed(at, "JSON", e.to_string())
}

/// What a value starting with `byte` is, for error messages.
fn kind(byte: u8) -> &'static str {
    match byte {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

impl<'a> JsonReader<'a> {
    /// The error for a value that is not `expected`, or for no value at all.
    fn wrong(&mut self, at: &str, expected: &str) -> DeserializeError {
        match self.peek() {
            None => syntax(at, self.err("unexpected end of input")),
            Some(b @ (b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9')) => {
                DeserializeError::new(at, format!("expected {expected}, found {}", kind(b)))
            }
            Some(_) => syntax(at, self.err("expected a value")),
        }
    }

    /// Checks that nothing but whitespace follows the document.
    pub fn finish(&mut self) -> Result<(), DeserializeError> {
        self.lex_end().map_err(|e| syntax("", e))
    }

    /// Enters an object; read its entries with [`next_key`](Self::next_key).
    pub fn begin_object(&mut self, at: &str) -> Result<(), DeserializeError> {
        match self.peek() {
            Some(b'{') => self.open().map_err(|e| syntax(at, e)),
            _ => Err(self.wrong(at, "an object")),
        }
    }

    /// The next key of the object (its value is to be read next), or
    /// `None` when the object ends.
    pub fn next_key(&mut self, at: &str) -> Result<Option<Cow<'a, str>>, DeserializeError> {
        self.lex_key().map_err(|e| syntax(at, e))
    }

    /// Enters an array; read its items with [`next_item`](Self::next_item).
    pub fn begin_array(&mut self, at: &str) -> Result<(), DeserializeError> {
        match self.peek() {
            Some(b'[') => self.open().map_err(|e| syntax(at, e)),
            _ => Err(self.wrong(at, "an array")),
        }
    }

    /// True when the array has another item, which is to be read next.
    pub fn next_item(&mut self, at: &str) -> Result<bool, DeserializeError> {
        self.lex_item().map_err(|e| syntax(at, e))
    }

    /// Consumes the next value when it is `null`, and says whether it was.
    pub fn take_null(&mut self) -> Result<bool, DeserializeError> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.lex_literal(b"null").map_err(|e| syntax("", e))?;
        Ok(true)
    }

    /// Consumes the next value, whatever it is (a member the model does not know).
    pub fn skip_value(&mut self, at: &str) -> Result<(), DeserializeError> {
        self.lex_skip().map_err(|e| syntax(at, e))
    }

    /// A string, borrowed from the body when it has no escapes.
    pub fn str(&mut self, at: &str) -> Result<Cow<'a, str>, DeserializeError> {
        match self.peek() {
            Some(b'"') => self.lex_string().map_err(|e| syntax(at, e)),
            _ => Err(self.wrong(at, "a string")),
        }
    }

    /// A string.
    pub fn string(&mut self, at: &str) -> Result<String, DeserializeError> {
        self.str(at).map(Cow::into_owned)
    }

    /// A string that may repeat one of the request's: the request's own when
    /// it is equal (see [`StringPool`](super::StringPool)), else a copy.
    pub fn echoed_string(&mut self, at: &str) -> Result<String, DeserializeError> {
        let text = self.str(at)?;
        Ok(match self.pool.take(&text) {
            Some(given) => given,
            None => text.into_owned(),
        })
    }

    /// A number's text, as written.
    fn number_text(&mut self, at: &str, expected: &str) -> Result<&'a str, DeserializeError> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.lex_number().map_err(|e| syntax(at, e)),
            _ => Err(self.wrong(at, expected)),
        }
    }

    /// A boolean.
    pub fn boolean(&mut self, at: &str) -> Result<bool, DeserializeError> {
        let (word, value): (&[u8], bool) = match self.peek() {
            Some(b't') => (b"true", true),
            Some(b'f') => (b"false", false),
            _ => return Err(self.wrong(at, "a boolean")),
        };
        self.lex_literal(word).map_err(|e| syntax(at, e))?;
        Ok(value)
    }

    fn integer(&mut self, at: &str, min: i64, max: i64) -> Result<i64, DeserializeError> {
        let text = self.number_text(at, "an integer")?;
        let n: i64 = text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not an integer in range")))?;
        crate::deserialize_error::in_range(at, n, min, max)
    }

    crate::deserialize_error::integer_readers!();

    /// An `f64`; the strings `NaN`, `Infinity` and `-Infinity` are accepted.
    pub fn double(&mut self, at: &str) -> Result<f64, DeserializeError> {
        if self.peek() == Some(b'"') {
            return match &*self.str(at)? {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => Err(DeserializeError::new(at, "expected a number, found a string")),
            };
        }
        let text = self.number_text(at, "a number")?;
        text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number")))
    }

    /// An `f32`, parsed as one (not rounded through `f64`).
    pub fn float(&mut self, at: &str) -> Result<f32, DeserializeError> {
        if self.peek() == Some(b'"') {
            return self.double(at).map(|f| f as f32);
        }
        let text = self.number_text(at, "a number")?;
        text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number")))
    }

    /// A big integer or decimal, kept as its text.
    pub fn big_number(&mut self, at: &str) -> Result<String, DeserializeError> {
        self.number_text(at, "a number").map(str::to_owned)
    }

    /// A timestamp in `format`; epoch seconds may be an integer or a fraction.
    pub fn timestamp(&mut self, format: DateTimeFormat, at: &str) -> Result<DateTime, DeserializeError> {
        if format == DateTimeFormat::EpochSeconds {
            let text = self.number_text(at, "epoch seconds")?;
            return if text.bytes().any(|b| (b | 0x20) == b'e') {
                let f: f64 = text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number")))?;
                DateTime::try_from_secs_f64(f).map_err(|e| DeserializeError::new(at, e.to_string()))
            } else {
                DateTime::from_str(text, DateTimeFormat::EpochSeconds).map_err(|e| DeserializeError::new(at, e.to_string()))
            };
        }
        if self.peek() != Some(b'"') {
            return Err(self.wrong(at, "a timestamp string"));
        }
        let text = self.str(at)?;
        DateTime::from_str(&text, format).map_err(|e| DeserializeError::new(at, e.to_string()))
    }

    /// A base64-encoded blob.
    pub fn blob(&mut self, at: &str) -> Result<Blob, DeserializeError> {
        if self.peek() != Some(b'"') {
            return Err(self.wrong(at, "a base64 string"));
        }
        let text = self.str(at)?;
        base64_decode(&text).map(Blob::new).map_err(|e| DeserializeError::new(at, e))
    }

    /// Any value, as a document.
    pub fn document(&mut self, at: &str) -> Result<Document, DeserializeError> {
        Ok(match self.peek() {
            Some(b'{') => {
                self.begin_object(at)?;
                let mut map = HashMap::new();
                while let Some(key) = self.next_key(at)? {
                    let value = self.document(at)?;
                    map.insert(key.into_owned(), value);
                }
                Document::Object(map)
            }
            Some(b'[') => {
                self.begin_array(at)?;
                let mut items = Vec::new();
                while self.next_item(at)? {
                    items.push(self.document(at)?);
                }
                Document::Array(items)
            }
            Some(b'"') => Document::String(self.string(at)?),
            Some(b'n') => {
                self.take_null()?;
                Document::Null
            }
            Some(b't' | b'f') => Document::Bool(self.boolean(at)?),
            _ => {
                let text = self.number_text(at, "a value")?;
                Document::Number(if let Ok(n) = text.parse::<u64>() {
                    Number::PosInt(n)
                } else if let Ok(n) = text.parse::<i64>() {
                    Number::NegInt(n)
                } else {
                    Number::Float(text.parse().map_err(|_| DeserializeError::new(at, format!("`{text}` is not a number")))?)
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_accept_their_types_and_name_the_place() {
        let mut r = JsonReader::new(
            br#"[1, 1.5, "NaN", "2014-04-29T18:30:38Z", "Zm9v", 1398796238.5, 3000000000, 1e2, 1, 1.5, true, null, {"a": [null, -1]}]"#,
        );
        r.begin_array("T").unwrap();
        let next = |r: &mut JsonReader| assert!(r.next_item("T").unwrap());
        next(&mut r);
        assert_eq!(r.int("T.a").unwrap(), 1);
        next(&mut r);
        assert_eq!(r.double("T.b").unwrap(), 1.5);
        next(&mut r);
        assert!(r.double("T.c").unwrap().is_nan());
        next(&mut r);
        assert_eq!(r.timestamp(DateTimeFormat::DateTime, "T.d").unwrap(), DateTime::from_secs(1_398_796_238));
        next(&mut r);
        assert_eq!(r.blob("T.e").unwrap().as_ref(), b"foo");
        next(&mut r);
        assert_eq!(r.timestamp(DateTimeFormat::EpochSeconds, "T.f").unwrap(), DateTime::from_millis(1_398_796_238_500));
        next(&mut r);
        assert_eq!(r.int("T.g").unwrap_err().to_string(), "T.g: 3000000000 is out of range -2147483648..=2147483647");
        next(&mut r);
        assert_eq!(r.timestamp(DateTimeFormat::EpochSeconds, "T.h").unwrap(), DateTime::from_secs(100));
        next(&mut r);
        assert_eq!(r.string("Rec.Name").unwrap_err().to_string(), "Rec.Name: expected a string, found a number");
        r.skip_value("T").unwrap();
        next(&mut r);
        assert_eq!(r.int("X").unwrap_err().to_string(), "X: `1.5` is not an integer in range");
        next(&mut r);
        assert!(r.boolean("T.i").unwrap());
        next(&mut r);
        assert!(r.take_null().unwrap());
        next(&mut r);
        let doc = r.document("T.j").unwrap();
        let Document::Object(map) = doc else { panic!("{doc:?}") };
        assert_eq!(map["a"], Document::Array(vec![Document::Null, Document::Number(Number::NegInt(-1))]));
        assert!(!r.next_item("T").unwrap());
        r.finish().unwrap();
    }

    #[test]
    fn a_body_that_is_not_json_is_a_syntax_error_with_its_place() {
        let mut r = JsonReader::new(br#"{"Results": [{"MeteringRecordId": "abc"#);
        r.begin_object("Out").unwrap();
        assert_eq!(r.next_key("Out").unwrap().as_deref(), Some("Results"));
        r.begin_array("Out.Results").unwrap();
        assert!(r.next_item("Out.Results").unwrap());
        r.begin_object("R").unwrap();
        assert_eq!(r.next_key("R").unwrap().as_deref(), Some("MeteringRecordId"));
        let e = r.string("R.MeteringRecordId").unwrap_err();
        assert_eq!(e.malformed_body().map(ToString::to_string).as_deref(), Some("invalid JSON at byte 38: unterminated string"));
        let e = JsonReader::new(b"<html>").begin_object("Out").unwrap_err();
        assert_eq!(e.malformed_body().map(|p| p.detail.as_str()), Some("invalid JSON at byte 0: expected a value"));
        let e = JsonReader::new(b"[1]").begin_object("Out").unwrap_err();
        assert_eq!((e.to_string(), e.malformed_body()), ("Out: expected an object, found an array".to_owned(), None));
        // Trailing text belongs to no member, and the message does not pretend it does.
        let mut r = JsonReader::new(b"{} x");
        r.begin_object("Out").unwrap();
        assert_eq!(r.next_key("Out").unwrap(), None);
        assert_eq!(r.finish().unwrap_err().to_string(), "invalid JSON at byte 3: trailing characters after the document");
        let deep = "[".repeat(200);
        assert_eq!(
            JsonReader::new(deep.as_bytes()).document("D").unwrap_err().malformed_body().unwrap().detail,
            "invalid JSON at byte 128: nesting is too deep"
        );
    }
}
