//! A pull reader over one JSON document, and the one JSON lexer of the
//! runtime.
//!
//! Generated deserialisers walk a response member by member through the
//! typed readers in `de.rs`, so a body becomes its typed output without a
//! tree in between: keys are compared where they lie in the body, and a
//! string is copied once, into the value that keeps it. The tree of
//! [`super::parse`] is built by the same reader.
//!
//! Nesting is limited so a hostile body cannot overflow the stack.

use std::borrow::Cow;

use super::pool::StringPool;
use super::value::{ParseError, Value};

const MAX_DEPTH: usize = 128;

/// A position in a JSON document, read forwards one token at a time.
///
/// Objects are read as `begin_object`, then `next_key` until it answers
/// `None`, with each key's value read (or skipped) in between; arrays as
/// `begin_array`, then `next_item` until it answers `false`.
#[derive(Debug)]
pub struct JsonReader<'a> {
    input: &'a [u8],
    /// The longest prefix of `input` that is UTF-8, checked once: strings
    /// are sliced from it, and one that reaches past it is not UTF-8.
    text: &'a str,
    pos: usize,
    depth: usize,
    /// True right after `{` or `[`, where the next entry needs no comma.
    first: bool,
    /// The request's strings, which the answer's equal strings are taken from.
    pub(super) pool: StringPool,
}

/// What the lexer answers: a token, or why the body is not JSON.
pub(super) type Lexed<T> = Result<T, ParseError>;

