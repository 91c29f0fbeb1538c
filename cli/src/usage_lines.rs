//! The one reader of usage lines, for `metering record --file`, the agent's
//! `POST /v1/usage` and `metering batch-meter-usage --file`: JSON Lines (or,
//! for `batch-meter-usage`, CSV with a header row) with the API's member
//! names, `ProductCode`, `CustomerIdentifier` or `CustomerAWSAccountId`
//! (with `LicenseArn`), neither for usage of the account the meter runs in
//! (MeterUsage), `Dimension`, `QuantityAsDecimal` (or the older integer
//! `Quantity`), `Timestamp` (RFC 3339 or epoch seconds) and an optional
//! `EventId`. One set of rules and one message per mistake, whichever
//! command reads the line; unknown members are refused, so a misspelt one is
//! not silently dropped. And the one parser of times the command line has.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mpkit_meter::{Customer, Quantity, Usage};
use mpkit_metering::primitives::{DateTime, DateTimeFormat};
use mpkit_metering::types::UsageRecord;
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

/// The largest integer `Quantity`: the API's `Integer`.
const MAX_INTEGER_QUANTITY: u64 = i32::MAX as u64;

/// A time as RFC 3339 or epoch seconds.
pub fn time(text: &str) -> Result<SystemTime, String> {
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

/// A member's value as the line gave it: JSON keeps its type, a CSV cell is text that may stand for a number.
enum Field {
    Json(Value),
    Cell(String),
}

impl Field {
    /// A member that must be a string.
    fn text(&self, name: &str) -> Result<String, String> {
        match self {
            Field::Json(Value::String(s)) | Field::Cell(s) => Ok(s.clone()),
            Field::Json(other) => Err(format!("{name} must be a string, not {other}")),
        }
    }
}

/// One line's record, read and checked against the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub usage: Usage,
    /// The quantity came as the integer `Quantity`, not `QuantityAsDecimal`.
    pub integer_quantity: bool,
}

/// A refused line: its number (from 1, a CSV header counting) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub reason: String,
}

/// One JSON line's record.
pub fn parse_line(line: &str) -> Result<Line, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(members) = value else { return Err("not a JSON object".into()) };
    line_of(members.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, Field::Json(v))).collect())
}

/// The records (with their line numbers) and the refused lines of `text`, JSON Lines or (`csv`) CSV with a header
/// row; blank lines are skipped.
pub fn read(text: &str, csv: bool) -> (Vec<(usize, Line)>, Vec<BadLine>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let mut keep = |n: usize, parsed: Result<Line, String>| match parsed {
        Ok(l) => good.push((n, l)),
        Err(reason) => bad.push(BadLine { line: n, reason }),
    };
    if !csv {
        for (n, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
            keep(n, parse_line(line));
        }
        return (good, bad);
    }
    let Some((_, header)) = lines.next() else { return (good, bad) };
    let header: Vec<&str> = header.split(',').map(str::trim).collect();
    for (n, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed = if cells.len() != header.len() {
            Err(format!("{} fields where the header has {}", cells.len(), header.len()))
        } else {
            line_of(
                header.iter().zip(cells).filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), Field::Cell(v.to_owned()))).collect(),
            )
        };
        keep(n, parsed);
    }
    (good, bad)
}

