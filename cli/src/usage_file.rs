//! Usage records for the meter (`metering record --file`): JSON Lines with
//! the API's member names, `ProductCode`, `CustomerIdentifier` or
//! `CustomerAWSAccountId` (with `LicenseArn`), neither for usage of the
//! account the meter runs in (MeterUsage), `Dimension`, `QuantityAsDecimal`
//! (or the older integer `Quantity`), `Timestamp` (RFC 3339 or epoch
//! seconds) and an optional `EventId`. Unknown members are refused, so a
//! misspelt one is not silently dropped.

use std::time::{Duration, UNIX_EPOCH};

use durable_meter::{Customer, Quantity, Usage};
use marketplacemetering::primitives::{DateTime, DateTimeFormat};
use serde_json::Value;

const MEMBERS: [&str; 9] = [
    "ProductCode",
    "CustomerIdentifier",
    "CustomerAWSAccountId",
    "LicenseArn",
    "Dimension",
    "QuantityAsDecimal",
    "Quantity",
    "Timestamp",
    "EventId",
];

/// A time as RFC 3339 or epoch seconds.
pub fn time(text: &str) -> Result<std::time::SystemTime, String> {
    let t = DateTime::from_str(text, DateTimeFormat::DateTime)
        .or_else(|_| DateTime::from_str(text, DateTimeFormat::EpochSeconds))
        .map_err(|_| format!("`{text}` is not an RFC 3339 time or epoch seconds"))?;
    let ms = t.to_millis().map_err(|e| e.to_string())?;
    u64::try_from(ms).map(|ms| UNIX_EPOCH + Duration::from_millis(ms)).map_err(|_| format!("`{text}` is before 1970"))
}

/// The customer named by the three optional members.
pub fn customer(identifier: Option<String>, account: Option<String>, license: Option<String>) -> Result<Customer, String> {
    match (identifier, account, license) {
        (Some(_), Some(_), _) => Err("CustomerIdentifier and CustomerAWSAccountId are exclusive: give one".into()),
        (Some(_), None, Some(_)) => Err("LicenseArn goes with CustomerAWSAccountId, not CustomerIdentifier".into()),
        (Some(id), None, None) => Ok(Customer::Identifier(id)),
        (None, Some(account_id), license_arn) => Ok(Customer::Account { account_id, license_arn }),
        (None, None, Some(_)) => Err("LicenseArn needs CustomerAWSAccountId".into()),
        (None, None, None) => Ok(Customer::Caller),
    }
}

/// One line's record.
pub fn parse_line(line: &str) -> Result<Usage, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(members) = value else { return Err("not a JSON object".into()) };
    if let Some(unknown) = members.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        return Err(format!("unknown member `{unknown}` (the members are {})", MEMBERS.join(", ")));
    }
    let text = |name: &str| -> Result<Option<String>, String> {
        match members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("{name} must be a string, not {other}")),
        }
    };
    let dimension = text("Dimension")?.ok_or("Dimension is missing")?;
    let quantity = match (text("QuantityAsDecimal")?, members.get("Quantity")) {
        (Some(_), Some(_)) => return Err("QuantityAsDecimal and Quantity are exclusive: give one".into()),
        (Some(d), None) => Quantity::parse(&d)?,
        (None, Some(Value::Number(n))) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Quantity::units(n),
            None => return Err(format!("Quantity must be a whole number from 0 to {}, not {n}", u32::MAX)),
        },
        (None, Some(other)) => return Err(format!("Quantity must be a number, not {other}")),
        (None, None) => return Err("QuantityAsDecimal is missing".into()),
    };
    let time = match members.get("Timestamp") {
        Some(Value::String(s)) => time(s)?,
        Some(Value::Number(n)) => time(&n.to_string())?,
        Some(other) => return Err(format!("Timestamp must be RFC 3339 or epoch seconds, not {other}")),
        None => return Err("Timestamp is missing".into()),
    };
    let customer = customer(text("CustomerIdentifier")?, text("CustomerAWSAccountId")?, text("LicenseArn")?)?;
    let usage = Usage { product_code: text("ProductCode")?, customer, dimension, quantity, time, event_id: text("EventId")? };
    usage.check().map_err(|e| e.to_string())?;
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_its_customer_by_the_api_members() {
        let u = parse_line(r#"{"ProductCode":"p","CustomerIdentifier":"c","Dimension":"users","QuantityAsDecimal":"1.5","Timestamp":"2025-11-30T10:15:00Z","EventId":"e1"}"#).unwrap();
        assert_eq!(u.customer, Customer::Identifier("c".into()));
        assert_eq!(u.quantity, Quantity::parse("1.5").unwrap());
        assert_eq!(u.time, UNIX_EPOCH + Duration::from_secs(1_764_497_700));
        let caller = parse_line(r#"{"ProductCode":"p","Dimension":"vcpu","Quantity":2,"Timestamp":1764497700}"#).unwrap();
        assert_eq!((caller.customer, caller.quantity), (Customer::Caller, Quantity::units(2)));
        let licensed = parse_line(
            r#"{"CustomerAWSAccountId":"123456789012","LicenseArn":"arn:aws:license-manager::1:license:l","Dimension":"d","QuantityAsDecimal":"1","Timestamp":"2026-11-30T10:15:00Z"}"#,
        )
        .unwrap();
        assert!(matches!(licensed.customer, Customer::Account { license_arn: Some(_), .. }));
    }

    #[test]
    fn a_bad_line_says_why() {
        for (line, reason) in [
            ("{", "not JSON"),
            (r#"{"Dimesion":"d"}"#, "unknown member `Dimesion`"),
            (
                r#"{"ProductCode":"p","Dimension":"d","QuantityAsDecimal":"1.1234567","Timestamp":"2026-11-30T10:15:00Z"}"#,
                "is not a quantity",
            ),
            (r#"{"ProductCode":"p","Dimension":"d","QuantityAsDecimal":"1","Timestamp":"yesterday"}"#, "not an RFC 3339 time"),
            (
                r#"{"ProductCode":"p","CustomerIdentifier":"c","CustomerAWSAccountId":"123456789012","Dimension":"d","QuantityAsDecimal":"1","Timestamp":1}"#,
                "exclusive",
            ),
            (r#"{"ProductCode":"p","Dimension":"d","Timestamp":1}"#, "QuantityAsDecimal is missing"),
            (r#"{"ProductCode":"p","Dimension":"d","Quantity":-1,"Timestamp":1}"#, "whole number"),
            (r#"{"Dimension":"d","QuantityAsDecimal":"1","Timestamp":1}"#, "ProductCode"),
        ] {
            let e = parse_line(line).unwrap_err();
            assert!(e.contains(reason), "{line}: {e}");
        }
    }
}
