//! `CborWriter`: appends CBOR (RFC 8949) to a buffer, as generated
//! serialisers for Smithy RPC v2 CBOR call it.
//!
//! Its methods are named as [`JsonWriter`](crate::json::JsonWriter)'s, so
//! the generator writes one serialiser shape for both. Every head is written
//! in its shortest form (preferred serialisation). Structures are maps of
//! unknown length (`0xbf` … `0xff`), since a serialiser writes the members
//! that are set without counting them first; lists and maps, whose lengths
//! are known, are written with them.
//! Timestamps are tag 1 over epoch seconds as a double, as the protocol
//! specifies.

use super::bignum;
use crate::json::InvalidNumber;
use crate::primitives::{Blob, DateTime};

/// Writes CBOR.
#[derive(Debug, Default)]
pub struct CborWriter {
    out: Vec<u8>,
    strings: usize,
}

/// Major types (RFC 8949 §3.1).
pub(super) mod major {
    pub const UNSIGNED: u8 = 0;
    pub const NEGATIVE: u8 = 1;
    pub const BYTES: u8 = 2;
    pub const TEXT: u8 = 3;
    pub const ARRAY: u8 = 4;
    pub const MAP: u8 = 5;
    pub const TAG: u8 = 6;
    pub const SIMPLE: u8 = 7;
}

/// The "break" stop code that ends an item of indefinite length.
pub(super) const BREAK: u8 = 0xff;

impl CborWriter {
    /// An empty writer.
    pub fn new() -> Self {
        CborWriter { out: Vec::with_capacity(256), strings: 0 }
    }

