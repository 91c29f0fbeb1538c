//! JSON values as CBOR and back, for the loopback servers of tests that
//! answer in the Smithy RPC v2 CBOR protocol (the generated Entitlement
//! crate, the official one in `compat/`). Written apart from the runtime's
//! CBOR reader and writer (the decoding is the runtime's test decoder,
//! `test_util::cbor_diff`), so a bug of theirs is not shared by the test
//! that checks them; members named `ExpirationDate` are timestamps (tag 1).

use mpkit_runtime::test_util::cbor_diff::{self, Item};
use serde_json::{Map, Number, Value};

/// `v` as CBOR; members named `ExpirationDate` are timestamps (tag 1).
pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, v);
    out
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
}

fn write(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => head(out, 0, u),
            (None, Some(i)) => head(out, 1, (-1 - i) as u64),
            _ => {
                out.push(0xfb);
                out.extend(n.as_f64().unwrap_or(f64::NAN).to_be_bytes());
            }
        },
        Value::String(s) => {
            head(out, 3, s.len() as u64);
            out.extend(s.as_bytes());
        }
        Value::Array(items) => {
            head(out, 4, items.len() as u64);
            items.iter().for_each(|i| write(out, i));
        }
        Value::Object(map) => {
            head(out, 5, map.len() as u64);
            for (k, v) in map {
                write(out, &Value::String(k.clone()));
                if k == "ExpirationDate" {
                    out.push(0xc1);
                }
                write(out, v);
            }
        }
    }
}

/// A whole CBOR item as a JSON value (timestamps as their number), decoded
/// by the runtime's test decoder (`test_util::cbor_diff`, which shares no code
/// with the runtime's reader); `None` when it is not one item, or holds what
/// JSON has no place for (byte strings, `undefined`, maps with other keys
/// than text, floats that are not finite).
pub fn decode(bytes: &[u8]) -> Option<Value> {
    to_json(cbor_diff::decode(bytes).ok()?)
}

fn to_json(item: Item) -> Option<Value> {
    Some(match item {
        Item::Integer(n) => match (u64::try_from(n), i64::try_from(n)) {
            (Ok(u), _) => Value::from(u),
            (_, Ok(i)) => Value::from(i),
            _ => return None,
        },
        Item::Text(s) => Value::String(s),
        Item::Array(items) => Value::Array(items.into_iter().map(to_json).collect::<Option<_>>()?),
        Item::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let Item::Text(k) = k else { return None };
                map.insert(k, to_json(v)?);
            }
            Value::Object(map)
        }
        // A tagged item (a timestamp) is its content.
        Item::Tag(_, inner) => to_json(*inner)?,
        Item::Float(f) => Value::Number(Number::from_f64(f)?),
        Item::Bool(b) => Value::Bool(b),
        Item::Null => Value::Null,
        Item::Bytes(_) | Item::Undefined => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_the_test_sends() {
        let v = serde_json::json!({"a": [1, -2, 2.5, true, null, "x"], "ExpirationDate": 1893456000, "m": {}});
        let mut bytes = encode(&v);
        assert_eq!(decode(&bytes), Some(v));
        bytes.push(0);
        assert_eq!(decode(&bytes), None, "trailing bytes");
        // {"a": [1]} with both of indefinite length, as the official crate writes them.
        assert_eq!(decode(&[0xbf, 0x61, b'a', 0x9f, 0x01, 0xff, 0xff]), Some(serde_json::json!({"a": [1]})));
        assert_eq!(decode(&[0xbf, 0x61, b'a', 0xff]), None, "a key without a value");
    }
}
