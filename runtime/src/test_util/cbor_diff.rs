//! CBOR bodies compared as data, not bytes: the RPC v2 CBOR compliance
//! cases give the expected body as one encoding, and any other encoding of
//! the same data (indefinite or definite lengths, another order of map
//! entries, a float of another width with the same value) is as good.
//!
//! The decoder here is separate from the runtime's reader on purpose: a
//! test that checked the writer with the reader would pass a bug the two
//! shared.

use std::fmt;

/// A CBOR data item as a tree.
#[derive(Debug, Clone)]
pub enum Item {
    /// An integer (major types 0 and 1).
    Integer(i128),
    /// A byte string, chunks joined.
    Bytes(Vec<u8>),
    /// A text string, chunks joined.
    Text(String),
    /// An array.
    Array(Vec<Item>),
    /// A map, in the order written.
    Map(Vec<(Item, Item)>),
    /// A tagged item.
    Tag(u64, Box<Item>),
    /// A float of any width.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
}

impl PartialEq for Item {
    /// Data equality: maps whatever their order, numbers by value (NaN equal to NaN).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Item::Integer(a), Item::Integer(b)) => a == b,
            (Item::Bytes(a), Item::Bytes(b)) => a == b,
            (Item::Text(a), Item::Text(b)) => a == b,
            (Item::Array(a), Item::Array(b)) => a == b,
            (Item::Map(a), Item::Map(b)) => a.len() == b.len() && a.iter().all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2)),
            (Item::Tag(t, a), Item::Tag(u, b)) => t == u && a == b,
            (Item::Float(a), Item::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            // The cases write a whole timestamp either way (`1(0)` beside `1(1.0)`): numbers compare by value.
            (Item::Integer(i), Item::Float(f)) | (Item::Float(f), Item::Integer(i)) => *i as f64 == *f,
            (Item::Bool(a), Item::Bool(b)) => a == b,
            (Item::Null, Item::Null) | (Item::Undefined, Item::Undefined) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Integer(n) => write!(f, "{n}"),
            Item::Bytes(b) => write!(f, "h'{}'", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
            Item::Text(s) => write!(f, "{s:?}"),
            Item::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Item::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Item::Tag(t, item) => write!(f, "{t}({item})"),
            Item::Float(x) => write!(f, "{x:?}"),
            Item::Bool(b) => write!(f, "{b}"),
            Item::Null => f.write_str("null"),
            Item::Undefined => f.write_str("undefined"),
        }
    }
}

/// Decodes one whole CBOR item, or says why `bytes` are not one.
pub fn decode(bytes: &[u8]) -> Result<Item, String> {
    let mut pos = 0;
    let item = item(bytes, &mut pos, 0)?;
    if pos != bytes.len() {
        return Err(format!("{} bytes follow the item", bytes.len() - pos));
    }
    Ok(item)
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], String> {
    let end = pos.checked_add(n).filter(|&e| e <= bytes.len()).ok_or("truncated")?;
    let out = &bytes[*pos..end];
    *pos = end;
    Ok(out)
}

/// The argument of a head with additional information `info`; `None` for an indefinite length.
fn argument(bytes: &[u8], pos: &mut usize, info: u8) -> Result<Option<u64>, String> {
    Ok(Some(match info {
        0..=23 => u64::from(info),
        24 => u64::from(take(bytes, pos, 1)?[0]),
        25 => u64::from(u16::from_be_bytes(take(bytes, pos, 2)?.try_into().unwrap_or_default())),
        26 => u64::from(u32::from_be_bytes(take(bytes, pos, 4)?.try_into().unwrap_or_default())),
        27 => u64::from_be_bytes(take(bytes, pos, 8)?.try_into().unwrap_or_default()),
        31 => return Ok(None),
        _ => return Err(format!("reserved additional information {info}")),
    }))
}

