//! BatchMeterUsage, called by the product's seller: up to 25 records of one
//! product, each for a customer named by `CustomerIdentifier` or by
//! `CustomerAWSAccountId` (with `LicenseArn`), never both.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::window::{check_window, hour_of};
use crate::config::{Account, Config, Customer, Product};
use crate::errors::unavailable;
use crate::errors::{Code, ServiceError};
use crate::input::check_allocations;
use crate::state::{Billing, Record, State};
use crate::wire::decode::{BatchMeterUsage, UsageRecord};

/// Bills a batch of SaaS usage records; per-record results, or a batch-wide
/// refusal. Records at the positions in `unprocessed` (an armed fault) are
/// left alone and answered in `UnprocessedRecords`.
pub fn batch_meter_usage(
    config: &Config,
    state: &mut State,
    caller: &Account,
    request: &BatchMeterUsage<'_>,
    now: SystemTime,
    unprocessed: &[usize],
) -> Result<Value, ServiceError> {
    let checked = &request.records;
    let product = which_product(config, caller, request.product_code, checked)?;
    // Batch-wide checks: one bad record fails the whole call, as the service documents.
    for (i, r) in checked.iter().enumerate() {
        if !product.dimensions.iter().any(|d| d == r.dimension) {
            return Err(ServiceError::new(
                Code::InvalidUsageDimension,
                format!("record {}: {} is not a dimension of {}", i + 1, r.dimension, product.code),
            ));
        }
        check_window(r.timestamp.0, now, config.batch_meter_usage_window(), config.month_end_grace())
            .map_err(|e| ServiceError::new(e.code, format!("record {}: {}", i + 1, e.message)))?;
        if let Some(decoded) = &r.allocations {
            check_allocations(decoded.as_ref().map_err(Clone::clone)?, r.quantity)?;
        }
        if product.concurrent_agreements {
            if r.identifier.is_some() {
                return Err(ServiceError::new(
                    Code::InvalidCustomerIdentifier,
                    format!(
                        "record {}: {} is listed on concurrent agreements: name the buyer by CustomerAWSAccountId and LicenseArn",
                        i + 1,
                        product.code
                    ),
                ));
            }
            if r.license.is_none() {
                return Err(ServiceError::new(
                    Code::InvalidLicense,
                    format!(
                        "record {}: {} is listed on concurrent agreements: the record needs the LicenseArn of the buyer's agreement",
                        i + 1,
                        product.code
                    ),
                ));
            }
        }
        if let Some(license) = r.license {
            let owner = config.customer_by_license(license);
            let fits = owner.is_some_and(|c| c.product == product.code && r.account.is_none_or(|a| a == c.account));
            if !fits {
                return Err(ServiceError::new(
                    Code::InvalidLicense,
                    format!("record {}: licence {license} is not the customer's licence of {}", i + 1, product.code),
                ));
            }
        }
    }

    let mut results = Vec::with_capacity(checked.len());
    let mut left = Vec::new();
    for (i, r) in checked.iter().enumerate() {
        if unprocessed.contains(&i) {
            left.push(r.raw.clone());
            continue;
        }
        let Some(customer) = subscriber(config, product, r) else {
            results.push(json!({ "UsageRecord": r.raw, "Status": "CustomerNotSubscribed" }));
            continue;
        };
        let record = Record {
            operation: "BatchMeterUsage",
            product: product.code.clone(),
            customer_account: customer.account.clone(),
            customer_identifier: customer.identifier.clone(),
            license_arn: r.license.map(str::to_owned),
            // Each agreement of a product on concurrent agreements is billed on its own.
            agreement: r.license.filter(|_| product.concurrent_agreements).map(str::to_owned),
            dimension: r.dimension.to_owned(),
            hour: hour_of(r.timestamp.0),
            quantity: r.quantity,
            record_id: String::new(),
        };
        results.push(match state.bill(record).map_err(unavailable)? {
            Billing::New(id) | Billing::Repeat(id) => json!({ "UsageRecord": r.raw, "MeteringRecordId": id, "Status": "Success" }),
            Billing::Conflict => json!({ "UsageRecord": r.raw, "Status": "DuplicateRecord" }),
        });
    }
    Ok(json!({ "Results": results, "UnprocessedRecords": left }))
}

