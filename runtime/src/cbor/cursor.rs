//! `CborCursor`: a pull reader over one CBOR (RFC 8949) data item, under
//! the typed [`CborReader`](super::CborReader) that generated deserialisers
//! call, so a body becomes its typed output without a tree in between.
//!
//! Every well-formed encoding a peer may choose is read: any head length,
//! definite and indefinite lengths (strings in chunks too), half-, single-
//! and double-precision floats (NaN and the infinities included), tags.
//! Every malformed or truncated input is a [`CborError`] naming the byte
//! offset; a length is checked against the bytes left before anything is
//! allocated for it, and nesting is limited so a hostile body cannot
//! overflow the stack.

use std::borrow::Cow;
use std::fmt;

use super::writer::{major, BREAK};
use crate::primitives::DateTime;

const MAX_DEPTH: usize = 128;

/// Why a CBOR body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CborError {
    /// The byte offset of the problem.
    pub at: usize,
    /// What is wrong.
    pub kind: CborErrorKind,
}

/// The kinds of [`CborError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CborErrorKind {
    /// The body ends inside an item.
    Truncated,
    /// The bytes are not well-formed CBOR (a reserved head, a chunk of the
    /// wrong type, text that is not UTF-8, a stray break).
    Malformed(&'static str),
    /// A well-formed item of another type than the one the shape needs.
    Unexpected {
        /// What the deserialiser needed.
        expected: &'static str,
        /// What the body has.
        found: &'static str,
    },
    /// An integer outside the member's range.
    OutOfRange,
    /// Items nested deeper than the reader allows.
    TooDeep,
}

impl fmt::Display for CborError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CborErrorKind::Truncated => write!(f, "the CBOR body ends inside an item at byte {}", self.at),
            CborErrorKind::Malformed(what) => write!(f, "malformed CBOR at byte {}: {what}", self.at),
            CborErrorKind::Unexpected { expected, found } => write!(f, "expected {expected} at byte {}, found {found}", self.at),
            CborErrorKind::OutOfRange => write!(f, "the integer at byte {} is out of range", self.at),
            CborErrorKind::TooDeep => write!(f, "CBOR nested more than {MAX_DEPTH} deep at byte {}", self.at),
        }
    }
}

impl std::error::Error for CborError {}

/// A map or array being read: how many entries are left (`None`: indefinite, until a break).
#[derive(Debug, Clone, Copy)]
pub struct Container {
    remaining: Option<u64>,
}

/// A position in a CBOR body, read forwards one item at a time.
///
/// A map is read as [`CborCursor::map`], then [`CborCursor::next`] until it
/// answers `false`, each time a key ([`CborCursor::str`]) and its value (read
/// or [`CborCursor::skip`]ped); an array likewise, with one item each time.
#[derive(Debug)]
pub struct CborCursor<'a> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
}

fn type_name(initial: u8) -> &'static str {
    match (initial >> 5, initial & 0x1f) {
        (major::UNSIGNED | major::NEGATIVE, _) => "an integer",
        (major::BYTES, _) => "a byte string",
        (major::TEXT, _) => "a text string",
        (major::ARRAY, _) => "an array",
        (major::MAP, _) => "a map",
        (major::TAG, _) => "a tagged item",
        (_, 20 | 21) => "a boolean",
        (_, 22) => "null",
        (_, 23) => "undefined",
        (_, 25..=27) => "a float",
        (_, 31) => "a break",
        _ => "a simple value",
    }
}