fn item(bytes: &[u8], pos: &mut usize, depth: usize) -> Result<Item, String> {
    if depth > 64 {
        return Err("nested too deep".into());
    }
    let initial = *bytes.get(*pos).ok_or("truncated")?;
    *pos += 1;
    let (major, info) = (initial >> 5, initial & 0x1f);
    if major == 7 {
        return Ok(match info {
            20 => Item::Bool(false),
            21 => Item::Bool(true),
            22 => Item::Null,
            23 => Item::Undefined,
            25 => Item::Float(half(u16::from_be_bytes(take(bytes, pos, 2)?.try_into().unwrap_or_default()))),
            26 => Item::Float(f64::from(f32::from_be_bytes(take(bytes, pos, 4)?.try_into().unwrap_or_default()))),
            27 => Item::Float(f64::from_be_bytes(take(bytes, pos, 8)?.try_into().unwrap_or_default())),
            // The caller reading an indefinite item takes this for its end.
            31 => return Err("break".into()),
            _ => return Err(format!("simple value {info}")),
        });
    }
    let n = argument(bytes, pos, info)?;
    Ok(match (major, n) {
        (0, Some(n)) => Item::Integer(i128::from(n)),
        (1, Some(n)) => Item::Integer(-1 - i128::from(n)),
        (2 | 3, _) => {
            let mut data = Vec::new();
            match n {
                Some(n) => data.extend_from_slice(take(bytes, pos, usize::try_from(n).map_err(|_| "too long")?)?),
                None => loop {
                    match item(bytes, pos, depth + 1) {
                        Ok(Item::Bytes(b)) if major == 2 => data.extend(b),
                        Ok(Item::Text(t)) if major == 3 => data.extend(t.into_bytes()),
                        Err(e) if e == "break" => break,
                        other => return Err(format!("a chunk of another type in an indefinite string: {other:?}")),
                    }
                },
            }
            if major == 2 {
                Item::Bytes(data)
            } else {
                Item::Text(String::from_utf8(data).map_err(|_| "text that is not UTF-8")?)
            }
        }
        (4, _) => {
            let mut items = Vec::new();
            while n.is_none_or(|n| (items.len() as u64) < n) {
                match item(bytes, pos, depth + 1) {
                    Err(e) if e == "break" && n.is_none() => break,
                    other => items.push(other?),
                }
            }
            Item::Array(items)
        }
        (5, _) => {
            let mut entries = Vec::new();
            while n.is_none_or(|n| (entries.len() as u64) < n) {
                let key = match item(bytes, pos, depth + 1) {
                    Err(e) if e == "break" && n.is_none() => break,
                    other => other?,
                };
                entries.push((key, item(bytes, pos, depth + 1)?));
            }
            Item::Map(entries)
        }
        (6, Some(t)) => Item::Tag(t, Box::new(item(bytes, pos, depth + 1)?)),
        _ => return Err(format!("initial byte {initial:#04x}")),
    })
}

fn half(bits: u16) -> f64 {
    let exp = i32::from((bits >> 10) & 0x1f);
    let mant = f64::from(bits & 0x3ff);
    let v = match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mant + 1024.0) * 2f64.powi(exp - 25),
    };
    if bits & 0x8000 != 0 {
        -v
    } else {
        v
    }
}

/// Panics, showing both, unless `actual` is the same data as `expected_base64` (a compliance case's body).
pub fn assert_same_cbor(actual: &[u8], expected_base64: &str) {
    let expected = crate::primitives::base64_decode(expected_base64).expect("the case's body is base64");
    let expected = decode(&expected).expect("the case's body is CBOR");
    let actual = decode(actual).unwrap_or_else(|e| panic!("the request body is not CBOR ({e}): {actual:02x?}"));
    assert!(actual == expected, "the request body differs:\n{actual}\n--- expected\n{expected}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_of_the_same_data_are_equal() {
        // {_ "a": [_ 1], "b": 1.5 (half)} and {"b": 1.5 (double), "a": [1]}
        let indefinite = decode(&[0xbf, 0x61, b'a', 0x9f, 0x01, 0xff, 0x61, b'b', 0xf9, 0x3e, 0x00, 0xff]).unwrap();
        let definite = decode(&[0xa2, 0x61, b'b', 0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x61, b'a', 0x81, 0x01]).unwrap();
        assert_eq!(indefinite, definite);
        assert_eq!(decode(&[0x01]).unwrap(), decode(&[0xf9, 0x3c, 0x00]).unwrap(), "numbers by value");
        assert_ne!(decode(&[0x01]).unwrap(), decode(&[0x61, b'1']).unwrap());
        assert!(decode(&[0x82, 0x01]).is_err());
        assert!(decode(&[0xff]).is_err());
    }
}
