//! MeterUsage, called from the buyer's account: one record per product,
//! buyer, dimension and hour.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::{check_window, hour_of, unavailable};
use crate::config::{Account, Config};
use crate::errors::{Code, ServiceError, Violations};
use crate::input::{check_allocations, check_length, quantity, Members};
use crate::state::{Billing, Fingerprint, Record, State};

/// Bills the caller's usage of one dimension for one hour.
pub fn meter_usage(config: &Config, state: &mut State, caller: &Account, body: &Value, now: SystemTime) -> Result<Value, ServiceError> {
    let m = Members::of(body)?;
    let (product_code, timestamp, dimension) = (m.string("ProductCode")?, m.timestamp("Timestamp")?, m.string("UsageDimension")?);
    let client_token = m.string("ClientToken")?;
    let allocations = m.list("UsageAllocations")?;
    let mut v = Violations::default();
    match product_code {
        Some(p) => check_length(&mut v, p, "productCode", 0, 255),
        None => v.missing("productCode"),
    }
    if timestamp.is_none() {
        v.missing("timestamp");
    }
    match dimension {
        Some(d) => check_length(&mut v, d, "usageDimension", 1, 255),
        None => v.missing("usageDimension"),
    }
    if let Some(t) = client_token {
        check_length(&mut v, t, "clientToken", 1, 64);
    }
    let quantity =
        quantity(&mut v, m.integer("UsageQuantity")?, m.string("UsageQuantityAsDecimal")?, ("usageQuantity", "usageQuantityAsDecimal"));
    let dry_run = m.boolean("DryRun")?.unwrap_or(false);
    v.finish()?;
    let (Some(product_code), Some(timestamp), Some(dimension), Some(quantity)) = (product_code, timestamp, dimension, quantity) else {
        return Err(ServiceError::new(Code::InternalServiceError, "a checked member went missing"));
    };

    let product = config.product(product_code).ok_or_else(|| {
        ServiceError::new(Code::InvalidProductCode, format!("Product code {product_code} is not a product of this emulator"))
    })?;
    product.check_region(&config.region)?;
    let customer = config.customer_by_account(&product.code, &caller.id).ok_or_else(|| {
        ServiceError::new(Code::CustomerNotEntitled, format!("Account {} is not subscribed to {product_code}", caller.id))
    })?;
    if !product.dimensions.iter().any(|d| d == dimension) {
        return Err(ServiceError::new(Code::InvalidUsageDimension, format!("{dimension} is not a dimension of {product_code}")));
    }
    check_window(timestamp, now, config.meter_usage_window(), config.month_end_grace())?;
    if let Some(list) = allocations {
        check_allocations(list, quantity, "usageAllocations")?;
    }

    // The fingerprint is every parameter but the token itself, as decoded: the same token with anything else changed
    // conflicts, while members in another order or a number written otherwise (1.7e9 for 1700000000) are the same request.
    let allocations_text = allocations.map(|list| list.iter().map(canonical).collect::<Vec<_>>().join(","));
    let fingerprint = Fingerprint::of(&format!("{product_code}\n{timestamp}\n{dimension}\n{quantity:?}\n{allocations_text:?}\n{dry_run}"));
    if let Some(token) = client_token {
        if let Some((seen, record_id)) = state.client_token(&caller.id, token).map_err(unavailable)? {
            if seen != fingerprint {
                return Err(ServiceError::new(Code::IdempotencyConflict, format!("ClientToken {token} was used with other parameters")));
            }
            return Ok(json!({ "MeteringRecordId": record_id }));
        }
    }
    let record = Record {
        operation: "MeterUsage",
        product: product.code.clone(),
        customer_account: customer.account.clone(),
        customer_identifier: customer.identifier.clone(),
        license_arn: None,
        agreement: None,
        dimension: dimension.to_owned(),
        hour: hour_of(timestamp),
        quantity,
        record_id: String::new(),
    };
    if dry_run {
        return match state.record(&record.key()).map_err(unavailable)? {
            Some(existing) if existing.quantity != quantity => Err(duplicate(dimension)),
            _ => Err(ServiceError::new(Code::DryRunOperation, "Request would have succeeded, but the DryRun flag is set")),
        };
    }
    let record_id = match state.bill(record).map_err(unavailable)? {
        Billing::New(id) | Billing::Repeat(id) => id,
        Billing::Conflict => return Err(duplicate(dimension)),
    };
    if let Some(token) = client_token {
        state.remember_client_token(&caller.id, token, fingerprint, record_id.clone()).map_err(unavailable)?;
    }
    Ok(json!({ "MeteringRecordId": record_id }))
}

/// `value` as text with object members in key order and numbers as their value, so two spellings of one value agree.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<_> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = sorted.iter().map(|(k, v)| format!("{k:?}:{}", canonical(v))).collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |f| f.to_string()),
        other => other.to_string(),
    }
}