fn line_of(fields: Vec<(String, Field)>) -> Result<Line, String> {
    if let Some((unknown, _)) = fields.iter().find(|(k, _)| !MEMBERS.contains(&k.as_str())) {
        return Err(format!("unknown member `{unknown}` (the members are {})", MEMBERS.join(", ")));
    }
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let text = |name: &str| get(name).map(|f| f.text(name)).transpose();
    let dimension = text("Dimension")?.ok_or("Dimension is missing")?;
    let (quantity, integer_quantity) = match (text("QuantityAsDecimal")?, get("Quantity")) {
        (Some(_), Some(_)) => return Err("QuantityAsDecimal and Quantity are exclusive: give one".into()),
        (Some(d), None) => (Quantity::parse(&d)?, false),
        (None, Some(q)) => {
            let whole = match q {
                Field::Json(Value::Number(n)) => n.as_u64(),
                Field::Cell(c) => c.parse::<u64>().ok(),
                Field::Json(other) => return Err(format!("Quantity must be a number, not {other}")),
            };
            match whole.filter(|n| *n <= MAX_INTEGER_QUANTITY) {
                Some(n) => (Quantity::units(n as u32), true),
                None => return Err(format!("Quantity must be a whole number from 0 to {MAX_INTEGER_QUANTITY}")),
            }
        }
        (None, None) => return Err("QuantityAsDecimal (or the integer Quantity) is missing".into()),
    };
    let time = match get("Timestamp") {
        Some(Field::Json(Value::String(s)) | Field::Cell(s)) => time(s)?,
        Some(Field::Json(Value::Number(n))) => time(&n.to_string())?,
        Some(Field::Json(other)) => return Err(format!("Timestamp must be RFC 3339 or epoch seconds, not {other}")),
        None => return Err("Timestamp is missing".into()),
    };
    let customer = customer(text("CustomerIdentifier")?, text("CustomerAWSAccountId")?, text("LicenseArn")?)?;
    let usage = Usage { product_code: text("ProductCode")?, customer, dimension, quantity, time, event_id: text("EventId")? };
    Ok(Line { usage, integer_quantity })
}

impl Line {
    /// The record for the meter, checked against the model.
    pub fn into_usage(self) -> Result<Usage, String> {
        self.usage.check().map_err(|e| e.to_string())?;
        Ok(self.usage)
    }