/// The one product of the batch: `ProductCode`, else the product of the
/// records' licences. It must be the caller's.
fn which_product<'a>(
    config: &'a Config,
    caller: &Account,
    code: Option<&str>,
    records: &[UsageRecord<'_>],
) -> Result<&'a Product, ServiceError> {
    let code = match code.filter(|c| !c.is_empty()) {
        Some(c) => c.to_owned(),
        None => {
            let mut products = records.iter().map(|r| r.license.and_then(|l| config.customer_by_license(l)).map(|c| c.product.clone()));
            match products.next() {
                Some(Some(first)) if products.all(|p| p.as_deref() == Some(first.as_str())) => first,
                _ => {
                    return Err(ServiceError::new(
                        Code::InvalidProductCode,
                        "without ProductCode, every record must carry the LicenseArn of a customer of one product",
                    ))
                }
            }
        }
    };
    match config.product(&code) {
        Some(p) if p.seller == caller.id => Ok(p),
        _ => Err(ServiceError::new(Code::InvalidProductCode, format!("{code} is not a product of account {}", caller.id))),
    }
}

/// The subscribed customer a record names, if any.
fn subscriber<'a>(config: &'a Config, product: &Product, r: &UsageRecord<'_>) -> Option<&'a Customer> {
    match (r.identifier, r.account) {
        (Some(id), _) => config.customer_by_identifier(&product.code, id),
        (None, Some(account)) => config.customer_by_account(&product.code, account),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const NOW: u64 = 1_700_000_000;

    fn call(state: &mut State, body: Value) -> Result<Value, ServiceError> {
        let config = Config::demo();
        let seller = config.accounts[0].clone();
        batch_meter_usage(
            &config,
            state,
            &seller,
            &crate::wire::decode::batch_meter_usage(&body)?,
            UNIX_EPOCH + Duration::from_secs(NOW),
            &[],
        )
    }

    fn record(customer: Value, quantity: &str) -> Value {
        let mut r = json!({"Timestamp": NOW - 3600, "Dimension": "users", "QuantityAsDecimal": quantity});
        for (k, v) in customer.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    }

    #[test]
    fn per_record_results_and_first_write_wins() {
        let mut state = State::default();
        let alpha = json!({"CustomerIdentifier": "cust-alpha"});
        let beta = json!({"CustomerAWSAccountId": "777788889999", "LicenseArn": "arn:aws:license-manager::777788889999:license:l-beta"});
        let stranger = json!({"CustomerAWSAccountId": "000011112222"});
        let out = call(&mut state, json!({"ProductCode": "prod-saas-1", "UsageRecords": [record(alpha.clone(), "5"), record(beta.clone(), "2.5"), record(stranger, "1")]})).unwrap();
        let statuses: Vec<&str> = out["Results"].as_array().unwrap().iter().map(|r| r["Status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Success", "Success", "CustomerNotSubscribed"]);
        // The same customer by account id is the same customer: a changed quantity is a duplicate, the same one idempotent.
        let again = call(&mut state, json!({"ProductCode": "prod-saas-1", "UsageRecords": [record(json!({"CustomerAWSAccountId": "444455556666"}), "6"), record(alpha, "5.0")]})).unwrap();
        assert_eq!(again["Results"][0]["Status"], "DuplicateRecord");
        assert_eq!(again["Results"][1]["MeteringRecordId"], out["Results"][0]["MeteringRecordId"]);
        // Without ProductCode, the licences decide the product.
        let by_licence = call(&mut state, json!({"UsageRecords": [record(beta, "2.5")]})).unwrap();
        assert_eq!(by_licence["Results"][0]["MeteringRecordId"], out["Results"][1]["MeteringRecordId"]);
        assert_eq!(state.records().unwrap().len(), 2);
    }

    #[test]
    fn batch_wide_refusals() {
        let mut state = State::default();
        let alpha = json!({"CustomerIdentifier": "cust-alpha"});
        let mut wrong_dimension = record(alpha.clone(), "1");
        wrong_dimension["Dimension"] = json!("vcpu_hours");
        let mut old = record(alpha.clone(), "1");
        old["Timestamp"] = json!(NOW - 25 * 3600);
        let both = record(json!({"CustomerIdentifier": "cust-alpha", "CustomerAWSAccountId": "444455556666"}), "1");
        let wrong_licence = record(
            json!({"CustomerAWSAccountId": "444455556666", "LicenseArn": "arn:aws:license-manager::777788889999:license:l-beta"}),
            "1",
        );
        for (body, code) in [
            (
                json!({"ProductCode": "prod-saas-1", "UsageRecords": [record(alpha.clone(), "1"), wrong_dimension]}),
                Code::InvalidUsageDimension,
            ),
            (json!({"ProductCode": "prod-saas-1", "UsageRecords": [old]}), Code::TimestampOutOfBounds),
            (json!({"ProductCode": "prod-saas-1", "UsageRecords": [both]}), Code::Validation),
            (json!({"ProductCode": "prod-saas-1", "UsageRecords": [wrong_licence]}), Code::InvalidLicense),
            (json!({"ProductCode": "nope", "UsageRecords": []}), Code::InvalidProductCode),
            (json!({"ProductCode": "prod-saas-1", "UsageRecords": vec![record(alpha.clone(), "1"); 26]}), Code::Validation),
            (json!({"ProductCode": "prod-saas-1", "UsageRecords": "x"}), Code::Serialization),
        ] {
            assert_eq!(call(&mut state, body.clone()).unwrap_err().code, code, "{body}");
        }
        assert_eq!(state.records().unwrap().len(), 0, "a refused batch bills nothing");
        // Another seller's product is not the caller's.
        let config = Config::demo();
        let buyer = config.accounts[1].clone();
        let err = batch_meter_usage(
            &config,
            &mut state,
            &buyer,
            &crate::wire::decode::batch_meter_usage(&json!({"ProductCode": "prod-saas-1", "UsageRecords": []})).unwrap(),
            UNIX_EPOCH + Duration::from_secs(NOW),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.code, Code::InvalidProductCode);
    }

    #[test]
    fn a_product_on_concurrent_agreements_takes_accounts_with_licences_only() {
        let mut state = State::default();
        let gamma = json!({"CustomerAWSAccountId": "999900001111", "LicenseArn": "arn:aws:license-manager::999900001111:license:l-gamma"});
        let mut by_identifier = record(json!({"CustomerIdentifier": "cust-gamma"}), "1");
        by_identifier["Dimension"] = json!("requests");
        let mut no_licence = record(json!({"CustomerAWSAccountId": "999900001111"}), "1");
        no_licence["Dimension"] = json!("requests");
        let mut good = record(gamma, "4");
        good["Dimension"] = json!("requests");
        for (body, code) in [
            (json!({"ProductCode": "prod-saas-2", "UsageRecords": [by_identifier]}), Code::InvalidCustomerIdentifier),
            (json!({"ProductCode": "prod-saas-2", "UsageRecords": [no_licence]}), Code::InvalidLicense),
        ] {
            assert_eq!(call(&mut state, body.clone()).unwrap_err().code, code, "{body}");
        }
        // ProductCode may be left out: the licence names the product.
        let out = call(&mut state, json!({"UsageRecords": [good.clone()]})).unwrap();
        assert_eq!(out["Results"][0]["Status"], "Success", "{out}");

        // A second agreement of the same account is billed on its own in the same hour; each agreement once.
        let mut config = Config::demo();
        let second = "arn:aws:license-manager::999900001111:license:l-gamma-2";
        config.add_customer(Customer {
            license_arn: Some(second.into()),
            registration_token: None,
            ..config.customer_by_account("prod-saas-2", "999900001111").unwrap().clone()
        });
        let seller = config.accounts[0].clone();
        let mut other = good.clone();
        other["LicenseArn"] = json!(second);
        other["QuantityAsDecimal"] = json!("7");
        let mut changed = good;
        changed["QuantityAsDecimal"] = json!("5");
        let now = UNIX_EPOCH + Duration::from_secs(NOW);
        let body = json!({"UsageRecords": [other, changed]});
        let out =
            batch_meter_usage(&config, &mut state, &seller, &crate::wire::decode::batch_meter_usage(&body).unwrap(), now, &[]).unwrap();
        let statuses: Vec<&str> = out["Results"].as_array().unwrap().iter().map(|r| r["Status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Success", "DuplicateRecord"], "{out}");
        assert_eq!(state.records().unwrap().len(), 2);
    }
}