fn duplicate(dimension: &str) -> ServiceError {
    ServiceError::new(Code::DuplicateRequest, format!("Usage of {dimension} for this hour was already recorded with another quantity"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const NOW: u64 = 1_700_000_000;

    fn call(state: &mut State, body: Value) -> Result<Value, ServiceError> {
        let config = Config::demo();
        let buyer = config.accounts[1].clone();
        meter_usage(&config, state, &buyer, &body, UNIX_EPOCH + Duration::from_secs(NOW))
    }

    fn request(quantity: &str) -> Value {
        json!({"ProductCode": "prod-container-1", "Timestamp": NOW - 60, "UsageDimension": "vcpu_hours", "UsageQuantityAsDecimal": quantity})
    }

    #[test]
    fn one_record_per_hour_and_the_same_quantity_is_idempotent() {
        let mut state = State::default();
        let first = call(&mut state, request("17")).unwrap()["MeteringRecordId"].clone();
        assert_eq!(call(&mut state, request("17.0")).unwrap()["MeteringRecordId"], first);
        assert_eq!(call(&mut state, request("18")).unwrap_err().code, Code::DuplicateRequest);
    }

    #[test]
    fn the_documented_refusals() {
        let mut state = State::default();
        let with = |patch: Value| {
            let mut r = request("1");
            for (k, v) in patch.as_object().unwrap() {
                r[k] = v.clone();
            }
            r
        };
        for (patch, code) in [
            (json!({"ProductCode": "nope"}), Code::InvalidProductCode),
            (json!({"UsageDimension": "users"}), Code::InvalidUsageDimension),
            (json!({"Timestamp": NOW + 60}), Code::TimestampOutOfBounds),
            (json!({"Timestamp": NOW - 7 * 3600}), Code::TimestampOutOfBounds),
            (json!({"UsageQuantity": 1}), Code::Validation),
            (json!({"UsageQuantityAsDecimal": "1.1234567"}), Code::Validation),
            (json!({"UsageDimension": 7}), Code::Serialization),
            (json!({"DryRun": true}), Code::DryRunOperation),
        ] {
            assert_eq!(call(&mut state, with(patch.clone())).unwrap_err().code, code, "{patch}");
        }
        // The seller is no buyer of its own product.
        let config = Config::demo();
        let seller = config.accounts[0].clone();
        let err = meter_usage(&config, &mut state, &seller, &request("1"), UNIX_EPOCH + Duration::from_secs(NOW)).unwrap_err();
        assert_eq!(err.code, Code::CustomerNotEntitled);
        assert_eq!(state.records().unwrap().len(), 0, "nothing was billed");
        let mut elsewhere = Config::demo();
        elsewhere.products[1].regions = Some(vec!["eu-west-1".into(), "eu-central-1".into()]);
        let buyer = elsewhere.accounts[1].clone();
        let err = meter_usage(&elsewhere, &mut state, &buyer, &request("1"), UNIX_EPOCH + Duration::from_secs(NOW)).unwrap_err();
        assert_eq!(err.code, Code::InvalidEndpointRegion);
        assert_eq!(state.records().unwrap().len(), 0, "nothing was billed");
        let missing = call(&mut state, json!({})).unwrap_err();
        assert!(missing.message.starts_with("3 validation errors detected: Value null at 'productCode'"), "{}", missing.message);
    }

    #[test]
    fn a_client_token_reused_with_other_parameters_conflicts() {
        let mut state = State::default();
        let mut r = request("2");
        r["ClientToken"] = json!("tok-1");
        let id = call(&mut state, r.clone()).unwrap();
        assert_eq!(call(&mut state, r.clone()).unwrap(), id);
        r["UsageQuantityAsDecimal"] = json!("3");
        assert_eq!(call(&mut state, r).unwrap_err().code, Code::IdempotencyConflict);
    }

    #[test]
    fn a_client_token_sent_again_in_another_spelling_is_the_same_request() {
        let mut state = State::default();
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        let first = parse(
            r#"{"ClientToken": "tok-2", "ProductCode": "prod-container-1", "Timestamp": 1699999940, "UsageDimension": "vcpu_hours",
                "UsageQuantityAsDecimal": "2", "UsageAllocations": [{"AllocatedUsageQuantity": 2, "Tags": [{"Key": "k", "Value": "v"}]}]}"#,
        );
        let id = call(&mut state, first).unwrap();
        let reordered = parse(
            r#"{"UsageAllocations": [{"Tags": [{"Value": "v", "Key": "k"}], "AllocatedUsageQuantity": 2}], "UsageQuantityAsDecimal": "2.0",
                "UsageDimension": "vcpu_hours", "Timestamp": 1.69999994e9, "ProductCode": "prod-container-1", "ClientToken": "tok-2"}"#,
        );
        assert_eq!(call(&mut state, reordered).unwrap(), id, "members in another order, numbers written otherwise: the same request");
        let other_tag = parse(
            r#"{"ClientToken": "tok-2", "ProductCode": "prod-container-1", "Timestamp": 1699999940, "UsageDimension": "vcpu_hours",
                "UsageQuantityAsDecimal": "2", "UsageAllocations": [{"AllocatedUsageQuantity": 2, "Tags": [{"Key": "k", "Value": "w"}]}]}"#,
        );
        assert_eq!(call(&mut state, other_tag).unwrap_err().code, Code::IdempotencyConflict, "another tag value is another request");
    }
}