impl<'a> CborCursor<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        CborCursor { input, pos: 0, depth: 0 }
    }

    fn err(&self, at: usize, kind: CborErrorKind) -> CborError {
        CborError { at, kind }
    }

    /// The offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether everything has been read.
    pub fn at_end(&self) -> bool {
        self.pos == self.input.len()
    }

    /// The next initial byte, unread.
    fn peek(&self) -> Result<u8, CborError> {
        self.input.get(self.pos).copied().ok_or_else(|| self.err(self.pos, CborErrorKind::Truncated))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], CborError> {
        let left = (self.input.len() - self.pos) as u64;
        if n > left {
            return Err(self.err(self.input.len(), CborErrorKind::Truncated));
        }
        let out = &self.input[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(out)
    }

    /// Reads a head: (major type, argument), `None` as the argument for an indefinite length.
    fn head(&mut self) -> Result<(u8, Option<u64>), CborError> {
        let at = self.pos;
        let initial = self.peek()?;
        self.pos += 1;
        let (m, info) = (initial >> 5, initial & 0x1f);
        let n = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?[0]),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().expect("two bytes"))),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().expect("four bytes"))),
            27 => u64::from_be_bytes(self.take(8)?.try_into().expect("eight bytes")),
            28..=30 => return Err(self.err(at, CborErrorKind::Malformed("a reserved additional-information value"))),
            _ => match m {
                major::BYTES | major::TEXT | major::ARRAY | major::MAP => return Ok((m, None)),
                major::SIMPLE => return Err(self.err(at, CborErrorKind::Malformed("a break outside an item of indefinite length"))),
                _ => return Err(self.err(at, CborErrorKind::Malformed("an indefinite length on an integer or tag"))),
            },
        };
        Ok((m, Some(n)))
    }

    fn expect(&self, expected: &'static str) -> Result<CborError, CborError> {
        let initial = self.peek()?;
        Ok(self.err(self.pos, CborErrorKind::Unexpected { expected, found: type_name(initial) }))
    }

    fn enter(&mut self) -> Result<(), CborError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(self.pos, CborErrorKind::TooDeep));
        }
        Ok(())
    }

    /// Begins a map.
    pub fn map(&mut self) -> Result<Container, CborError> {
        if self.peek()? >> 5 != major::MAP {
            return Err(self.expect("a map")?);
        }
        let (_, n) = self.head()?;
        self.enter()?;
        Ok(Container { remaining: n })
    }

    /// Begins an array.
    pub fn array(&mut self) -> Result<Container, CborError> {
        if self.peek()? >> 5 != major::ARRAY {
            return Err(self.expect("an array")?);
        }
        let (_, n) = self.head()?;
        self.enter()?;
        Ok(Container { remaining: n })
    }

    /// Whether `c` has another entry (map) or item (array); `false` ends it.
    #[inline]
    pub fn next(&mut self, c: &mut Container) -> Result<bool, CborError> {
        let more = match &mut c.remaining {
            Some(0) => false,
            Some(n) => {
                *n -= 1;
                true
            }
            None if self.peek()? == BREAK => {
                self.pos += 1;
                false
            }
            None => true,
        };
        if !more {
            self.depth -= 1;
        }
        Ok(more)
    }

    /// A string of major type `m` (definite, or indefinite in definite chunks of the same type).
    fn string_bytes(&mut self, m: u8) -> Result<Cow<'a, [u8]>, CborError> {
        let (_, n) = self.head()?;
        match n {
            Some(n) => Ok(Cow::Borrowed(self.take(n)?)),
            None => {
                let mut out = Vec::new();
                loop {
                    let at = self.pos;
                    if self.peek()? == BREAK {
                        self.pos += 1;
                        return Ok(Cow::Owned(out));
                    }
                    match self.head()? {
                        (cm, Some(len)) if cm == m => out.extend_from_slice(self.take(len)?),
                        _ => {
                            return Err(self.err(
                                at,
                                CborErrorKind::Malformed("a chunk of an indefinite string that is not a definite string of its type"),
                            ))
                        }
                    }
                }
            }
        }
    }

    /// A definite text string of fewer than 256 bytes (most names and values
    /// of a response), taken without the general head decoding; `None` for
    /// anything else, which the general path then reads or refuses.
    #[inline]
    fn short_text(&mut self) -> Option<&'a [u8]> {
        let initial = *self.input.get(self.pos)?;
        let (len, head) = match initial {
            0x60..=0x77 => (usize::from(initial - 0x60), 1),
            0x78 => (usize::from(*self.input.get(self.pos + 1)?), 2),
            _ => return None,
        };
        let start = self.pos + head;
        let bytes = self.input.get(start..start + len)?;
        self.pos = start + len;
        Some(bytes)
    }

    /// A text string (a key or a value).
    #[inline]
    pub fn str(&mut self) -> Result<Cow<'a, str>, CborError> {
        let at = self.pos;
        if let Some(bytes) = self.short_text() {
            return std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|_| self.err(at, CborErrorKind::Malformed("a text string that is not UTF-8")));
        }
        if self.peek()? >> 5 != major::TEXT {
            return Err(self.expect("a text string")?);
        }
        let at = self.pos;
        let invalid = |r: &Self| r.err(at, CborErrorKind::Malformed("a text string that is not UTF-8"));
        match self.string_bytes(major::TEXT)? {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed).map_err(|_| invalid(self)),
            Cow::Owned(b) => String::from_utf8(b).map(Cow::Owned).map_err(|_| invalid(self)),
        }
    }

    /// A text string's bytes, not checked to be UTF-8: a structure's member
    /// name, compared with the names the model has (a name it does not have
    /// is skipped, whatever its bytes).
    #[inline]
    pub fn text_bytes(&mut self) -> Result<Cow<'a, [u8]>, CborError> {
        if let Some(bytes) = self.short_text() {
            return Ok(Cow::Borrowed(bytes));
        }
        if self.peek()? >> 5 != major::TEXT {
            return Err(self.expect("a text string")?);
        }
        self.string_bytes(major::TEXT)
    }

    /// A byte string (a blob).
    pub fn bytes(&mut self) -> Result<Cow<'a, [u8]>, CborError> {
        if self.peek()? >> 5 != major::BYTES {
            return Err(self.expect("a byte string")?);
        }
        self.string_bytes(major::BYTES)
    }

    /// An integer that fits an `i64` (narrower members check their own range).
    pub fn integer(&mut self) -> Result<i64, CborError> {
        let at = self.pos;
        let m = self.peek()? >> 5;
        if m != major::UNSIGNED && m != major::NEGATIVE {
            return Err(self.expect("an integer")?);
        }
        let (_, n) = self.head()?;
        let n = n.expect("integers have definite arguments");
        let n = i64::try_from(n).map_err(|_| self.err(at, CborErrorKind::OutOfRange))?;
        Ok(if m == major::UNSIGNED { n } else { -1 - n })
    }

    /// An integer of any size, as (negative, magnitude bytes big-endian): a
    /// plain integer (major type 0 or 1) or a bignum (tag 2 or 3 over a byte
    /// string). A negative one's value is -1 minus the magnitude, as CBOR
    /// writes it.
    pub fn integer_parts(&mut self) -> Result<(bool, Cow<'a, [u8]>), CborError> {
        let initial = self.peek()?;
        match initial >> 5 {
            major::UNSIGNED | major::NEGATIVE => {
                let (m, n) = self.head()?;
                let n = n.expect("integers have definite arguments");
                Ok((m == major::NEGATIVE, Cow::Owned(n.to_be_bytes().to_vec())))
            }
            major::TAG if initial == 0xc2 || initial == 0xc3 => {
                self.pos += 1;
                Ok((initial == 0xc3, self.bytes()?))
            }
            _ => Err(self.expect("an integer or a bignum (tag 2 or 3)")?),
        }
    }

    /// The next initial byte, unread (what kind of item comes next).
    pub fn peek_initial(&self) -> Result<u8, CborError> {
        self.peek()
    }

    /// A float of any precision, or an integer where a float is expected.
    pub fn float(&mut self) -> Result<f64, CborError> {
        let initial = self.peek()?;
        match initial {
            0xf9 => Ok(half(u16::from_be_bytes(self.skip_initial_then(2)?.try_into().expect("two bytes")))),
            0xfa => Ok(f64::from(f32::from_bits(u32::from_be_bytes(self.skip_initial_then(4)?.try_into().expect("four bytes"))))),
            0xfb => Ok(f64::from_bits(u64::from_be_bytes(self.skip_initial_then(8)?.try_into().expect("eight bytes")))),
            _ if initial >> 5 <= major::NEGATIVE => Ok(self.integer()? as f64),
            _ => Err(self.expect("a float")?),
        }
    }

    fn skip_initial_then(&mut self, n: u64) -> Result<&'a [u8], CborError> {
        self.pos += 1;
        self.take(n)
    }

    /// A boolean.
    pub fn boolean(&mut self) -> Result<bool, CborError> {
        match self.peek()? {
            0xf4 => {
                self.pos += 1;
                Ok(false)
            }
            0xf5 => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.expect("a boolean")?),
        }
    }

    /// Reads a `null` (or `undefined`) if one is next: a sparse collection's
    /// absent value, or a member sent as null, which is read as unset.
    pub fn null(&mut self) -> Result<bool, CborError> {
        let is_null = matches!(self.peek()?, 0xf6 | 0xf7);
        if is_null {
            self.pos += 1;
        }
        Ok(is_null)
    }

    /// A timestamp: tag 1 over epoch seconds, an integer or a float.
    pub fn timestamp(&mut self) -> Result<DateTime, CborError> {
        let at = self.pos;
        if self.peek()? != 0xc1 {
            return Err(self.expect("a timestamp (tag 1)")?);
        }
        self.pos += 1;
        let secs = self.float()?;
        DateTime::try_from_secs_f64(secs).map_err(|_| self.err(at, CborErrorKind::OutOfRange))
    }

    /// The tag number of a tagged item, leaving its content next (bigInteger and bigDecimal use tags 2, 3 and 4).
    pub fn tag(&mut self) -> Result<u64, CborError> {
        if self.peek()? >> 5 != major::TAG {
            return Err(self.expect("a tagged item")?);
        }
        Ok(self.head()?.1.expect("tags have definite arguments"))
    }

    /// Skips one whole item (an unknown member's value).
    pub fn skip(&mut self) -> Result<(), CborError> {
        let at = self.pos;
        let initial = self.peek()?;
        match initial >> 5 {
            major::UNSIGNED | major::NEGATIVE => {
                self.head()?;
            }
            major::BYTES | major::TEXT => {
                self.string_bytes(initial >> 5)?;
            }
            major::ARRAY | major::MAP => {
                let per_entry = if initial >> 5 == major::MAP { 2 } else { 1 };
                let mut c = if per_entry == 2 { self.map()? } else { self.array()? };
                while self.next(&mut c)? {
                    for _ in 0..per_entry {
                        self.skip()?;
                    }
                }
            }
            major::TAG => {
                self.head()?;
                self.enter()?;
                self.skip()?;
                self.depth -= 1;
            }
            _ => match initial & 0x1f {
                0..=23 => self.pos += 1,
                24 => {
                    self.skip_initial_then(1)?;
                }
                25 => {
                    self.skip_initial_then(2)?;
                }
                26 => {
                    self.skip_initial_then(4)?;
                }
                27 => {
                    self.skip_initial_then(8)?;
                }
                31 => return Err(self.err(at, CborErrorKind::Malformed("a break outside an item of indefinite length"))),
                _ => return Err(self.err(at, CborErrorKind::Malformed("a reserved additional-information value"))),
            },
        }
        Ok(())
    }
}

