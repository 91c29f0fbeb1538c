//! A GetEntitlements page as the Entitlement Service writes it, in either of
//! its protocols: awsJson1_1 (timestamps as epoch seconds) or RPC v2 CBOR
//! (timestamps as tag 1).

use ciborium::value::Value as Cbor;
use serde_json::{json, Map, Value};

use super::cbor::{encode, key, timestamp};
use crate::config::EntitlementValue;
use crate::rules::{EntitlementOut, EntitlementsPage};

/// The page as awsJson1_1's body.
pub fn page_json(page: &EntitlementsPage) -> Value {
    let entitlements: Vec<Value> = page.entitlements.iter().map(entitlement_json).collect();
    let mut out = json!({ "Entitlements": entitlements });
    if let Some(token) = &page.next_token {
        out["NextToken"] = json!(token);
    }
    out
}

fn entitlement_json(e: &EntitlementOut) -> Value {
    let mut out = Map::new();
    out.insert("ProductCode".into(), json!(e.product_code));
    out.insert("Dimension".into(), json!(e.dimension));
    if let Some(id) = &e.customer_identifier {
        out.insert("CustomerIdentifier".into(), json!(id));
    }
    out.insert("CustomerAWSAccountId".into(), json!(e.customer_aws_account_id));
    if let Some(arn) = &e.license_arn {
        out.insert("LicenseArn".into(), json!(arn));
    }
    let value = match &e.value {
        EntitlementValue::Integer(n) => json!({ "IntegerValue": n }),
        EntitlementValue::Double(d) => json!({ "DoubleValue": d }),
        EntitlementValue::Boolean(b) => json!({ "BooleanValue": b }),
        EntitlementValue::String(s) => json!({ "StringValue": s }),
    };
    out.insert("Value".into(), value);
    if let Some(t) = e.expiration {
        out.insert("ExpirationDate".into(), json!(t));
    }
    Value::Object(out)
}

/// The page as RPC v2 CBOR's body.
pub fn page_cbor(page: &EntitlementsPage) -> Vec<u8> {
    let mut out = vec![(key("Entitlements"), Cbor::Array(page.entitlements.iter().map(entitlement_cbor).collect()))];
    if let Some(token) = &page.next_token {
        out.push((key("NextToken"), Cbor::Text(token.clone())));
    }
    encode(&Cbor::Map(out))
}

fn entitlement_cbor(e: &EntitlementOut) -> Cbor {
    let text = |s: &str| Cbor::Text(s.to_owned());
    let mut out = vec![(key("ProductCode"), text(&e.product_code)), (key("Dimension"), text(&e.dimension))];
    if let Some(id) = &e.customer_identifier {
        out.push((key("CustomerIdentifier"), text(id)));
    }
    out.push((key("CustomerAWSAccountId"), text(&e.customer_aws_account_id)));
    if let Some(arn) = &e.license_arn {
        out.push((key("LicenseArn"), text(arn)));
    }
    let value = match &e.value {
        EntitlementValue::Integer(n) => (key("IntegerValue"), Cbor::Integer((*n).into())),
        EntitlementValue::Double(d) => (key("DoubleValue"), Cbor::Float(*d)),
        EntitlementValue::Boolean(b) => (key("BooleanValue"), Cbor::Bool(*b)),
        EntitlementValue::String(s) => (key("StringValue"), text(s)),
    };
    out.push((key("Value"), Cbor::Map(vec![value])));
    if let Some(t) = e.expiration {
        out.push((key("ExpirationDate"), timestamp(t)));
    }
    Cbor::Map(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_protocols_write_the_same_page() {
        let page = EntitlementsPage {
            entitlements: vec![EntitlementOut {
                product_code: "p".into(),
                dimension: "seats".into(),
                customer_identifier: None,
                customer_aws_account_id: "444455556666".into(),
                license_arn: Some("arn:l".into()),
                value: EntitlementValue::Integer(3),
                expiration: Some(1_800_000_000),
            }],
            next_token: Some("t".into()),
        };
        let json = page_json(&page);
        assert_eq!(json["Entitlements"][0]["Value"], json!({"IntegerValue": 3}));
        assert_eq!(json["Entitlements"][0]["ExpirationDate"], 1_800_000_000);
        assert!(json["Entitlements"][0].get("CustomerIdentifier").is_none());
        let cbor: Cbor = ciborium::de::from_reader(&page_cbor(&page)[..]).unwrap();
        let Cbor::Map(top) = cbor else { panic!() };
        let Cbor::Array(items) = &top[0].1 else { panic!() };
        let Cbor::Map(first) = &items[0] else { panic!() };
        let expiration = first.iter().find(|(k, _)| *k == key("ExpirationDate")).map(|(_, v)| v.clone());
        assert_eq!(expiration, Some(Cbor::Tag(1, Box::new(Cbor::Float(1.8e9)))));
        assert_eq!(top[1], (key("NextToken"), Cbor::Text("t".into())));
    }
}