    /// The bytes written so far.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// A head: major type and argument, shortest form.
    fn head(&mut self, major: u8, n: u64) {
        let m = major << 5;
        match n {
            0..=23 => self.out.push(m | n as u8),
            24..=0xff => self.out.extend_from_slice(&[m | 24, n as u8]),
            0x100..=0xffff => {
                self.out.push(m | 25);
                self.out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                self.out.push(m | 26);
                self.out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            _ => {
                self.out.push(m | 27);
                self.out.extend_from_slice(&n.to_be_bytes());
            }
        }
    }

    /// A structure: a map of unknown length, since a serialiser writes
    /// the members that are set without counting them first; close it with
    /// [`CborWriter::end_object`].
    pub fn begin_object(&mut self) {
        self.out.push(major::MAP << 5 | 31);
    }

    /// Ends a structure begun with [`CborWriter::begin_object`].
    pub fn end_object(&mut self) {
        self.out.push(BREAK);
    }

    /// A structure member's name (its value follows).
    pub fn member_key(&mut self, key: &'static str) {
        self.string(key);
    }

    /// A map's key (its value follows).
    pub fn key(&mut self, key: &str) {
        self.string(key);
    }

    /// A map of `len` entries (keys and values follow).
    pub fn begin_map(&mut self, len: usize) {
        self.head(major::MAP, len as u64);
    }

    /// An array of `len` items.
    pub fn begin_array(&mut self, len: usize) {
        self.head(major::ARRAY, len as u64);
    }

    /// A text string.
    pub fn string(&mut self, s: &str) {
        self.strings += 1;
        self.head(major::TEXT, s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    /// How many strings were written (keys included), to size a request's string pool.
    pub fn strings_written(&self) -> usize {
        self.strings
    }

    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) {
        self.head(major::BYTES, b.len() as u64);
        self.out.extend_from_slice(b);
    }

    /// A blob, as a byte string.
    pub fn blob(&mut self, b: &Blob) {
        self.bytes(b.as_ref());
    }

    /// An integer of any Smithy integer type.
    pub fn integer(&mut self, n: i64) {
        if n >= 0 {
            self.head(major::UNSIGNED, n as u64);
        } else {
            // -1 - n, without overflow at i64::MIN.
            self.head(major::NEGATIVE, !(n as u64));
        }
    }

    /// A boolean.
    pub fn boolean(&mut self, b: bool) {
        self.out.push(major::SIMPLE << 5 | if b { 21 } else { 20 });
    }

    /// `null` (in a sparse list or map).
    pub fn null(&mut self) {
        self.out.push(major::SIMPLE << 5 | 22);
    }

    /// A float member, as a single-precision float.
    pub fn float32(&mut self, f: f32) {
        self.out.push(major::SIMPLE << 5 | 26);
        self.out.extend_from_slice(&f.to_bits().to_be_bytes());
    }

    /// A double member, as a double-precision float.
    pub fn float(&mut self, f: f64) {
        self.out.push(major::SIMPLE << 5 | 27);
        self.out.extend_from_slice(&f.to_bits().to_be_bytes());
    }

    /// A bigInteger given as its decimal text: an integer when it fits 64
    /// bits, else a bignum (tag 2, or 3 for a negative one).
    pub fn big_integer(&mut self, text: &str) -> Result<(), InvalidNumber> {
        let invalid = || InvalidNumber(text.to_owned());
        let mut d = bignum::parse(text).ok_or_else(invalid)?;
        // `1.0` and `12e3` are integers too; `1.5` is not.
        while d.exponent < 0 && d.digits.ends_with('0') && d.digits != "0" {
            d.digits.pop();
            d.exponent += 1;
        }
        if d.digits == "0" {
            d.exponent = 0;
        }
        if d.exponent < 0 || d.exponent as usize + d.digits.len() > 4096 {
            return Err(invalid());
        }
        d.digits.push_str(&"0".repeat(d.exponent as usize));
        self.integer_digits(d.negative, &d.digits);
        Ok(())
    }

    /// A bigDecimal given as its decimal text: tag 4 over `[exponent, mantissa]`.
    pub fn big_decimal(&mut self, text: &str) -> Result<(), InvalidNumber> {
        let d = bignum::parse(text).ok_or_else(|| InvalidNumber(text.to_owned()))?;
        self.head(major::TAG, 4);
        self.begin_array(2);
        self.integer(d.exponent);
        self.integer_digits(d.negative, &d.digits);
        Ok(())
    }

    /// The integer `(-)digits`, as itself when it fits, else as a bignum.
    fn integer_digits(&mut self, negative: bool, digits: &str) {
        let magnitude = bignum::digits_to_bytes(digits);
        // CBOR writes a negative -n as n - 1.
        let argument = if negative { bignum::minus_one(&magnitude) } else { magnitude };
        let significant: Vec<u8> = argument.iter().copied().skip_while(|b| *b == 0).collect();
        let (m, tag) = if negative { (major::NEGATIVE, 3) } else { (major::UNSIGNED, 2) };
        if significant.len() <= 8 {
            let mut n = [0u8; 8];
            n[8 - significant.len()..].copy_from_slice(&significant);
            self.head(m, u64::from_be_bytes(n));
        } else {
            self.head(major::TAG, tag);
            self.bytes(&significant);
        }
    }

    /// A timestamp: tag 1 over epoch seconds as a double, whole seconds
    /// too, as the protocol specifies (a reader takes any number).
    pub fn timestamp(&mut self, t: &DateTime) {
        self.head(major::TAG, 1);
        self.float(t.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn written(f: impl FnOnce(&mut CborWriter)) -> String {
        let mut w = CborWriter::new();
        f(&mut w);
        hex(&w.finish())
    }

    #[test]
    fn integers_take_their_shortest_head() {
        // RFC 8949 Appendix A.
        for (n, want) in [
            (0, "00"),
            (23, "17"),
            (24, "1818"),
            (100, "1864"),
            (1000, "1903e8"),
            (1_000_000, "1a000f4240"),
            (1_000_000_000_000, "1b000000e8d4a51000"),
            (-1, "20"),
            (-100, "3863"),
            (-1000, "3903e7"),
            (i64::MIN, "3b7fffffffffffffff"),
        ] {
            assert_eq!(written(|w| w.integer(n)), want, "{n}");
        }
    }

    #[test]
    fn strings_bytes_simple_values_and_floats() {
        assert_eq!(written(|w| w.string("")), "60");
        assert_eq!(written(|w| w.string("IETF")), "6449455446");
        assert_eq!(written(|w| w.string("\u{00fc}")), "62c3bc");
        assert_eq!(written(|w| w.bytes(&[1, 2, 3, 4])), "4401020304");
        assert_eq!(written(|w| w.boolean(false)), "f4");
        assert_eq!(written(|w| w.boolean(true)), "f5");
        assert_eq!(written(|w| w.null()), "f6");
        assert_eq!(written(|w| w.float(1.1)), "fb3ff199999999999a");
        assert_eq!(written(|w| w.float32(100000.0)), "fa47c35000");
        assert_eq!(written(|w| w.float(f64::INFINITY)), "fb7ff0000000000000");
    }

    #[test]
    fn big_numbers_take_the_smallest_form_that_holds_them() {
        let big = |t: &str| {
            let mut w = CborWriter::new();
            w.big_integer(t).unwrap();
            hex(&w.finish())
        };
        // RFC 8949 Appendix A.
        assert_eq!(big("18446744073709551615"), "1bffffffffffffffff");
        assert_eq!(big("18446744073709551616"), "c249010000000000000000");
        assert_eq!(big("-18446744073709551616"), "3bffffffffffffffff");
        assert_eq!(big("-18446744073709551617"), "c349010000000000000000");
        assert_eq!(big("-1"), "20");
        assert_eq!(big("12e1"), "1878");
        assert_eq!(big("0"), "00");
        assert!(CborWriter::new().big_integer("1.5").is_err());
        assert!(CborWriter::new().big_integer("one").is_err());
        // RFC 8949 §3.4.4: 273.15 is 4([-2, 27315]).
        let mut w = CborWriter::new();
        w.big_decimal("273.15").unwrap();
        assert_eq!(hex(&w.finish()), "c48221196ab3");
    }

    #[test]
    fn containers_and_timestamps() {
        assert_eq!(
            written(|w| {
                w.begin_object();
                w.member_key("a");
                w.begin_array(2);
                w.integer(1);
                w.integer(2);
                w.end_object();
            }),
            "bf61618201 02ff".replace(' ', "")
        );
        assert_eq!(
            written(|w| {
                w.begin_map(1);
                w.key("k");
                w.string("v");
            }),
            "a1616b6176"
        );
        // RFC 8949's tag 1 example 1363896240.5, and a whole second, also a double.
        assert_eq!(written(|w| w.timestamp(&DateTime::from_secs(1_363_896_240))), "c1fb41d452d9ec000000");
        assert_eq!(written(|w| w.timestamp(&DateTime::from_millis(1_363_896_240_500))), "c1fb41d452d9ec200000");
    }
}
