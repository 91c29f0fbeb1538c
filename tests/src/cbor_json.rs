//! JSON values as CBOR and back, for the loopback servers of tests that
//! answer in the Smithy RPC v2 CBOR protocol (the generated Entitlement
//! crate, the official one in `compat/`). Written apart from the runtime's
//! CBOR reader and writer, so a bug of theirs is not shared by the test
//! that checks them; members named `ExpirationDate` are timestamps (tag 1).

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

/// A whole CBOR item as a JSON value (timestamps as their number).
pub fn decode(bytes: &[u8]) -> Option<Value> {
    let mut at = 0;
    let v = read(bytes, &mut at, 0)?;
    (at == bytes.len()).then_some(v)
}

fn read(b: &[u8], at: &mut usize, depth: usize) -> Option<Value> {
    if depth > 32 {
        return None;
    }
    let first = *b.get(*at)?;
    *at += 1;
    let (major, info) = (first >> 5, first & 0x1f);
    if info == 31 && (major == 4 || major == 5) {
        // Items until the 0xff "break".
        let mut items = Vec::new();
        while *b.get(*at)? != 0xff {
            items.push(read(b, at, depth + 1)?);
        }
        *at += 1;
        return Some(if major == 4 {
            Value::Array(items)
        } else {
            let mut map = Map::new();
            let mut it = items.into_iter();
            while let Some(k) = it.next() {
                let Value::String(k) = k else { return None };
                map.insert(k, it.next()?);
            }
            Value::Object(map)
        });
    }
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = b.get(*at..*at + n)?;
        *at += n;
        Some(s)
    };
    let arg = match info {
        0..=23 => u64::from(info),
        24 => u64::from(take(1)?[0]),
        25 => u64::from(u16::from_be_bytes(take(2)?.try_into().ok()?)),
        26 => u64::from(u32::from_be_bytes(take(4)?.try_into().ok()?)),
        27 => u64::from_be_bytes(take(8)?.try_into().ok()?),
        _ => return None,
    };
    Some(match major {
        0 => Value::from(arg),
        1 => Value::from(-1 - i64::try_from(arg).ok()?),
        3 => Value::String(String::from_utf8(take(usize::try_from(arg).ok()?)?.to_vec()).ok()?),
        4 => Value::Array((0..arg).map(|_| read(b, at, depth + 1)).collect::<Option<_>>()?),
        5 => {
            let mut map = Map::new();
            for _ in 0..arg {
                let Value::String(k) = read(b, at, depth + 1)? else { return None };
                map.insert(k, read(b, at, depth + 1)?);
            }
            Value::Object(map)
        }
        6 => read(b, at, depth + 1)?,
        7 => match (info, arg) {
            (20, _) => Value::Bool(false),
            (21, _) => Value::Bool(true),
            (22, _) => Value::Null,
            (27, bits) => Value::Number(Number::from_f64(f64::from_bits(bits))?),
            (26, bits) => Value::Number(Number::from_f64(f64::from(f32::from_bits(bits as u32)))?),
            _ => return None,
        },
        _ => return None,
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
