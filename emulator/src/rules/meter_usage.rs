//! MeterUsage, called from the buyer's account: one record per product,
//! buyer, dimension and hour.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::window::{check_window, hour_of};
use crate::config::{Account, Config};
use crate::errors::unavailable;
use crate::errors::{Code, ServiceError};
use crate::input::check_allocations;
use crate::state::{Billing, Fingerprint, Record, State};
use crate::wire::decode::{MeterUsage, Seconds};

/// Bills the caller's usage of one dimension for one hour.
pub fn meter_usage(
    config: &Config,
    state: &mut State,
    caller: &Account,
    request: &MeterUsage<'_>,
    now: SystemTime,
) -> Result<Value, ServiceError> {
    let MeterUsage { product_code, timestamp: Seconds(timestamp), dimension, quantity, client_token, ref allocations, dry_run } = *request;
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
    let allocations = allocations.as_ref().map(|decoded| decoded.as_ref().map_err(Clone::clone)).transpose()?;
    if let Some(a) = allocations {
        check_allocations(a, quantity)?;
    }

    // The fingerprint is every parameter but the token itself, as decoded: the same token with anything else changed
    // conflicts, while members in another order or a number written otherwise (1.7e9 for 1700000000) are the same request.
    let fingerprint = Fingerprint::of(&format!("{product_code}\n{timestamp}\n{dimension}\n{quantity:?}\n{allocations:?}\n{dry_run}"));
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
        let request = crate::wire::decode::meter_usage(&body)?;
        meter_usage(&config, state, &buyer, &request, UNIX_EPOCH + Duration::from_secs(NOW))
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
        let body = request("1");
        let decoded = crate::wire::decode::meter_usage(&body).unwrap();
        let err = meter_usage(&config, &mut state, &seller, &decoded, UNIX_EPOCH + Duration::from_secs(NOW)).unwrap_err();
        assert_eq!(err.code, Code::CustomerNotEntitled);
        assert_eq!(state.records().unwrap().len(), 0, "nothing was billed");
        let mut elsewhere = Config::demo();
        elsewhere.products[1].regions = Some(vec!["eu-west-1".into(), "eu-central-1".into()]);
        let buyer = elsewhere.accounts[1].clone();
        let err = meter_usage(&elsewhere, &mut state, &buyer, &decoded, UNIX_EPOCH + Duration::from_secs(NOW)).unwrap_err();
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