impl<'a> JsonReader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        let text = match std::str::from_utf8(input) {
            Ok(text) => text,
            // The prefix is UTF-8 by the error's own account.
            Err(e) => std::str::from_utf8(&input[..e.valid_up_to()]).unwrap_or_default(),
        };
        JsonReader { input, text, pos: 0, depth: 0, first: false, pool: StringPool::default() }
    }

    /// A reader at the start of `input` whose owned strings are taken from
    /// `pool` where they are equal to what it holds (see [`StringPool`]).
    pub fn with_pool(input: &'a [u8], pool: StringPool) -> Self {
        JsonReader { pool, ..JsonReader::new(input) }
    }

    /// The text of `start..end`, which lies between ASCII delimiters.
    fn slice(&self, start: usize, end: usize) -> Option<&'a str> {
        self.text.get(start..end)
    }

    pub(super) fn err(&self, message: &'static str) -> ParseError {
        ParseError { offset: self.pos, message }
    }

    /// The next byte after whitespace, not consumed.
    pub(super) fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.input.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Checks that nothing but whitespace follows the document.
    pub(super) fn lex_end(&mut self) -> Lexed<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.err("trailing characters after the document")),
        }
    }

    /// Consumes the `{` or `[` under the cursor (the caller has peeked it).
    pub(super) fn open(&mut self) -> Lexed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nesting is too deep"));
        }
        self.pos += 1;
        self.first = true;
        Ok(())
    }

    /// Consumes the separator before an entry, or the closing `close`:
    /// true when an entry follows.
    fn entry(&mut self, close: u8, expected: &'static str) -> Lexed<bool> {
        let b = self.peek();
        if std::mem::replace(&mut self.first, false) {
            if b != Some(close) {
                return Ok(true);
            }
        } else if b == Some(b',') {
            self.pos += 1;
            return Ok(true);
        } else if b != Some(close) {
            return Err(self.err(expected));
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(false)
    }

    /// The next key of the current object and the `:` after it, or `None`
    /// when the object ends.
    pub(super) fn lex_key(&mut self) -> Lexed<Option<Cow<'a, str>>> {
        if !self.entry(b'}', "expected ',' or '}'")? {
            return Ok(None);
        }
        if self.peek() != Some(b'"') {
            return Err(self.err("expected a string key"));
        }
        let key = self.lex_string()?;
        if self.peek() != Some(b':') {
            return Err(self.err("expected ':'"));
        }
        self.pos += 1;
        Ok(Some(key))
    }

    /// True when the current array has another item.
    pub(super) fn lex_item(&mut self) -> Lexed<bool> {
        self.entry(b']', "expected ',' or ']'")
    }

    /// Consumes `word` (`true`, `false`, `null`).
    pub(super) fn lex_literal(&mut self, word: &[u8]) -> Lexed<()> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.err("unexpected characters"))
        }
    }

    /// The number under the cursor, as written.
    pub(super) fn lex_number(&mut self) -> Lexed<&'a str> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.input.get(p.pos), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.input.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = digits(self);
        if n == 0 || (n > 1 && self.input[int_start] == b'0') {
            return Err(self.err("malformed number"));
        }
        if self.input.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.err("malformed number"));
            }
        }
        if matches!(self.input.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.input.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("malformed number"));
            }
        }
        // The slice holds only ASCII digits, signs, `.` and `e`.
        self.slice(start, self.pos).ok_or_else(|| self.err("malformed number"))
    }

    /// The string under the cursor, unescaped: borrowed from the body
    /// unless it has escapes.
    pub(super) fn lex_string(&mut self) -> Lexed<Cow<'a, str>> {
        self.pos += 1;
        let input = self.input;
        let start = self.pos;
        let len = super::scan::plain_len(&input[start..]);
        self.pos += len;
        if self.pos == input.len() {
            return Err(self.err("unterminated string"));
        }
        if input[self.pos] == b'"' {
            self.pos += 1;
            return match self.slice(start, start + len) {
                Some(s) => Ok(Cow::Borrowed(s)),
                None => Err(self.err("string is not valid UTF-8")),
            };
        }
        let mut out = input[start..self.pos].to_vec();
        self.lex_escaped_rest(&mut out)?;
        String::from_utf8(out).map(Cow::Owned).map_err(|_| self.err("string is not valid UTF-8"))
    }

    /// The rest of a string from its first escape or control character.
    fn lex_escaped_rest(&mut self, out: &mut Vec<u8>) -> Lexed<()> {
        loop {
            let start = self.pos;
            self.pos += super::scan::plain_len(&self.input[start..]);
            out.extend_from_slice(&self.input[start..self.pos]);
            match self.input.get(self.pos) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let ch = self.lex_escape()?;
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    /// The character of the escape after a `\`.
    fn lex_escape(&mut self) -> Lexed<char> {
        let c = *self.input.get(self.pos).ok_or_else(|| self.err("unterminated string"))?;
        self.pos += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if self.input.get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(self.err("unpaired surrogate"));
                    }
                    self.pos += 2;
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(self.err("unpaired surrogate"));
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(code).ok_or_else(|| self.err("invalid code point"))?
            }
            _ => return Err(self.err("invalid escape")),
        })
    }

    fn hex4(&mut self) -> Lexed<u32> {
        let s = self.input.get(self.pos..self.pos + 4).ok_or_else(|| self.err("truncated \\u escape"))?;
        let s = std::str::from_utf8(s).map_err(|_| self.err("bad \\u escape"))?;
        let v = u32::from_str_radix(s, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    /// Consumes one value of any kind, checking its syntax.
    pub(super) fn lex_skip(&mut self) -> Lexed<()> {
        match self.peek() {
            Some(b'{') => {
                self.open()?;
                while self.lex_key()?.is_some() {
                    self.lex_skip()?;
                }
                Ok(())
            }
            Some(b'[') => {
                self.open()?;
                while self.lex_item()? {
                    self.lex_skip()?;
                }
                Ok(())
            }
            Some(b'"') => self.lex_string().map(drop),
            _ => self.lex_scalar().map(drop),
        }
    }

    /// One value of any kind, as a tree.
    pub(super) fn lex_value(&mut self) -> Lexed<Value> {
        match self.peek() {
            Some(b'{') => {
                self.open()?;
                let mut entries = Vec::new();
                while let Some(key) = self.lex_key()? {
                    entries.push((key.into_owned(), self.lex_value()?));
                }
                Ok(Value::Object(entries))
            }
            Some(b'[') => {
                self.open()?;
                let mut items = Vec::new();
                while self.lex_item()? {
                    items.push(self.lex_value()?);
                }
                Ok(Value::Array(items))
            }
            Some(b'"') => Ok(Value::String(self.lex_string()?.into_owned())),
            _ => self.lex_scalar(),
        }
    }

    /// A literal or a number.
    fn lex_scalar(&mut self) -> Lexed<Value> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b't') => self.lex_literal(b"true").map(|()| Value::Bool(true)),
            Some(b'f') => self.lex_literal(b"false").map(|()| Value::Bool(false)),
            Some(b'n') => self.lex_literal(b"null").map(|()| Value::Null),
            Some(b'-' | b'0'..=b'9') => self.lex_number().map(|n| Value::Number(n.to_owned())),
            Some(_) => Err(self.err("expected a value")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_borrowed_and_escaped_ones_unescaped() {
        let mut r = JsonReader::new(br#"{"a": "plain", "b\u00e9": "x\n\ud83d\ude00y"}"#);
        assert_eq!(r.peek(), Some(b'{'));
        r.open().unwrap();
        let key = r.lex_key().unwrap().unwrap();
        assert!(matches!(key, Cow::Borrowed("a")));
        r.peek();
        assert!(matches!(r.lex_string().unwrap(), Cow::Borrowed("plain")));
        assert_eq!(r.lex_key().unwrap().unwrap(), "bé");
        r.peek();
        assert_eq!(r.lex_string().unwrap(), "x\n😀y");
        assert_eq!(r.lex_key().unwrap(), None);
        r.lex_end().unwrap();
    }

    #[test]
    fn skipping_checks_syntax_and_keeps_the_place() {
        let mut r = JsonReader::new(br#"[{"x": [1, {"y": null}], "z": "\""}, true, 2]"#);
        r.peek();
        r.open().unwrap();
        assert!(r.lex_item().unwrap());
        r.lex_skip().unwrap();
        assert!(r.lex_item().unwrap());
        r.lex_skip().unwrap();
        assert!(r.lex_item().unwrap());
        r.peek();
        assert_eq!(r.lex_number().unwrap(), "2");
        assert!(!r.lex_item().unwrap());
        r.lex_end().unwrap();
        let mut r = JsonReader::new(b"[1 2]");
        assert_eq!(r.lex_skip().unwrap_err().message, "expected ',' or ']'");
    }
}
