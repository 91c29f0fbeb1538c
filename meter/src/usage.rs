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

/// Whether `arn` matches the model's `LicenseArn` pattern:
/// `arn:aws[a-zA-Z-]*:SERVICE:REGION:ACCOUNT:RESOURCE`, with the character
/// sets and lengths the model gives each part.
fn license_arn_fits(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let path = |c: char| c.is_ascii_alphanumeric() || "_/.-".contains(c);
    let starts_alnum = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    partition.strip_prefix("aws").is_some_and(|rest| rest.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
        && starts_alnum(service)
        && service.len() <= 63
        && service.chars().all(path)
        && region.len() <= 63
        && region.chars().all(path)
        && account.len() <= 63
        && account.chars().all(path)
        && starts_alnum(resource)
        && resource.len() <= 1024
        && resource.chars().all(|c| c.is_ascii_alphanumeric() || ":_/+=,@.-".contains(c))
}

/// Checks one member of a record the way the service checks it:
/// `ProductCode`, `CustomerIdentifier`, `CustomerAWSAccountId`, `LicenseArn`
/// or `Dimension`; other names pass. For readers of records the meter does
/// not store (`metering batch-meter-usage --file`), so one bad line is
/// named instead of failing the call that carries it.
pub fn check_member(member: &'static str, value: &str) -> Result<(), UsageError> {
    match member {
        "ProductCode" => {
            check_text(member, value, 255)?;
            if !value.chars().all(|c| c.is_ascii_alphanumeric() || "-/=:_.@".contains(c)) {
                return refuse(member, format!("`{value}` has characters a product code cannot have (letters, digits and -/=:_.@)"));
            }
            Ok(())
        }
        "CustomerIdentifier" | "Dimension" => check_text(member, value, 255),
        "CustomerAWSAccountId" => {
            if value.len() != 12 || !value.bytes().all(|b| b.is_ascii_digit()) {
                return refuse(member, format!("`{value}` is not a 12-digit account id"));
            }
            Ok(())
        }
        "LicenseArn" => {
            check_text(member, value, 2048)?;
            if !license_arn_fits(value) {
                return refuse(member, format!("`{value}` is not a licence ARN (arn:aws:license-manager::ACCOUNT:license:ID)"));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

impl Usage {
    /// The record's time in epoch milliseconds; `None` before 1970.
    pub fn time_ms(&self) -> Option<i64> {
        self.time.duration_since(UNIX_EPOCH).ok().and_then(|d| i64::try_from(d.as_millis()).ok())
    }

    /// Checks what the service checks of a record's shape.
    pub fn check(&self) -> Result<(), UsageError> {
        if let Some(code) = &self.product_code {
            check_member("ProductCode", code)?;
        }
        match &self.customer {
            Customer::Identifier(id) => check_member("CustomerIdentifier", id)?,
            Customer::Account { account_id, license_arn } => {
                check_member("CustomerAWSAccountId", account_id)?;
                if let Some(arn) = license_arn {
                    check_member("LicenseArn", arn)?;
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
        check_member("Dimension", &self.dimension)?;
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

/// A BatchMeterUsage record of `customer` (not the caller: MeterUsage names no customer) for `dimension` at
/// `timestamp`, on `builder` (which carries the quantity, as a decimal or the integer `Quantity`).
pub fn usage_record(
    customer: &Customer,
    timestamp: mpkit_metering::primitives::DateTime,
    dimension: &str,
    builder: mpkit_metering::types::builders::UsageRecordBuilder,
) -> Result<mpkit_metering::types::UsageRecord, String> {
    let b = builder.timestamp(timestamp).dimension(dimension);
    let b = match customer {
        Customer::Identifier(id) => b.customer_identifier(id),
        Customer::Account { account_id, license_arn: Some(l) } => b.customer_aws_account_id(account_id).license_arn(l),
        Customer::Account { account_id, license_arn: None } => b.customer_aws_account_id(account_id),
        Customer::Caller => return Err("a BatchMeterUsage record names its customer: CustomerIdentifier or CustomerAWSAccountId".into()),
    };
    b.build().map_err(|e| e.to_string())
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
            (usage(Customer::Identifier("c".repeat(256))), "CustomerIdentifier"),
            (Usage { product_code: Some("prod 1".into()), ..usage(Customer::Caller) }, "ProductCode"),
            (Usage { dimension: "d".repeat(256), ..usage(Customer::Caller) }, "Dimension"),
        ];
        for (u, member) in cases {
            assert_eq!(u.check().map_err(|e| e.member), Err(member), "{u:?}");
        }
        let by_licence = Usage {
            product_code: None,
            ..usage(Customer::Account {
                account_id: "123456789012".into(),
                license_arn: Some("arn:aws:license-manager::1:license:l".into()),
            })
        };
        assert_eq!(by_licence.check(), Ok(()));
    }

    #[test]
    fn licence_arns_are_checked_against_the_model_pattern() {
        let with = |arn: &str| usage(Customer::Account { account_id: "123456789012".into(), license_arn: Some(arn.into()) }).check();
        for good in [
            "arn:aws:license-manager::777788889999:license:l-beta",
            "arn:aws-us-gov:license-manager:us-gov-west-1:123456789012:license:l-1",
            "arn:aws-cn:license-manager::1:license/l=1,a@b+c.d",
        ] {
            assert_eq!(with(good), Ok(()), "{good}");
        }
        for bad in [
            "arn:aws:license-manager::777788889999:license:l beta",
            "arn:",
            "arn:azure:license-manager::1:license:l",
            "arn:aws::1:2:l",
            "arn:aws:license-manager::1:",
            "arn:aws:license manager::1:license:l",
            "arn:aws:license-manager::1:-license",
        ] {
            assert_eq!(with(bad).map_err(|e| e.member), Err("LicenseArn"), "{bad}");
        }
        assert!(license_arn_fits(&format!("arn:aws:s::1:{}", "r".repeat(1024))));
        assert!(!license_arn_fits(&format!("arn:aws:s::1:{}", "r".repeat(1025))));
    }
}
