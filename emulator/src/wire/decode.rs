//! Each operation's request decoded into a type before any rule runs: a
//! member of the wrong JSON type is a `SerializationException`, and every
//! member that breaks a model constraint goes into the request's one
//! `ValidationException`, as AWS JSON services answer (`input.rs` reads the
//! members). The rules (`rules/`) take these types and decide the rest.
//!
//! A record's usage allocations are decoded here too, but the service
//! reports a bad allocation only after the record's other checks (product,
//! dimension, time), so their outcome waits in the request until the rule
//! reaches that point.

use serde_json::Value;

use crate::decimal::Quantity;
use crate::errors::{Code, ServiceError, Violations};
use crate::input::{allocations, check_length, quantity, Allocations, Members};

/// A record's allocations, decoded, or why they could not be: reported when the rule reaches them.
pub type Decoded<T> = Result<T, ServiceError>;

/// A MeterUsage request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterUsage<'a> {
    pub product_code: &'a str,
    /// Epoch seconds, possibly fractional.
    pub timestamp: Seconds,
    pub dimension: &'a str,
    pub quantity: Quantity,
    pub client_token: Option<&'a str>,
    pub allocations: Option<Decoded<Allocations>>,
    pub dry_run: bool,
}

/// Epoch seconds as the request gave them (possibly fractional), compared by value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub f64);

impl Eq for Seconds {}

/// A BatchMeterUsage request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchMeterUsage<'a> {
    pub product_code: Option<&'a str>,
    pub records: Vec<UsageRecord<'a>>,
}

/// One record of a BatchMeterUsage request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRecord<'a> {
    /// The record as it was sent: the answer echoes it.
    pub raw: &'a Value,
    pub timestamp: Seconds,
    pub dimension: &'a str,
    pub quantity: Quantity,
    /// `CustomerIdentifier` (an empty one counts as absent).
    pub identifier: Option<&'a str>,
    pub account: Option<&'a str>,
    pub license: Option<&'a str>,
    pub allocations: Option<Decoded<Allocations>>,
}

/// A ResolveCustomer request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveCustomer<'a> {
    pub registration_token: &'a str,
}

/// A RegisterUsage request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterUsage<'a> {
    pub product_code: &'a str,
    pub public_key_version: i64,
    pub nonce: Option<&'a str>,
}

/// A member the checks above made sure of went missing: a bug, answered as the service's failure.
fn lost() -> ServiceError {
    ServiceError::new(Code::InternalServiceError, "a checked member went missing")
}

/// Decodes a MeterUsage body.
pub fn meter_usage(body: &Value) -> Result<MeterUsage<'_>, ServiceError> {
    let m = Members::of(body)?;
    let (product_code, timestamp, dimension) = (m.string("ProductCode")?, m.timestamp("Timestamp")?, m.string("UsageDimension")?);
    let client_token = m.string("ClientToken")?;
    let allocation_list = m.list("UsageAllocations")?;
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
        return Err(lost());
    };
    let allocations = allocation_list.map(|list| allocations(list, "usageAllocations"));
    Ok(MeterUsage { product_code, timestamp: Seconds(timestamp), dimension, quantity, client_token, allocations, dry_run })
}

/// Decodes a BatchMeterUsage body.
pub fn batch_meter_usage(body: &Value) -> Result<BatchMeterUsage<'_>, ServiceError> {
    let m = Members::of(body)?;
    let product_code = m.string("ProductCode")?;
    let mut v = Violations::default();
    let list = match m.list("UsageRecords")? {
        Some(list) => list.as_slice(),
        None => {
            v.missing("usageRecords");
            &[]
        }
    };
    if list.len() > 25 {
        v.add(list.len(), "usageRecords", "Member must have length less than or equal to 25");
    }
    if let Some(p) = product_code {
        check_length(&mut v, p, "productCode", 0, 255);
    }
    let mut records = Vec::with_capacity(list.len());
    for (i, raw) in list.iter().enumerate() {
        let r = Members::object(raw, "UsageRecords")?;
        let path = |member: &str| format!("usageRecords.{}.member.{member}", i + 1);
        let (timestamp, dimension) = (r.timestamp("Timestamp")?, r.string("Dimension")?);
        if timestamp.is_none() {
            v.missing(&path("timestamp"));
        }
        match dimension {
            Some(d) => check_length(&mut v, d, &path("dimension"), 1, 255),
            None => v.missing(&path("dimension")),
        }
        let q = quantity(&mut v, r.integer("Quantity")?, r.string("QuantityAsDecimal")?, (&path("quantity"), &path("quantityAsDecimal")));
        let identifier = r.string("CustomerIdentifier")?.filter(|s| !s.is_empty());
        let account = r.string("CustomerAWSAccountId")?;
        match (identifier, account) {
            (Some(_), Some(_)) => v.add("both", &path("customerIdentifier"), "Member must not be set together with customerAWSAccountId"),
            (None, None) => v.missing(&path("customerAWSAccountId")),
            _ => {}
        }
        if let (Some(timestamp), Some(dimension), Some(quantity)) = (timestamp, dimension, q) {
            let license = r.string("LicenseArn")?;
            // A list of the wrong type is reported with the allocations, where the service checks them.
            let allocations = match r.list("UsageAllocations") {
                Ok(None) => None,
                Ok(Some(list)) => Some(allocations(list, &path("usageAllocations"))),
                Err(e) => Some(Err(e)),
            };
            records.push(UsageRecord {
                raw,
                timestamp: Seconds(timestamp),
                dimension,
                quantity,
                identifier,
                account,
                license,
                allocations,
            });
        }
    }
    v.finish()?;
    Ok(BatchMeterUsage { product_code, records })
}

