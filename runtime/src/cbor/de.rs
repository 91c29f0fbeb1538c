//! [`CborReader`]: the typed readers generated deserialisers call for the
//! Smithy RPC v2 CBOR protocol, over the [`CborCursor`].
//!
//! The methods are named and typed as [`JsonReader`](crate::json::JsonReader)'s
//! (`begin_object`, `next_key`, `int`, `timestamp`...), so the generator
//! emits one deserialiser shape for both protocols. Each takes the place it
//! reads, so a malformed response names the member; a body that is not
//! CBOR at all says so with the byte offset.

use std::borrow::Cow;

use super::cursor::{CborCursor, CborError, CborErrorKind, Container};
#[cfg(test)]
use super::writer::CborWriter;
use crate::deserialize_error::DeserializeError;
use crate::json::StringPool;
use crate::primitives::{Blob, DateTime};

/// Reads one CBOR response body into typed values, member by member.
#[derive(Debug)]
pub struct CborReader<'a> {
    cursor: CborCursor<'a>,
    /// The maps and arrays entered and not yet finished, innermost last.
    open: Vec<Container>,
    /// The request's strings, which the answer's equal strings are taken from.
    pool: StringPool,
}

/// A [`CborError`] at `at` as a [`DeserializeError`]: a well-formed item of
/// the wrong type or range is a shape problem, anything else a body that is
/// not CBOR.
#[cold]
fn problem(at: &str, e: CborError) -> DeserializeError {
    match e.kind {
        CborErrorKind::Unexpected { expected, found } => DeserializeError::new(at, format!("expected {expected}, found {found}")),
        CborErrorKind::OutOfRange => DeserializeError::new(at, format!("the number at byte {} is out of range", e.at)),
        _ => DeserializeError::malformed(at, "CBOR", e.to_string()),
    }
}

