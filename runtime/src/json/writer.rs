//! `JsonWriter`: appends JSON text to a buffer, as generated serialisers call it.
//!
//! The writer tracks only whether a comma is due, so serialisers emit straight
//! text with no intermediate tree.

use std::fmt::Write as _;

use crate::primitives::{base64_encode, Blob, DateTime, DateTimeFormat, Document, Number};

/// Text given as a big number that is not a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidNumber(pub String);

impl std::fmt::Display for InvalidNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a number", self.0)
    }
}

impl std::error::Error for InvalidNumber {}

/// Writes JSON text.
#[derive(Debug, Default)]
pub struct JsonWriter {
    out: String,
    comma_due: bool,
    /// String values written, so a [`StringPool`](super::StringPool) for
    /// them can be made at its final size.
    strings: usize,
}

impl JsonWriter {
    /// An empty writer.
    pub fn new() -> Self {
        // Most bodies fit; a full batch of records grows it twice or three times.
        JsonWriter { out: String::with_capacity(1024), comma_due: false, strings: 0 }
    }

    /// How many string values have been written (keys not counted).
    pub fn strings_written(&self) -> usize {
        self.strings
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }

    fn value_start(&mut self) {
        if self.comma_due {
            self.out.push(',');
        }
    }

    /// `{`
    pub fn begin_object(&mut self) {
        self.value_start();
        self.out.push('{');
        self.comma_due = false;
    }

    /// `}`
    pub fn end_object(&mut self) {
        self.out.push('}');
        self.comma_due = true;
    }

    /// `[`
    pub fn begin_array(&mut self) {
        self.value_start();
        self.out.push('[');
        self.comma_due = false;
    }

    /// `]`
    pub fn end_array(&mut self) {
        self.out.push(']');
        self.comma_due = true;
    }

    /// A key that needs no escaping, as a Smithy member name never does
    /// (letters, digits and `_`); the next call writes its value.
    pub fn member_key(&mut self, key: &'static str) {
        debug_assert!(!key.bytes().any(super::scan::needs_escape), "{key} needs escaping");
        self.value_start();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.comma_due = false;
    }

    /// An object key; the next call writes its value.
    pub fn key(&mut self, key: &str) {
        self.value_start();
        escape_into(&mut self.out, key);
        self.out.push(':');
        self.comma_due = false;
    }

    /// A string value.
    pub fn string(&mut self, value: &str) {
        self.value_start();
        escape_into(&mut self.out, value);
        self.strings += 1;
        self.comma_due = true;
    }

    /// A boolean value.
    pub fn boolean(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    /// `null`.
    pub fn null(&mut self) {
        self.raw("null");
    }

    /// An integer value.
    pub fn integer(&mut self, value: i64) {
        self.value_start();
        push_integer(&mut self.out, value);
        self.comma_due = true;
    }

    /// A floating point value; NaN and the infinities are strings, as the
    /// awsJson protocols require.
    pub fn float(&mut self, value: f64) {
        if value.is_nan() {
            self.string("NaN");
        } else if value.is_infinite() {
            self.string(if value > 0.0 { "Infinity" } else { "-Infinity" });
        } else {
            self.value_start();
            let _ = write!(self.out, "{value}");
            self.comma_due = true;
        }
    }

    /// A `float` (32-bit) value, written with its own shortest representation.
    pub fn float32(&mut self, value: f32) {
        if !value.is_finite() {
            return self.float(value as f64);
        }
        self.value_start();
        let _ = write!(self.out, "{value}");
        self.comma_due = true;
    }

    /// A big integer or decimal given as text. Text that is not a JSON
    /// number is refused, so the body is never malformed.
    pub fn number_text(&mut self, text: &str) -> Result<(), InvalidNumber> {
        let valid = matches!(super::parse(text.as_bytes()), Ok(super::Value::Number(_)));
        if !valid {
            return Err(InvalidNumber(text.to_owned()));
        }
        self.raw(text);
        Ok(())
    }

    /// A timestamp in `format`: epoch seconds as a number, others as strings.
    pub fn timestamp(&mut self, value: &DateTime, format: DateTimeFormat) {
        match format {
            // Whole seconds, the usual case, are written without a detour through text.
            DateTimeFormat::EpochSeconds if !value.has_subsec_nanos() => self.integer(value.secs()),
            DateTimeFormat::EpochSeconds => match value.fmt(format) {
                Ok(text) => self.raw(&text),
                Err(_) => self.integer(value.secs()),
            },
            _ => match value.fmt(format) {
                Ok(text) => self.string(&text),
                // Years beyond 9999 cannot be written as text; epoch seconds keep the value.
                Err(_) => self.integer(value.secs()),
            },
        }
    }

    /// A blob, base64-encoded.
    pub fn blob(&mut self, value: &Blob) {
        self.string(&base64_encode(value.as_ref()));
    }

    /// A document; object keys are sorted so the output is deterministic.
    pub fn document(&mut self, value: &Document) {
        match value {
            Document::Null => self.null(),
            Document::Bool(b) => self.boolean(*b),
            Document::String(s) => self.string(s),
            Document::Number(Number::PosInt(n)) => {
                self.value_start();
                let _ = write!(self.out, "{n}");
                self.comma_due = true;
            }
            Document::Number(Number::NegInt(n)) => self.integer(*n),
            Document::Number(Number::Float(f)) => self.float(*f),
            Document::Array(items) => {
                self.begin_array();
                for item in items {
                    self.document(item);
                }
                self.end_array();
            }
            Document::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                self.begin_object();
                for k in keys {
                    self.key(k);
                    self.document(&map[k]);
                }
                self.end_object();
            }
        }
    }

