//! The Smithy RPC v2 CBOR side of the wire: a request body decoded into the
//! JSON value tree the decoders read (so an operation is decoded once,
//! whatever protocol it came in), and answers and errors written as CBOR.
//! The CBOR itself is `ciborium`'s: the emulator shares no code with the
//! SDK's runtime, so a bug of that runtime cannot hide behind it.

use ciborium::value::Value as Cbor;
use serde_json::{Map, Number, Value};

use crate::errors::{Code, ServiceError};

/// The shape id namespace of the Entitlement Service's errors (`__type` is an absolute shape id in this protocol).
pub const ENTITLEMENT_NAMESPACE: &str = "com.amazonaws.marketplaceentitlementservice";

/// A request body as a JSON tree: maps with text keys, integers, floats,
/// text, booleans, null and arrays; anything else (byte strings, tags) is
/// not in any request of the service and is refused by name.
pub fn request_body(body: &[u8]) -> Result<Value, ServiceError> {
    // An operation's input may be sent without a body at all.
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let item: Cbor =
        ciborium::de::from_reader(body).map_err(|e| ServiceError::new(Code::Serialization, format!("the body is not CBOR: {e}")))?;
    to_json(item, 0)
}

fn to_json(item: Cbor, depth: usize) -> Result<Value, ServiceError> {
    let refuse =
        |what: &str| ServiceError::new(Code::Serialization, format!("the body holds {what}, which no member of the service takes"));
    if depth > 32 {
        return Err(refuse("items nested more than 32 deep"));
    }
    Ok(match item {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Text(s) => Value::String(s),
        Cbor::Integer(i) => {
            let n = i128::from(i);
            match (u64::try_from(n), i64::try_from(n)) {
                (Ok(u), _) => Value::Number(Number::from(u)),
                (_, Ok(i)) => Value::Number(Number::from(i)),
                _ => return Err(refuse("an integer beyond 64 bits")),
            }
        }
        Cbor::Float(f) => Value::Number(Number::from_f64(f).ok_or_else(|| refuse("a float that is not finite"))?),
        Cbor::Array(items) => Value::Array(items.into_iter().map(|i| to_json(i, depth + 1)).collect::<Result<_, _>>()?),
        Cbor::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let Cbor::Text(k) = k else { return Err(refuse("a map key that is not text")) };
                map.insert(k, to_json(v, depth + 1)?);
            }
            Value::Object(map)
        }
        Cbor::Bytes(_) => return Err(refuse("a byte string")),
        Cbor::Tag(..) => return Err(refuse("a tagged item")),
        _ => return Err(refuse("a simple value")),
    })
}

/// A text key.
pub fn key(k: &str) -> Cbor {
    Cbor::Text(k.to_owned())
}

/// A timestamp: tag 1 over epoch seconds, a double, as the protocol writes them.
pub fn timestamp(secs: i64) -> Cbor {
    Cbor::Tag(1, Box::new(Cbor::Float(secs as f64)))
}

/// `item` as bytes.
pub fn encode(item: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = ciborium::ser::into_writer(item, &mut out);
    out
}

/// The body of an error of type `type_name` (a shape name) saying `message`:
/// `__type` is the error's absolute shape id.
pub fn error_body(type_name: &str, message: &str) -> Vec<u8> {
    encode(&Cbor::Map(vec![
        (key("__type"), Cbor::Text(format!("{ENTITLEMENT_NAMESPACE}#{type_name}"))),
        (key("message"), Cbor::Text(message.to_owned())),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_decode_to_the_tree_the_decoders_read_and_odd_items_are_refused() {
        let body = encode(&Cbor::Map(vec![
            (key("ProductCode"), Cbor::Text("p".into())),
            (key("MaxResults"), Cbor::Integer(5.into())),
            (key("Filter"), Cbor::Map(vec![(key("DIMENSION"), Cbor::Array(vec![Cbor::Text("seats".into())]))])),
        ]));
        let v = request_body(&body).unwrap();
        assert_eq!(v, serde_json::json!({"ProductCode": "p", "MaxResults": 5, "Filter": {"DIMENSION": ["seats"]}}));
        assert_eq!(request_body(&[]).unwrap(), serde_json::json!({}));
        assert_eq!(request_body(b"{\"a\":1}").unwrap_err().code, Code::Serialization);
        let tagged = encode(&Cbor::Map(vec![(key("ProductCode"), timestamp(5))]));
        assert!(request_body(&tagged).unwrap_err().message.contains("a tagged item"));
    }

    #[test]
    fn errors_name_their_shape_absolutely() {
        let body: Cbor = ciborium::de::from_reader(&error_body("InvalidParameterException", "no")[..]).unwrap();
        let Cbor::Map(entries) = body else { panic!() };
        assert_eq!(entries[0].1, Cbor::Text("com.amazonaws.marketplaceentitlementservice#InvalidParameterException".into()));
    }
}