impl<'a> CborReader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        CborReader { cursor: CborCursor::new(input), open: Vec::new(), pool: StringPool::default() }
    }

    /// A reader whose owned strings are taken from `pool` where they are
    /// equal to what it holds (see [`StringPool`]).
    pub fn with_pool(input: &'a [u8], pool: StringPool) -> Self {
        CborReader { pool, ..CborReader::new(input) }
    }

    /// Checks that nothing follows the body's one item.
    pub fn finish(&mut self) -> Result<(), DeserializeError> {
        if self.cursor.at_end() {
            return Ok(());
        }
        Err(DeserializeError::malformed(
            "",
            "CBOR",
            format!("malformed CBOR at byte {}: bytes after the body's item", self.cursor.position()),
        ))
    }

    /// Enters a map; read its entries with [`next_key`](Self::next_key).
    pub fn begin_object(&mut self, at: &str) -> Result<(), DeserializeError> {
        let c = self.cursor.map().map_err(|e| problem(at, e))?;
        self.open.push(c);
        Ok(())
    }

    /// The next key of the map (its value is to be read next), or `None` when the map ends.
    pub fn next_key(&mut self, at: &str) -> Result<Option<Cow<'a, str>>, DeserializeError> {
        if !self.next_entry(at)? {
            return Ok(None);
        }
        self.cursor.str().map(Some).map_err(|e| problem(at, e))
    }

    /// The next member name of a structure, as bytes (its value is to be
    /// read next), or `None` when the structure ends. Generated code matches
    /// it against the model's names, so names are not checked for UTF-8: most
    /// of a response's strings are names, and the check was the reader's
    /// largest cost.
    pub fn next_member(&mut self, at: &str) -> Result<Option<Cow<'a, [u8]>>, DeserializeError> {
        if !self.next_entry(at)? {
            return Ok(None);
        }
        self.cursor.text_bytes().map(Some).map_err(|e| problem(at, e))
    }

    /// Enters an array; read its items with [`next_item`](Self::next_item).
    pub fn begin_array(&mut self, at: &str) -> Result<(), DeserializeError> {
        let c = self.cursor.array().map_err(|e| problem(at, e))?;
        self.open.push(c);
        Ok(())
    }

    /// True when the array has another item, which is to be read next.
    pub fn next_item(&mut self, at: &str) -> Result<bool, DeserializeError> {
        self.next_entry(at)
    }

    fn next_entry(&mut self, at: &str) -> Result<bool, DeserializeError> {
        let Some(c) = self.open.last_mut() else {
            return Err(DeserializeError::new(at, "read past the end of a map or array"));
        };
        let more = self.cursor.next(c).map_err(|e| problem(at, e))?;
        if !more {
            self.open.pop();
        }
        Ok(more)
    }

    /// Consumes the next item when it is `null` (or `undefined`), and says whether it was.
    pub fn take_null(&mut self) -> Result<bool, DeserializeError> {
        self.cursor.null().map_err(|e| problem("", e))
    }

    /// Consumes the next item, whatever it is (a member the model does not know).
    pub fn skip_value(&mut self, at: &str) -> Result<(), DeserializeError> {
        self.cursor.skip().map_err(|e| problem(at, e))
    }

    /// A text string, borrowed from the body unless it came in chunks.
    pub fn str(&mut self, at: &str) -> Result<Cow<'a, str>, DeserializeError> {
        self.cursor.str().map_err(|e| problem(at, e))
    }

    /// A text string.
    pub fn string(&mut self, at: &str) -> Result<String, DeserializeError> {
        self.str(at).map(Cow::into_owned)
    }

    /// A string that may repeat one of the request's: the request's own when
    /// it is equal (see [`StringPool`]), else a copy.
    pub fn echoed_string(&mut self, at: &str) -> Result<String, DeserializeError> {
        let text = self.str(at)?;
        Ok(match self.pool.take(&text) {
            Some(given) => given,
            None => text.into_owned(),
        })
    }

    /// A boolean.
    pub fn boolean(&mut self, at: &str) -> Result<bool, DeserializeError> {
        self.cursor.boolean().map_err(|e| problem(at, e))
    }

    fn integer(&mut self, at: &str, min: i64, max: i64) -> Result<i64, DeserializeError> {
        let n = self.cursor.integer().map_err(|e| problem(at, e))?;
        crate::deserialize_error::in_range(at, n, min, max)
    }

    crate::deserialize_error::integer_readers!();

    /// An `f64`, from a float of any precision or an integer.
    pub fn double(&mut self, at: &str) -> Result<f64, DeserializeError> {
        self.cursor.float().map_err(|e| problem(at, e))
    }

    /// An `f32`, from a float of any precision or an integer.
    pub fn float(&mut self, at: &str) -> Result<f32, DeserializeError> {
        self.double(at).map(|f| f as f32)
    }

    /// A bigInteger, as its decimal text: an integer or a bignum (tag 2 or 3).
    pub fn big_integer(&mut self, at: &str) -> Result<String, DeserializeError> {
        let (negative, magnitude) = self.cursor.integer_parts().map_err(|e| problem(at, e))?;
        let digits = integer_digits(at, negative, &magnitude)?;
        Ok(if negative { format!("-{digits}") } else { digits })
    }

    /// A bigDecimal, as its text (`273.15`): a decimal fraction (tag 4 over
    /// `[exponent, mantissa]`), or an integer or bignum standing for itself.
    pub fn big_decimal(&mut self, at: &str) -> Result<String, DeserializeError> {
        if self.cursor.peek_initial().map_err(|e| problem(at, e))? != 0xc4 {
            return self.big_integer(at);
        }
        self.cursor.tag().map_err(|e| problem(at, e))?;
        self.begin_array(at)?;
        let parts_missing = || DeserializeError::new(at, "a decimal fraction must be [exponent, mantissa]");
        if !self.next_item(at)? {
            return Err(parts_missing());
        }
        let exponent = self.long(at)?;
        if !self.next_item(at)? {
            return Err(parts_missing());
        }
        let (negative, magnitude) = self.cursor.integer_parts().map_err(|e| problem(at, e))?;
        if self.next_item(at)? {
            return Err(parts_missing());
        }
        let digits = integer_digits(at, negative, &magnitude)?;
        Ok(super::bignum::text(negative, &digits, exponent))
    }

    /// A timestamp: tag 1 over epoch seconds, an integer or a float.
    pub fn timestamp(&mut self, at: &str) -> Result<DateTime, DeserializeError> {
        self.cursor.timestamp().map_err(|e| problem(at, e))
    }

    /// A blob: a byte string.
    pub fn blob(&mut self, at: &str) -> Result<Blob, DeserializeError> {
        self.cursor.bytes().map(|b| Blob::new(b.into_owned())).map_err(|e| problem(at, e))
    }
}