    /// The record for a BatchMeterUsage call of `product_code`, checked against the model.
    pub fn usage_record(&self, product_code: &str) -> Result<UsageRecord, String> {
        let u = &self.usage;
        match u.product_code.as_deref() {
            Some(p) if p != product_code => return Err(format!("ProductCode `{p}` is not --product-code `{product_code}`")),
            _ => {}
        }
        if u.event_id.is_some() {
            return Err("EventId is the meter's (metering record); BatchMeterUsage has no such member".into());
        }
        Usage { product_code: Some(product_code.to_owned()), ..u.clone() }.check().map_err(|e| e.to_string())?;
        let quantity = if self.integer_quantity {
            let whole = i32::try_from(u.quantity.millionths() / 1_000_000).map_err(|_| "Quantity is too large".to_owned())?;
            #[allow(deprecated)]
            UsageRecord::builder().quantity(whole)
        } else {
            UsageRecord::builder().quantity_as_decimal(u.quantity.to_string())
        };
        mpkit_meter::usage::usage_record(&u.customer, DateTime::from(u.time), &u.dimension, quantity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_its_customer_by_the_api_members() {
        let u = parse_line(
            r#"{"ProductCode":"p","CustomerIdentifier":"c","Dimension":"users","QuantityAsDecimal":"1.5","Timestamp":"2025-11-30T10:15:00Z","EventId":"e1"}"#,
        )
        .unwrap()
        .into_usage()
        .unwrap();
        assert_eq!(u.customer, Customer::Identifier("c".into()));
        assert_eq!(u.quantity, Quantity::parse("1.5").unwrap());
        assert_eq!(u.time, UNIX_EPOCH + Duration::from_secs(1_764_497_700));
        let caller = parse_line(r#"{"ProductCode":"p","Dimension":"vcpu","Quantity":2,"Timestamp":1764497700}"#).unwrap();
        assert!(caller.integer_quantity);
        assert_eq!((caller.usage.customer, caller.usage.quantity), (Customer::Caller, Quantity::units(2)));
        let licensed = parse_line(
            r#"{"CustomerAWSAccountId":"123456789012","LicenseArn":"arn:aws:license-manager::1:license:l","Dimension":"d","QuantityAsDecimal":"1","Timestamp":"2026-11-30T10:15:00Z"}"#,
        )
        .unwrap();
        assert!(matches!(licensed.usage.customer, Customer::Account { license_arn: Some(_), .. }));
    }

    #[test]
    fn a_bad_line_says_why_the_same_for_every_command() {
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
            (r#"{"ProductCode":"p","Dimension":"d","Timestamp":1}"#, "QuantityAsDecimal (or the integer Quantity) is missing"),
            (r#"{"ProductCode":"p","Dimension":"d","Quantity":-1,"Timestamp":1}"#, "whole number"),
            (r#"{"ProductCode":"p","Dimension":"d","Quantity":"5","Timestamp":1}"#, "Quantity must be a number"),
            (r#"{"ProductCode":"p","Dimension":"d","Quantity":2147483648,"Timestamp":1}"#, "whole number from 0 to 2147483647"),
        ] {
            let e = parse_line(line).unwrap_err();
            assert!(e.contains(reason), "{line}: {e}");
            let (_, bad) = read(line, false);
            assert_eq!(bad, [BadLine { line: 1, reason: e.clone() }], "batch-meter-usage gives the same message");
        }
        let e = parse_line(r#"{"Dimension":"d","QuantityAsDecimal":"1","Timestamp":1}"#).unwrap().into_usage().unwrap_err();
        assert!(e.contains("ProductCode"), "{e}");
    }

    #[test]
    fn batch_lines_are_named_and_good_ones_kept() {
        let jsonl = "{\"Timestamp\":\"2023-11-14T21:00:00Z\",\"CustomerIdentifier\":\"c\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"2.5\"}\n\
                     not json\n\
                     {\"Timestamp\":1699995600,\"CustomerAWSAccountId\":\"1\",\"CustomerIdentifier\":\"c\",\"Dimension\":\"d\",\"Quantity\":1}\n\
                     \n\
                     {\"Timestamp\":1699995600,\"CustomerAWSAccountId\":\"123456789012\",\"Dimension\":\"d\",\"Quantity\":3}\n";
        let (good, bad) = read(jsonl, false);
        assert_eq!(good.len(), 2);
        let first = good[0].1.usage_record("prod").unwrap();
        assert_eq!(first.quantity_as_decimal(), Some("2.5"));
        #[allow(deprecated)]
        let integer = good[1].1.usage_record("prod").unwrap().quantity();
        assert_eq!(integer, Some(3), "an integer Quantity is sent as one");
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [2, 3]);
        assert!(bad[1].reason.contains("exclusive"), "{:?}", bad[1]);

        // What the service would refuse for a whole call is named on its line.
        let licence = parse_line(
            r#"{"Timestamp":1699995600,"CustomerAWSAccountId":"777788889999","LicenseArn":"arn:aws:license-manager::1:license:l beta","Dimension":"d","Quantity":1}"#,
        )
        .unwrap();
        assert!(licence.usage_record("prod").unwrap_err().starts_with("LicenseArn:"));
        let caller = parse_line(r#"{"Timestamp":1699995600,"Dimension":"d","Quantity":1}"#).unwrap();
        assert!(caller.usage_record("prod").unwrap_err().contains("names its customer"));
        let other =
            parse_line(r#"{"ProductCode":"other","CustomerIdentifier":"c","Timestamp":1699995600,"Dimension":"d","Quantity":1}"#).unwrap();
        assert!(other.usage_record("prod").unwrap_err().contains("not --product-code"));

        let csv = "Timestamp,CustomerIdentifier,Dimension,QuantityAsDecimal\n2023-11-14T21:00:00Z,c,users,1\n2023-11-14T21:00:00Z,c,users\nyesterday,c,users,1\n";
        let (good, bad) = read(csv, true);
        assert_eq!(good.len(), 1);
        assert_eq!(
            bad,
            [
                BadLine { line: 3, reason: "3 fields where the header has 4".into() },
                BadLine { line: 4, reason: "`yesterday` is not an RFC 3339 time or epoch seconds".into() }
            ]
        );
        let csv = "Timestamp,CustomerIdentifier,Dimension,Quantity\n1699995600,c,users,5\n";
        let (good, _) = read(csv, true);
        assert!(good[0].1.integer_quantity, "a CSV cell stands for the number it spells");
    }
}
