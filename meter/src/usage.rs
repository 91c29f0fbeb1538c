//! A usage record as a producer hands it to the meter, and the checks it
//! passes before anything is written: a record the service would refuse
//! for its shape is refused here, with the member and the reason, so that
//! nothing durable is ever unsendable for a reason known in advance.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::quantity::Quantity;

/// Who used it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Customer {
    /// A SaaS customer by `CustomerIdentifier` (sent with BatchMeterUsage).
    Identifier(String),
    /// A SaaS customer by `CustomerAWSAccountId`, with the `LicenseArn` of
    /// their agreement where the listing has one (sent with BatchMeterUsage).
    Account {
        /// The buyer's 12-digit account id.
        account_id: String,
        /// The licence of the buyer's agreement.
        license_arn: Option<String>,
    },
    /// The buyer's account this software runs in: EC2, ECS or EKS usage,
    /// sent with MeterUsage, one call per dimension and hour.
    Caller,
}

/// How the service learns of an hour's usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// BatchMeterUsage, called by the seller.
    Batch,
    /// MeterUsage, called from the buyer's account.
    MeterUsage,
}

impl Customer {
    /// The operation that carries this customer's usage.
    pub fn route(&self) -> Route {
        match self {
            Customer::Caller => Route::MeterUsage,
            _ => Route::Batch,
        }
    }

    /// The licence, when the record names one.
    pub fn license_arn(&self) -> Option<&str> {
        match self {
            Customer::Account { license_arn, .. } => license_arn.as_deref(),
            _ => None,
        }
    }
}

/// One usage record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// The product code; may be left out when the customer's `LicenseArn` names the product.
    pub product_code: Option<String>,
    /// Who used it.
    pub customer: Customer,
    /// The pricing dimension.
    pub dimension: String,
    /// How much, exactly.
    pub quantity: Quantity,
    /// When it was used; it is billed in the UTC hour of this time.
    pub time: SystemTime,
    /// A producer's id for this record: a record whose id is already stored is ignored.
    pub event_id: Option<String>,
}

/// Why a record was refused before it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    /// The member at fault, by its API name.
    pub member: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.member, self.reason)
    }
}

impl std::error::Error for UsageError {}

fn refuse(member: &'static str, reason: impl Into<String>) -> Result<(), UsageError> {
    Err(UsageError { member, reason: reason.into() })
}

fn check_text(member: &'static str, value: &str, max: usize) -> Result<(), UsageError> {
    if value.is_empty() {
        return refuse(member, "must not be empty");
    }
    if value.chars().count() > max {
        return refuse(member, format!("at most {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return refuse(member, "must not contain control characters");
    }
    Ok(())
}

impl Usage {
    /// The record's time in epoch milliseconds; `None` before 1970.
    pub fn time_ms(&self) -> Option<i64> {
        self.time.duration_since(UNIX_EPOCH).ok().and_then(|d| i64::try_from(d.as_millis()).ok())
    }

    /// Checks what the service checks of a record's shape.
    pub fn check(&self) -> Result<(), UsageError> {
        if let Some(code) = &self.product_code {
            check_text("ProductCode", code, 255)?;
        }
        match &self.customer {
            Customer::Identifier(id) => check_text("CustomerIdentifier", id, 255)?,
            Customer::Account { account_id, license_arn } => {
                if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
                    return refuse("CustomerAWSAccountId", format!("`{account_id}` is not a 12-digit account id"));
                }
                if let Some(arn) = license_arn {
                    check_text("LicenseArn", arn, 2048)?;
                    if !arn.starts_with("arn:") {
                        return refuse("LicenseArn", format!("`{arn}` is not an ARN"));
                    }
                }
            }
            Customer::Caller => {}
        }
        if self.product_code.is_none() {
            match &self.customer {
                Customer::Account { license_arn: Some(_), .. } => {}
                Customer::Caller => return refuse("ProductCode", "MeterUsage needs the product code"),
                _ => return refuse("ProductCode", "needed unless the customer's LicenseArn names the product"),
            }
        }
        check_text("Dimension", &self.dimension, 255)?;
        match self.time_ms() {
            Some(ms) if ms < 253_402_300_800_000 => {}
            _ => return refuse("Timestamp", "must lie between 1970 and 9999"),
        }
        if let Some(id) = &self.event_id {
            check_text("EventId", id, 255)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn usage(customer: Customer) -> Usage {
        Usage {
            product_code: Some("prod-1".into()),
            customer,
            dimension: "users".into(),
            quantity: Quantity::units(1),
            time: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            event_id: None,
        }
    }

    #[test]
    fn what_the_service_would_refuse_is_refused_by_member() {
        assert_eq!(usage(Customer::Identifier("c".into())).check(), Ok(()));
        assert_eq!(usage(Customer::Caller).check(), Ok(()));
        let cases = [
            (Usage { dimension: String::new(), ..usage(Customer::Caller) }, "Dimension"),
            (usage(Customer::Account { account_id: "12345".into(), license_arn: None }), "CustomerAWSAccountId"),
            (usage(Customer::Account { account_id: "123456789012".into(), license_arn: Some("lic".into()) }), "LicenseArn"),
            (Usage { product_code: None, ..usage(Customer::Caller) }, "ProductCode"),
            (Usage { product_code: None, ..usage(Customer::Identifier("c".into())) }, "ProductCode"),
            (Usage { time: UNIX_EPOCH - Duration::from_secs(1), ..usage(Customer::Caller) }, "Timestamp"),
            (Usage { event_id: Some("x".repeat(256)), ..usage(Customer::Caller) }, "EventId"),
            (usage(Customer::Identifier("a\nb".into())), "CustomerIdentifier"),
        ];
        for (u, member) in cases {
            assert_eq!(u.check().map_err(|e| e.member), Err(member), "{u:?}");
        }
        let by_licence = Usage {
            product_code: None,
            ..usage(Customer::Account { account_id: "123456789012".into(), license_arn: Some("arn:aws:license-manager::1:license:l".into()) })
        };
        assert_eq!(by_licence.check(), Ok(()));
    }
}