/// Decodes a ResolveCustomer body.
pub fn resolve_customer(body: &Value) -> Result<ResolveCustomer<'_>, ServiceError> {
    let m = Members::of(body)?;
    let mut v = Violations::default();
    let token = m.string("RegistrationToken")?;
    match token {
        Some("") => v.add("", "registrationToken", "Member must satisfy regular expression pattern: ^[\\s\\S]+$"),
        None => v.missing("registrationToken"),
        Some(_) => {}
    }
    v.finish()?;
    Ok(ResolveCustomer { registration_token: token.ok_or_else(lost)? })
}

/// Decodes a RegisterUsage body.
pub fn register_usage(body: &Value) -> Result<RegisterUsage<'_>, ServiceError> {
    let m = Members::of(body)?;
    let (product_code, version, nonce) = (m.string("ProductCode")?, m.integer("PublicKeyVersion")?, m.string("Nonce")?);
    let mut v = Violations::default();
    match product_code {
        Some(p) => check_length(&mut v, p, "productCode", 0, 255),
        None => v.missing("productCode"),
    }
    match version {
        Some(n) if n < 1 => v.add(n, "publicKeyVersion", "Member must have value greater than or equal to 1"),
        Some(_) => {}
        None => v.missing("publicKeyVersion"),
    }
    if let Some(n) = nonce {
        check_length(&mut v, n, "nonce", 0, 255);
    }
    v.finish()?;
    let (Some(product_code), Some(public_key_version)) = (product_code, version) else { return Err(lost()) };
    Ok(RegisterUsage { product_code, public_key_version, nonce })
}

/// A GetEntitlements filter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FilterName {
    /// `CUSTOMER_IDENTIFIER`.
    CustomerIdentifier,
    /// `CUSTOMER_AWS_ACCOUNT_ID`.
    CustomerAwsAccountId,
    /// `DIMENSION`.
    Dimension,
    /// `LICENSE_ARN`.
    LicenseArn,
}

/// A GetEntitlements request (the Entitlement Service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetEntitlements<'a> {
    pub product_code: &'a str,
    /// Each key given, with its values.
    pub filter: Vec<(FilterName, Vec<&'a str>)>,
    pub next_token: Option<&'a str>,
    pub max_results: Option<i64>,
}

/// Decodes a GetEntitlements body. The Entitlement Service answers a
/// parameter that breaks the model with `InvalidParameterException`.
pub fn get_entitlements(body: &Value) -> Result<GetEntitlements<'_>, ServiceError> {
    let m = Members::of(body)?;
    let (product_code, next_token, max_results) = (m.string("ProductCode")?, m.string("NextToken")?, m.integer("MaxResults")?);
    let mut v = Violations::default();
    match product_code {
        Some(p) => check_length(&mut v, p, "productCode", 1, 255),
        None => v.missing("productCode"),
    }
    let mut filter = Vec::new();
    if let Some(raw) = body.get("Filter").filter(|f| !f.is_null()) {
        let entries =
            raw.as_object().ok_or_else(|| ServiceError::new(Code::Serialization, "Unexpected value type for Filter: expected a map"))?;
        for (name, values) in entries {
            let key = match name.as_str() {
                "CUSTOMER_IDENTIFIER" => FilterName::CustomerIdentifier,
                "CUSTOMER_AWS_ACCOUNT_ID" => FilterName::CustomerAwsAccountId,
                "DIMENSION" => FilterName::Dimension,
                "LICENSE_ARN" => FilterName::LicenseArn,
                other => {
                    v.add(
                        other,
                        "filter",
                        "Member must satisfy enum value set: [CUSTOMER_IDENTIFIER, CUSTOMER_AWS_ACCOUNT_ID, DIMENSION, LICENSE_ARN]",
                    );
                    continue;
                }
            };
            let list = values
                .as_array()
                .ok_or_else(|| ServiceError::new(Code::Serialization, "Unexpected value type for Filter: expected lists of strings"))?;
            if list.is_empty() {
                v.add("[]", &format!("filter.{name}"), "Member must have length greater than or equal to 1");
            }
            let strings = list
                .iter()
                .map(|s| {
                    s.as_str().ok_or_else(|| {
                        ServiceError::new(Code::Serialization, "Unexpected value type for Filter: expected lists of strings")
                    })
                })
                .collect::<Result<Vec<&str>, _>>()?;
            filter.push((key, strings));
        }
    }
    v.finish().map_err(|e| ServiceError::new(Code::InvalidParameter, e.message))?;
    let Some(product_code) = product_code else { return Err(lost()) };
    Ok(GetEntitlements { product_code, filter, next_token, max_results })
}
