//! Members in headers: lists written comma-separated (an item quoted when
//! it holds a comma or a quote), and read back the same way, with the
//! exception the specification makes for `http-date` timestamps, whose own
//! comma is not a separator.

use std::borrow::Cow;

use crate::deserialize_error::DeserializeError;
use crate::http::Headers;
use crate::primitives::{DateTime, DateTimeFormat};

/// Appends `item` to the header list `list`. `quote` is false for
/// `http-date` timestamps, which are never quoted.
pub fn push_header_item(list: &mut String, item: &str, quote: bool) {
    if !list.is_empty() {
        list.push_str(", ");
    }
    if quote && item.contains([',', '"']) {
        list.push('"');
        for c in item.chars() {
            if matches!(c, '"' | '\\') {
                list.push('\\');
            }
            list.push(c);
        }
        list.push('"');
    } else {
        list.push_str(item);
    }
}

/// The items of a header list, unquoted. `http_dates`: the items are
/// `http-date` timestamps (`Mon, 16 Dec 2019 23:48:18 GMT`), so every
/// second comma separates them.
pub fn header_list(value: &str, http_dates: bool) -> Vec<String> {
    if http_dates {
        let parts: Vec<&str> = value.split(',').collect();
        return parts.chunks(2).map(|pair| pair.join(",").trim().to_owned()).filter(|s| !s.is_empty()).collect();
    }
    let mut items = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    '"' => break,
                    c => item.push(c),
                }
            }
            // Whatever follows the closing quote, up to the comma, is not the item's.
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
            }
            items.push(item);
        } else {
            let mut ended = true;
            for c in chars.by_ref() {
                if c == ',' {
                    ended = false;
                    break;
                }
                item.push(c);
            }
            items.push(item.trim().to_owned());
            if ended {
                break;
            }
            continue;
        }
        if chars.peek().is_none() {
            break;
        }
    }
    if items.len() == 1 && items[0].is_empty() && !value.contains('"') {
        items.clear();
    }
    items
}

/// The value of the header `name` in `headers`: the values of all its
/// lines, joined by commas as HTTP allows, or `None` when there is none.
pub fn header_value<'a>(headers: &'a Headers, name: &str) -> Option<Cow<'a, str>> {
    let mut values = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v);
    let first = values.next()?;
    match values.next() {
        None => Some(Cow::Borrowed(first)),
        Some(second) => {
            let mut joined = format!("{first}, {second}");
            for v in values {
                joined.push_str(", ");
                joined.push_str(v);
            }
            Some(Cow::Owned(joined))
        }
    }
}

/// The headers whose names start with `prefix` (any case), by the rest of
/// their names (`@httpPrefixHeaders`).
pub fn prefixed_headers(headers: &Headers, prefix: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for (name, value) in headers.iter() {
        if name.len() >= prefix.len() && name.is_char_boundary(prefix.len()) && name[..prefix.len()].eq_ignore_ascii_case(prefix) {
            out.insert(name[prefix.len()..].to_owned(), value.to_owned());
        }
    }
    out
}

/// A scalar read from a header's text.
pub trait HeaderValue: Sized {
    /// The value, or why `text` is not one.
    fn from_header(text: &str) -> Result<Self, String>;
}

impl HeaderValue for String {
    fn from_header(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl HeaderValue for bool {
    fn from_header(text: &str) -> Result<Self, String> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(format!("`{other}` is not true or false")),
        }
    }
}

macro_rules! integer_header {
    ($($t:ty),*) => {$(
        impl HeaderValue for $t {
            fn from_header(text: &str) -> Result<Self, String> {
                text.parse().map_err(|_| format!("`{text}` is not a {}", stringify!($t)))
            }
        }
    )*};
}

integer_header!(i8, i16, i32, i64);

macro_rules! float_header {
    ($($t:ty),*) => {$(
        impl HeaderValue for $t {
            fn from_header(text: &str) -> Result<Self, String> {
                match text {
                    "NaN" => Ok(<$t>::NAN),
                    "Infinity" => Ok(<$t>::INFINITY),
                    "-Infinity" => Ok(<$t>::NEG_INFINITY),
                    // Rust would also take `inf` and `nan`, which are not the protocol's.
                    t if t.bytes().any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') => Err(format!("`{t}` is not a number")),
                    t => t.parse().map_err(|_| format!("`{t}` is not a number")),
                }
            }
        }
    )*};
}

float_header!(f32, f64);

/// The header value `text` of the member at `at`, as a `T`.
pub fn parse_header<T: HeaderValue>(text: &str, at: &str) -> Result<T, DeserializeError> {
    T::from_header(text.trim()).map_err(|e| DeserializeError::new(at, format!("the header value {e}")))
}

/// The header value `text` of the member at `at`, as a timestamp in `format`.
pub fn parse_header_timestamp(text: &str, format: DateTimeFormat, at: &str) -> Result<DateTime, DeserializeError> {
    DateTime::from_str(text.trim(), format).map_err(|e| DeserializeError::new(at, format!("the header value is not a timestamp: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_quote_what_would_split() {
        let mut l = String::new();
        for item in ["a", "b,c", "\"quoted\"", ""] {
            push_header_item(&mut l, item, true);
        }
        assert_eq!(l, r#"a, "b,c", "\"quoted\"", "#);
        assert_eq!(header_list(r#"a, "b,c", "\"quoted\"""#, false), ["a", "b,c", "\"quoted\""]);
        assert_eq!(header_list("a,b , c", false), ["a", "b", "c"]);
        assert_eq!(header_list("", false), Vec::<String>::new());
        assert_eq!(header_list(r#""""#, false), [""]);
    }

    #[test]
    fn http_dates_split_at_every_second_comma() {
        let v = "Mon, 16 Dec 2019 23:48:18 GMT, Tue, 17 Dec 2019 23:48:18 GMT";
        assert_eq!(header_list(v, true), ["Mon, 16 Dec 2019 23:48:18 GMT", "Tue, 17 Dec 2019 23:48:18 GMT"]);
    }

    #[test]
    fn scalars_parse_or_say_why_not() {
        assert_eq!(parse_header::<i32>(" 12 ", "X").unwrap(), 12);
        assert!(parse_header::<f64>("NaN", "X").unwrap().is_nan());
        assert_eq!(parse_header::<f32>("-Infinity", "X").unwrap(), f32::NEG_INFINITY);
        assert!(parse_header::<f64>("inf", "X").is_err());
        assert!(parse_header::<bool>("yes", "X").unwrap_err().to_string().contains("`yes` is not true or false"));
        assert_eq!(parse_header::<f64>("1.5e3", "X").unwrap(), 1500.0);
    }
}