    fn raw(&mut self, text: &str) {
        self.value_start();
        self.out.push_str(text);
        self.comma_due = true;
    }
}

/// Appends `s` as a quoted JSON string.
fn escape_into(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut rest = s;
    loop {
        // Plain text is copied whole; `plain_len` stops only at ASCII bytes,
        // so the split falls on a character boundary.
        let (plain, tail) = rest.split_at(super::scan::plain_len(rest.as_bytes()));
        out.push_str(plain);
        let Some(b) = tail.bytes().next() else { break };
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        rest = &tail[1..];
    }
    out.push('"');
}

/// Appends `value` in decimal: the quantities and timestamps of every
/// record go through here, and the formatting machinery of `write!` costs
/// several times this loop.
fn push_integer(out: &mut String, value: i64) {
    // Two digits a division, from a table of the hundred pairs: a ten-digit
    // epoch second takes five steps.
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut n = value.unsigned_abs();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        start -= 1;
        digits[start] = b'0' + n as u8;
    }
    if value < 0 {
        out.push('-');
    }
    // ASCII digits are always UTF-8.
    out.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_values_with_commas() {
        let mut w = JsonWriter::new();
        w.begin_object();
        w.key("a");
        w.string("x\"y\\\n\u{1}é");
        w.key("b");
        w.begin_array();
        w.integer(-1);
        w.float(1.5);
        w.float(f64::NAN);
        w.float(f64::NEG_INFINITY);
        w.begin_object();
        w.end_object();
        w.end_array();
        w.key("c");
        w.timestamp(&DateTime::from_millis(1500), DateTimeFormat::EpochSeconds);
        w.key("d");
        w.timestamp(&DateTime::from_secs(0), DateTimeFormat::DateTime);
        w.key("e");
        w.blob(&Blob::new(*b"foo"));
        w.end_object();
        assert_eq!(
            w.finish(),
            r#"{"a":"x\"y\\\n\u0001é","b":[-1,1.5,"NaN","-Infinity",{}],"c":1.5,"d":"1970-01-01T00:00:00Z","e":"Zm9v"}"#
        );
    }

    #[test]
    fn integers_are_written_as_display_writes_them() {
        for n in
            [0, 1, 7, -7, 9, 10, 11, 99, 100, 101, -100, 999, 1000, 12_345, 1_700_000_000, -1_700_000_000, i64::MAX, i64::MIN, i64::MIN + 1]
        {
            let mut out = String::new();
            push_integer(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn big_numbers_must_be_numbers() {
        let mut w = JsonWriter::new();
        w.begin_array();
        w.number_text("123456789012345678901234567890").unwrap();
        w.number_text("-1.5e10").unwrap();
        assert_eq!(w.number_text("12abc"), Err(InvalidNumber("12abc".into())));
        assert!(w.number_text("\"1\"").is_err());
        w.end_array();
        assert_eq!(w.finish(), "[123456789012345678901234567890,-1.5e10]");
    }

    #[test]
    fn floats_keep_their_shortest_form() {
        let mut w = JsonWriter::new();
        w.begin_array();
        w.float32(1.1);
        w.float(1e300);
        w.float(0.1);
        w.end_array();
        assert_eq!(w.finish(), format!("[1.1,{},0.1]", 1e300f64));
    }
}