/// The decimal digits of a CBOR integer's absolute value: `magnitude`, or
/// one more when `negative` (CBOR writes -n as n - 1).
fn integer_digits(at: &str, negative: bool, magnitude: &[u8]) -> Result<String, DeserializeError> {
    let value = if negative { super::bignum::plus_one(magnitude) } else { magnitude.to_vec() };
    super::bignum::bytes_to_digits(&value).ok_or_else(|| DeserializeError::new(at, "a bignum of more than 4,096 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn structures_lists_and_maps_read_member_by_member() {
        // {_ "n": 300, "l": [_ "a", null], "m": {"k": 1.5 (half)}, "t": 1(1363896240), "b": h'0102', "x": [1, 2]}
        let body = bytes("bf 616e 19012c 616c 9f 6161 f6 ff 616d a1 616b f93e00 6174 c11a514b67b0 6162 420102 6178 820102 ff");
        let mut r = CborReader::new(&body);
        r.begin_object("Out").unwrap();
        let mut seen = Vec::new();
        while let Some(k) = r.next_key("Out").unwrap() {
            match &*k {
                "n" => assert_eq!(r.int("Out.n").unwrap(), 300),
                "l" => {
                    r.begin_array("Out.l").unwrap();
                    assert!(r.next_item("Out.l").unwrap());
                    assert_eq!(r.string("Out.l[]").unwrap(), "a");
                    assert!(r.next_item("Out.l").unwrap());
                    assert!(r.take_null().unwrap());
                    assert!(!r.next_item("Out.l").unwrap());
                }
                "m" => {
                    r.begin_object("Out.m").unwrap();
                    assert_eq!(r.next_key("Out.m").unwrap().as_deref(), Some("k"));
                    assert_eq!(r.double("Out.m{}").unwrap(), 1.5);
                    assert_eq!(r.next_key("Out.m").unwrap(), None);
                }
                "t" => assert_eq!(r.timestamp("Out.t").unwrap(), DateTime::from_secs(1_363_896_240)),
                "b" => assert_eq!(r.blob("Out.b").unwrap().as_ref(), [1, 2]),
                _ => r.skip_value("Out").unwrap(),
            }
            seen.push(k.into_owned());
        }
        assert_eq!(seen, ["n", "l", "m", "t", "b", "x"]);
        r.finish().unwrap();
    }

    #[test]
    fn wrong_types_name_the_member_and_bad_bodies_say_they_are_not_cbor() {
        let e = CborReader::new(&bytes("63 616263")).int("Rec.Quantity").unwrap_err();
        assert_eq!(e.to_string(), "Rec.Quantity: expected an integer, found a text string");
        assert_eq!(e.malformed_body(), None);
        let e = CborReader::new(&bytes("1a 00010000")).short("Rec.N").unwrap_err();
        assert_eq!(e.to_string(), "Rec.N: 65536 is out of range -32768..=32767");
        let e = CborReader::new(b"<html>").begin_object("Out").unwrap_err();
        assert_eq!(e.to_string(), "Out: expected a map, found an integer");
        let open = bytes("bf 6261");
        let mut r = CborReader::new(&open);
        r.begin_object("Out").unwrap();
        let e = r.next_key("Out").unwrap_err();
        assert_eq!(e.malformed_body().map(|m| m.format), Some("CBOR"), "{e}");
        let trailing = bytes("a0 00");
        let mut r = CborReader::new(&trailing);
        r.begin_object("Out").unwrap();
        assert_eq!(r.next_key("Out").unwrap(), None);
        assert_eq!(r.finish().unwrap_err().to_string(), "malformed CBOR at byte 1: bytes after the body's item");
    }

    #[test]
    fn member_names_are_bytes_matched_as_the_generated_code_does() {
        // {"Name": 1, "\xff": 2} (the second name is not UTF-8, and is skipped by whoever does not know it)
        let body = bytes("a2 644e616d65 01 61ff 02");
        let mut r = CborReader::new(&body);
        r.begin_object("Out").unwrap();
        let mut seen = Vec::new();
        while let Some(name) = r.next_member("Out").unwrap() {
            match &*name {
                b"Name" => seen.push(r.int("Out.Name").unwrap()),
                _ => r.skip_value("Out").unwrap(),
            }
        }
        assert_eq!(seen, [1]);
        assert_eq!(
            CborReader::new(&bytes("a1 01 01")).next_member("Out").unwrap_err().to_string(),
            "Out: read past the end of a map or array"
        );
    }

    #[test]
    fn big_numbers_read_as_their_text() {
        let big = |hex: &str| CborReader::new(&bytes(hex)).big_integer("N").unwrap();
        assert_eq!(big("c249010000000000000000"), "18446744073709551616");
        assert_eq!(big("c349010000000000000000"), "-18446744073709551617");
        assert_eq!(big("3bffffffffffffffff"), "-18446744073709551616");
        assert_eq!(big("1bffffffffffffffff"), "18446744073709551615");
        assert_eq!(big("20"), "-1");
        let dec = |hex: &str| CborReader::new(&bytes(hex)).big_decimal("D").unwrap();
        assert_eq!(dec("c48221196ab3"), "273.15");
        assert_eq!(dec("c4820338c7"), "-200000");
        assert_eq!(dec("c4822138c7"), "-2.00");
        assert_eq!(dec("05"), "5");
        let e = CborReader::new(&bytes("c48101")).big_decimal("D").unwrap_err();
        assert_eq!(e.to_string(), "D: a decimal fraction must be [exponent, mantissa]");
        let e = CborReader::new(&bytes("63616263")).big_integer("N").unwrap_err();
        assert_eq!(e.to_string(), "N: expected an integer or a bignum (tag 2 or 3), found a text string");
        // What the writer writes reads back.
        for text in ["0", "-1", "18446744073709551616", "-18446744073709551617", "123456789012345678901234567890"] {
            let mut w = CborWriter::new();
            w.big_integer(text).unwrap();
            assert_eq!(CborReader::new(&w.finish()).big_integer("N").unwrap(), text);
        }
        for (text, back) in
            [("273.15", "273.15"), ("-0.001", "-0.001"), ("1e3", "1000"), ("12345678901234567890.5", "12345678901234567890.5")]
        {
            let mut w = CborWriter::new();
            w.big_decimal(text).unwrap();
            assert_eq!(CborReader::new(&w.finish()).big_decimal("D").unwrap(), back);
        }
    }

    #[test]
    fn echoed_strings_come_from_the_pool() {
        let mut pool = StringPool::with_capacity(1);
        let given = String::from("customer-1");
        let ptr = given.as_ptr();
        pool.give(given);
        let body = bytes("6a 637573746f6d65722d31");
        let s = CborReader::with_pool(&body, pool).echoed_string("R.C").unwrap();
        assert_eq!((s.as_str(), s.as_ptr()), ("customer-1", ptr));
    }
}
