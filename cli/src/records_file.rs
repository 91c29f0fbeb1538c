//! Usage records from a file for `metering batch-meter-usage --file`: JSON
//! Lines (`.jsonl`) or CSV with a header row (`.csv`), with the API's member
//! names: `Timestamp` (RFC 3339 or epoch seconds), `CustomerIdentifier` or
//! `CustomerAWSAccountId` (with `LicenseArn`), `Dimension`, and `Quantity`
//! or `QuantityAsDecimal`. A bad line is reported with its number and the
//! reason; the good lines are kept.

use marketplacemetering::primitives::{DateTime, DateTimeFormat};
use marketplacemetering::types::UsageRecord;

/// A refused line: its number (from 1, the CSV header counting) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// The line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// The good records and the refused lines of `text`; `csv` selects the format.
pub fn read(text: &str, csv: bool) -> (Vec<UsageRecord>, Vec<BadLine>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let header: Vec<String> = if csv {
        match lines.next() {
            Some((_, h)) => h.split(',').map(|c| c.trim().to_owned()).collect(),
            None => return (good, bad),
        }
    } else {
        Vec::new()
    };
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Result<Vec<(String, String)>, String> = if csv {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != header.len() {
                Err(format!("{} fields where the header has {}", cells.len(), header.len()))
            } else {
                Ok(header.iter().cloned().zip(cells.into_iter().map(str::to_owned)).filter(|(_, v)| !v.is_empty()).collect())
            }
        } else {
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(o)) => o
                    .into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => Ok((k, s)),
                        serde_json::Value::Number(n) => Ok((k, n.to_string())),
                        other => Err(format!("{k} is {other}, not a string or a number")),
                    })
                    .collect(),
                Ok(_) => Err("the line is not a JSON object".into()),
                Err(e) => Err(format!("not JSON: {e}")),
            }
        };
        match fields.and_then(|f| record(&f)) {
            Ok(r) => good.push(r),
            Err(reason) => bad.push(BadLine { line: n, reason }),
        }
    }
    (good, bad)
}

fn record(fields: &[(String, String)]) -> Result<UsageRecord, String> {
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if let Some((k, _)) = fields.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Err(format!("unknown member {k}"));
    }
    if let Some(q) = get("QuantityAsDecimal") {
        durable_meter::Quantity::parse(q)?;
    }
    let timestamp = get("Timestamp").ok_or("Timestamp is missing")?;
    let timestamp = DateTime::from_str(timestamp, DateTimeFormat::DateTime)
        .or_else(|_| DateTime::from_str(timestamp, DateTimeFormat::EpochSeconds))
        .map_err(|_| format!("Timestamp `{timestamp}` is neither RFC 3339 nor epoch seconds"))?;
    let dimension = get("Dimension").ok_or("Dimension is missing")?;
    let mut b = UsageRecord::builder().timestamp(timestamp).dimension(dimension);
    match (get("CustomerIdentifier"), get("CustomerAWSAccountId")) {
        (Some(_), Some(_)) => {
            return Err("CustomerIdentifier and CustomerAWSAccountId are both set; a record names its customer once".into())
        }
        (None, None) => return Err("neither CustomerIdentifier nor CustomerAWSAccountId is set".into()),
        (Some(id), None) => b = b.customer_identifier(id),
        (None, Some(account)) => b = b.customer_aws_account_id(account),
    }
    if let Some(arn) = get("LicenseArn") {
        b = b.license_arn(arn);
    }
    // What the service would refuse for the whole call is refused here, for this line alone.
    for member in ["CustomerIdentifier", "CustomerAWSAccountId", "LicenseArn", "Dimension"] {
        if let Some(value) = get(member) {
            durable_meter::usage::check_member(member, value).map_err(|e| e.to_string())?;
        }
    }
    match (get("Quantity"), get("QuantityAsDecimal")) {
        (Some(_), Some(_)) => return Err("Quantity and QuantityAsDecimal are both set".into()),
        #[allow(deprecated)]
        (Some(q), None) => {
            b = b.quantity(q.parse::<i32>().ok().filter(|q| *q >= 0).ok_or_else(|| format!("Quantity `{q}` is not a whole number from 0"))?)
        }
        (None, Some(q)) => b = b.quantity_as_decimal(q),
        (None, None) => {}
    }
    b.build().map_err(|e| e.to_string())
}

const KNOWN: [&str; 7] =
    ["Timestamp", "CustomerIdentifier", "CustomerAWSAccountId", "LicenseArn", "Dimension", "Quantity", "QuantityAsDecimal"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_named_and_good_ones_kept() {
        let jsonl =
            "{\"Timestamp\":\"2023-11-14T21:00:00Z\",\"CustomerIdentifier\":\"c\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"2.5\"}\n\
                     not json\n\
                     {\"Timestamp\":1699995600,\"CustomerAWSAccountId\":\"1\",\"CustomerIdentifier\":\"c\",\"Dimension\":\"d\"}\n\
                     \n\
                     {\"Timestamp\":1699995600,\"CustomerAWSAccountId\":\"123456789012\",\"Dimension\":\"d\",\"Quantity\":3}\n";
        let (good, bad) = read(jsonl, false);
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].quantity_as_decimal(), Some("2.5"));
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [2, 3]);
        assert!(bad[1].reason.contains("both set"), "{:?}", bad[1]);
        // What the service refuses for a whole call is named on its line, and the call carries the rest.
        let jsonl = "{\"Timestamp\":1699995600,\"CustomerAWSAccountId\":\"777788889999\",\"LicenseArn\":\"arn:aws:license-manager::1:license:l beta\",\"Dimension\":\"d\"}\n\
                     {\"Timestamp\":1699995600,\"CustomerIdentifier\":\"c\",\"Dimension\":\"d\",\"QuantityAsDecimal\":\"1.1234567\"}\n\
                     {\"Timestamp\":1699995600,\"CustomerIdentifier\":\"c\",\"Dimension\":\"d\",\"Quantity\":-1}\n\
                     {\"Timestamp\":1699995600,\"CustomerIdentifier\":\"c\",\"Dimension\":\"d\",\"Quantity\":1}\n";
        let (good, bad) = read(jsonl, false);
        assert_eq!(good.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(bad[0].reason.starts_with("LicenseArn:"), "{:?}", bad[0]);
        let csv = "Timestamp,CustomerIdentifier,Dimension,QuantityAsDecimal\n2023-11-14T21:00:00Z,c,users,1\n2023-11-14T21:00:00Z,c,users\nyesterday,c,users,1\n";
        let (good, bad) = read(csv, true);
        assert_eq!(good.len(), 1);
        assert_eq!(
            bad,
            [
                BadLine { line: 3, reason: "3 fields where the header has 4".into() },
                BadLine { line: 4, reason: "Timestamp `yesterday` is neither RFC 3339 nor epoch seconds".into() }
            ]
        );
    }
}