/// An IEEE 754 half-precision float (RFC 8949 Appendix D).
fn half(bits: u16) -> f64 {
    let exp = (bits >> 10) & 0x1f;
    let mant = f64::from(bits & 0x3ff);
    let magnitude = match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mant + 1024.0) * 2f64.powi(i32::from(exp) - 25),
    };
    if bits & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn integers_and_floats_in_every_encoding() {
        for (hex, want) in
            [("00", 0), ("17", 23), ("1818", 24), ("1903e8", 1000), ("1b000000e8d4a51000", 1_000_000_000_000), ("3903e7", -1000)]
        {
            assert_eq!(CborCursor::new(&bytes(hex)).integer(), Ok(want), "{hex}");
        }
        // RFC 8949 Appendix A: half, single and double precision.
        for (hex, want) in [
            ("f93c00", 1.0),
            ("f97bff", 65504.0),
            ("f90001", 5.960464477539063e-8),
            ("f9c400", -4.0),
            ("fa47c35000", 100000.0),
            ("fb3ff199999999999a", 1.1),
            ("05", 5.0),
        ] {
            assert_eq!(CborCursor::new(&bytes(hex)).float(), Ok(want), "{hex}");
        }
        assert_eq!(CborCursor::new(&bytes("f97c00")).float(), Ok(f64::INFINITY));
        assert_eq!(CborCursor::new(&bytes("f9fc00")).float(), Ok(f64::NEG_INFINITY));
        assert!(CborCursor::new(&bytes("f97e00")).float().unwrap().is_nan());
        assert!(CborCursor::new(&bytes("fa7fc00000")).float().unwrap().is_nan());
        let big = CborCursor::new(&bytes("1bffffffffffffffff")).integer().unwrap_err();
        assert_eq!(big.kind, CborErrorKind::OutOfRange);
    }

    #[test]
    fn maps_arrays_and_strings_of_definite_and_indefinite_length() {
        // {_ "a": [_ 1, 2], "b": (_ "st", "rm")} as RFC 8949 writes indefinite items.
        let body = bytes("bf 61 61 9f 01 02 ff 61 62 7f 62 7374 62 726d ff ff");
        let mut r = CborCursor::new(&body);
        let mut m = r.map().unwrap();
        assert!(r.next(&mut m).unwrap());
        assert_eq!(r.str().unwrap(), "a");
        let mut a = r.array().unwrap();
        let mut items = Vec::new();
        while r.next(&mut a).unwrap() {
            items.push(r.integer().unwrap());
        }
        assert_eq!(items, [1, 2]);
        assert!(r.next(&mut m).unwrap());
        assert_eq!(r.str().unwrap(), "b");
        assert_eq!(r.str().unwrap(), "strm");
        assert!(!r.next(&mut m).unwrap());
        assert!(r.at_end());
        // Definite lengths, bytes in chunks, and null.
        let body = bytes("a2 61 6b 5f 42 0102 41 03 ff 61 6e f6");
        let mut r = CborCursor::new(&body);
        let mut m = r.map().unwrap();
        assert!(r.next(&mut m).unwrap());
        r.str().unwrap();
        assert_eq!(r.bytes().unwrap().as_ref(), [1, 2, 3]);
        assert!(r.next(&mut m).unwrap());
        r.str().unwrap();
        assert!(r.null().unwrap());
        assert!(!r.next(&mut m).unwrap());
    }

    #[test]
    fn unknown_members_are_skipped_whole() {
        let body = bytes("a2 61 78 c1 bf 61 61 9f f6 f9 3c00 ff ff 61 79 03");
        let mut r = CborCursor::new(&body);
        let mut m = r.map().unwrap();
        assert!(r.next(&mut m).unwrap());
        assert_eq!(r.str().unwrap(), "x");
        r.skip().unwrap();
        assert!(r.next(&mut m).unwrap());
        assert_eq!(r.str().unwrap(), "y");
        assert_eq!(r.integer(), Ok(3));
        assert!(!r.next(&mut m).unwrap());
    }

    #[test]
    fn timestamps_are_tag_1_over_seconds() {
        assert_eq!(CborCursor::new(&bytes("c11a514b67b0")).timestamp().unwrap(), DateTime::from_secs(1_363_896_240));
        assert_eq!(CborCursor::new(&bytes("c1fb41d452d9ec200000")).timestamp().unwrap(), DateTime::from_millis(1_363_896_240_500));
        let e = CborCursor::new(&bytes("1a514b67b0")).timestamp().unwrap_err();
        assert_eq!(e.kind, CborErrorKind::Unexpected { expected: "a timestamp (tag 1)", found: "an integer" });
    }

    #[test]
    fn malformed_and_truncated_bodies_are_errors_never_panics() {
        for hex in ["", "1a0000", "62 61", "bf 61 61", "9f 01", "7f 41 61 ff", "1c", "ff", "5b ffffffffffffffff", "c1"] {
            let body = bytes(hex);
            let mut r = CborCursor::new(&body);
            assert!(r.skip().is_err(), "{hex} should not read as an item");
        }
        // Nesting past the limit.
        let deep = vec![0x81u8; 1000];
        assert_eq!(CborCursor::new(&deep).skip().unwrap_err().kind, CborErrorKind::TooDeep);
        let not_utf8 = CborCursor::new(&bytes("62 ff fe")).str().unwrap_err();
        assert_eq!(not_utf8.kind, CborErrorKind::Malformed("a text string that is not UTF-8"));
        let err = CborCursor::new(&bytes("61")).str().unwrap_err();
        assert_eq!(err.to_string(), "the CBOR body ends inside an item at byte 1");
    }
}
