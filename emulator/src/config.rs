//! The emulator's configuration: the region, the accounts that may call
//! and their keys, the products and their sellers and dimensions, and the
//! buyers subscribed to them. Read from TOML; [`DEMO`] is the built-in one.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Deserialize;

/// The built-in demonstration configuration, used when no file is given.
pub const DEMO: &str = r#"# The metering emulator's demonstration configuration.
# Requests signed for another region are refused.
region = "us-east-1"

# Who may call, and with which keys.
[[accounts]]
id = "111122223333"            # the seller
access_key_id = "AKIAEXAMPLESELLER001"
secret_access_key = "seller-secret-key-for-the-emulator-only"

[[accounts]]
id = "444455556666"            # a buyer running the seller's AMI or container
access_key_id = "AKIAEXAMPLEBUYER0001"
secret_access_key = "buyer-secret-key-for-the-emulator-only"
# platform = "ecs"            # ecs, eks, fargate, ec2 or other; RegisterUsage refuses ec2 and other

# A SaaS product, metered by the seller through BatchMeterUsage.
[[products]]
code = "prod-saas-1"
seller = "111122223333"
dimensions = ["users", "storage_gb"]
fulfillment_url = "http://127.0.0.1:8000/signup"

# A container product, metered from the buyer's account through MeterUsage.
[[products]]
code = "prod-container-1"
seller = "111122223333"
dimensions = ["vcpu_hours"]
# regions = ["us-east-1"]     # where it is offered; elsewhere InvalidEndpointRegionException

# A SaaS product listed on concurrent agreements (since 2026-06-01): buyers are named by
# CustomerAWSAccountId with the LicenseArn of their agreement, never by CustomerIdentifier.
[[products]]
code = "prod-saas-2"
seller = "111122223333"
dimensions = ["requests"]
concurrent_agreements = true

[[customers]]
product = "prod-saas-1"
account = "444455556666"
identifier = "cust-alpha"
license_arn = "arn:aws:license-manager::444455556666:license:l-alpha"
registration_token = "token-alpha"
agreement_id = "agmt-alpha"

[[customers]]
product = "prod-saas-1"
account = "777788889999"
license_arn = "arn:aws:license-manager::777788889999:license:l-beta"
registration_token = "token-beta"

[[customers]]
product = "prod-container-1"
account = "444455556666"

[[customers]]
product = "prod-saas-2"
account = "999900001111"
license_arn = "arn:aws:license-manager::999900001111:license:l-gamma"
registration_token = "token-gamma"

# The Catalog API sees each product as a SaaSProduct entity of its seller (entity id: the
# code, or `entity_id = "prod-..."`; name: `title = "..."` or the code). Change sets are
# PREPARING, then APPLYING, then SUCCEEDED or FAILED:
# [catalog]
# prepare_seconds = 2
# apply_seconds = 3
# max_unfinished_change_sets = 10

# A SaaS contract product: a buyer who subscribes gets these entitlements for
# `contract_days`, read back through the Entitlement Service's GetEntitlements.
[[products]]
code = "prod-contract-1"
seller = "111122223333"
dimensions = ["seats", "tier", "premium_support"]
fulfillment_url = "http://127.0.0.1:8000/signup"
contract = { seats = 25, tier = "gold", premium_support = true }
contract_days = 365

[[customers]]
product = "prod-contract-1"
account = "444455556666"
identifier = "cust-delta"
license_arn = "arn:aws:license-manager::444455556666:license:l-delta"
registration_token = "token-delta"

# What GetEntitlements answers: a value of each kind (integer, double,
# boolean, string, by the TOML value's type), until `expiration`.
[[entitlements]]
product = "prod-contract-1"
account = "444455556666"
dimension = "seats"
value = 10
expiration = "2027-12-31T00:00:00Z"

[[entitlements]]
product = "prod-contract-1"
account = "444455556666"
dimension = "tier"
value = "silver"
expiration = "2027-12-31T00:00:00Z"

[[entitlements]]
product = "prod-contract-1"
account = "444455556666"
dimension = "premium_support"
value = false
expiration = "2027-12-31T00:00:00Z"
"#;

/// An account that may call, with its keys.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The access key id requests are signed with.
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
    /// A session token the requests must carry, for temporary credentials.
    #[serde(default)]
    pub session_token: Option<String>,
    /// Where the software calling with these keys runs; RegisterUsage
    /// answers `PlatformNotSupportedException` outside ECS, EKS and Fargate.
    /// Unset: a container platform.
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// Where the buyer's software runs.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Amazon ECS.
    Ecs,
    /// Amazon EKS.
    Eks,
    /// AWS Fargate.
    Fargate,
    /// An EC2 instance (an AMI product): MeterUsage, but no RegisterUsage.
    Ec2,
    /// Anywhere else.
    Other,
}

impl Platform {
    /// Whether RegisterUsage may be called from it.
    pub fn registers_containers(self) -> bool {
        matches!(self, Platform::Ecs | Platform::Eks | Platform::Fargate)
    }

    /// Its name, as AWS writes it.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Ecs => "Amazon ECS",
            Platform::Eks => "Amazon EKS",
            Platform::Fargate => "AWS Fargate",
            Platform::Ec2 => "Amazon EC2",
            Platform::Other => "another platform",
        }
    }
}

/// The Catalog API's timing and limits (`[catalog]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogSettings {
    /// How long a change set is `PREPARING` (and can be cancelled), in seconds.
    pub prepare_seconds: u64,
    /// How long it is then `APPLYING`, in seconds.
    pub apply_seconds: u64,
    /// How many change sets of one account may be unfinished at once
    /// (`ServiceQuotaExceededException` beyond).
    pub max_unfinished_change_sets: usize,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        CatalogSettings { prepare_seconds: 2, apply_seconds: 3, max_unfinished_change_sets: 10 }
    }
}

/// A product.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The product code.
    pub code: String,
    /// Its entity id in the Catalog API (when unset, its code in lower case,
    /// with `prod-` in front unless it starts so).
    #[serde(default)]
    pub entity_id: Option<String>,
    /// Its title, the entity's name in the Catalog API (the code when unset).
    #[serde(default)]
    pub title: Option<String>,
    /// The account that may call BatchMeterUsage and ResolveCustomer for it.
    pub seller: String,
    /// Its usage dimensions.
    pub dimensions: Vec<String>,
    /// The seller's SaaS sign-up endpoint.
    #[serde(default)]
    pub fulfillment_url: Option<String>,
    /// The regions the product is offered in; MeterUsage and RegisterUsage
    /// in another region answer `InvalidEndpointRegionException`. Unset: every region.
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    /// Listed on concurrent agreements (SaaS products from 2026-06-01): its
    /// buyers are named by `CustomerAWSAccountId` with `LicenseArn` only;
    /// BatchMeterUsage refuses `CustomerIdentifier` and a record without a
    /// licence, and ResolveCustomer returns no identifier.
    #[serde(default)]
    pub concurrent_agreements: bool,
    /// A contract product's entitlements, by dimension: a buyer who
    /// subscribes is entitled to these values for `contract_days`.
    #[serde(default)]
    pub contract: std::collections::BTreeMap<String, EntitlementValue>,
    /// How long a contract made by subscribing lasts, in days.
    #[serde(default = "default_contract_days")]
    pub contract_days: u64,
}

/// An entitlement's value: its kind is the TOML value's type.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum EntitlementValue {
    /// `IntegerValue`.
    Integer(i32),
    /// `DoubleValue`.
    Double(f64),
    /// `BooleanValue`.
    Boolean(bool),
    /// `StringValue`.
    String(String),
}

// Doubles in a configuration are never NaN (TOML's `nan` is refused by `check`).
impl Eq for EntitlementValue {}

/// What a customer of a product is entitled to, in one dimension: what
/// GetEntitlements answers.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entitlement {
    /// The product code.
    pub product: String,
    /// The customer's account: a `[[customers]]` entry of the product, whose
    /// identifier and licence the entitlement carries. Filled in from
    /// `identifier` when the configuration names the customer that way.
    #[serde(default)]
    pub account: String,
    /// The customer's `CustomerIdentifier`, instead of `account`.
    #[serde(default)]
    pub identifier: Option<String>,
    /// The dimension, one of the product's.
    pub dimension: String,
    /// The value.
    pub value: EntitlementValue,
    /// When it ends, as RFC 3339 text (`2027-12-31T00:00:00Z`); unset: it does not.
    #[serde(default)]
    pub expiration: Option<String>,
}

impl Product {
    /// Refuses a MeterUsage or RegisterUsage for this product in `region` when it is not offered there.
    pub fn check_region(&self, region: &str) -> Result<(), crate::errors::ServiceError> {
        match &self.regions {
            Some(regions) if !regions.iter().any(|r| r == region) => Err(crate::errors::ServiceError::new(
                crate::errors::Code::InvalidEndpointRegion,
                format!(
                    "Product {} is not offered in {region}; call the endpoint of one of its regions: {}",
                    self.code,
                    regions.join(", ")
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// A buyer subscribed to a product.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The product code.
    pub product: String,
    /// `CustomerAWSAccountId`.
    pub account: String,
    /// `CustomerIdentifier`, for older listings.
    #[serde(default)]
    pub identifier: Option<String>,
    /// `LicenseArn`.
    #[serde(default)]
    pub license_arn: Option<String>,
    /// What ResolveCustomer resolves to this customer.
    #[serde(default)]
    pub registration_token: Option<String>,
    /// `Metadata.AgreementId` of ResolveCustomer.
    #[serde(default)]
    pub agreement_id: Option<String>,
    /// When the registration token was minted; tokens of the configuration count from the emulator's start.
    #[serde(skip)]
    pub token_issued_at: Option<std::time::SystemTime>,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The region requests must be signed for.
    #[serde(default = "default_region")]
    pub region: String,
    /// Accounts and keys.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Products.
    #[serde(default)]
    pub products: Vec<Product>,
    /// Subscriptions.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// Entitlements, in the order GetEntitlements pages through them.
    #[serde(default)]
    pub entitlements: Vec<Entitlement>,
    /// How far in the past MeterUsage accepts a timestamp, in hours (the API reference: 6).
    #[serde(default = "default_meter_window")]
    pub meter_usage_window_hours: u64,
    /// How far in the past BatchMeterUsage accepts a timestamp, in hours
    /// (the newest documentation: 24; older text said 6).
    #[serde(default = "default_batch_window")]
    pub batch_meter_usage_window_hours: u64,
    /// How long into a month usage of the previous month is still accepted,
    /// in hours (BatchMeterUsage's documentation: until 06:00 UTC on the 1st).
    #[serde(default = "default_month_end_hours")]
    pub month_end_hours: u64,
    /// How long a registration token resolves, in seconds (reported: about 4 hours).
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_seconds: u64,
    /// Requests per second per account, by operation.
    #[serde(default)]
    pub quotas: crate::quota::Quotas,
    /// Faults armed from the start.
    #[serde(default)]
    pub faults: Vec<crate::faults::Fault>,
    /// How the Catalog API's change sets move along.
    #[serde(default)]
    pub catalog: CatalogSettings,
    /// Where each customer is, by the keys requests use (built and read in `customers.rs`).
    #[serde(skip)]
    pub(crate) customer_index: CustomerIndex,
}

/// Positions in `Config::customers`, by the keys requests look customers up with: plain data, which `customers.rs`
/// builds and reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CustomerIndex {
    pub(crate) built_for: usize,
    pub(crate) by_identifier: std::collections::HashMap<(String, String), usize>,
    pub(crate) by_account: std::collections::HashMap<(String, String), usize>,
    pub(crate) by_license: std::collections::HashMap<String, usize>,
}

fn default_region() -> String {
    "us-east-1".into()
}
fn default_meter_window() -> u64 {
    6
}
fn default_batch_window() -> u64 {
    24
}
fn default_month_end_hours() -> u64 {
    6
}
fn default_token_lifetime() -> u64 {
    4 * 3600
}
fn default_contract_days() -> u64 {
    365
}

impl Config {
    /// Parses and checks a TOML configuration; the error names what is wrong.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.name_entitlement_accounts()?;
        config.check()?;
        config.reindex();
        Ok(config)
    }

    /// The built-in demonstration configuration.
    pub fn demo() -> Config {
        Config::from_toml(DEMO).expect("the demo configuration is valid")
    }

    fn check(&self) -> Result<(), String> {
        let mut keys = BTreeSet::new();
        for a in &self.accounts {
            if !keys.insert(a.access_key_id.as_str()) {
                return Err(format!("access key {} is given to more than one account", a.access_key_id));
            }
        }
        let mut codes = BTreeSet::new();
        for p in &self.products {
            if !codes.insert(p.code.as_str()) {
                return Err(format!("product {} is configured twice", p.code));
            }
            if !self.accounts.iter().any(|a| a.id == p.seller) {
                return Err(format!("product {}: seller {} is not in [[accounts]]", p.code, p.seller));
            }
            if p.dimensions.is_empty() {
                return Err(format!("product {} has no dimensions", p.code));
            }
            for (dimension, value) in &p.contract {
                check_entitlement(&p.code, p, dimension, value)?;
            }
        }
        for f in &self.faults {
            f.check()?;
        }
        let mut tokens = BTreeSet::new();
        for c in &self.customers {
            if !codes.contains(c.product.as_str()) {
                return Err(format!("customer {} names product {}, which is not in [[products]]", c.account, c.product));
            }
            if let Some(t) = &c.registration_token {
                if !tokens.insert(t.as_str()) {
                    return Err(format!("registration token {t} is given to more than one customer"));
                }
            }
        }
        for e in &self.entitlements {
            let product = self
                .product(&e.product)
                .ok_or_else(|| format!("an entitlement names product {}, which is not in [[products]]", e.product))?;
            check_entitlement(&e.product, product, &e.dimension, &e.value)?;
            if !self.customers.iter().any(|c| c.product == e.product && c.account == e.account) {
                return Err(format!(
                    "entitlement {} of {}: account {} is not a [[customers]] entry of the product",
                    e.dimension, e.product, e.account
                ));
            }
            if let Some(text) = &e.expiration {
                if crate::time_text::parse_rfc3339(text).is_none() {
                    return Err(format!(
                        "entitlement {} of {}: expiration `{text}` is not RFC 3339 text such as 2027-12-31T00:00:00Z",
                        e.dimension, e.product
                    ));
                }
            }
        }
        Ok(())
    }

    /// Gives each entitlement that names its customer by identifier the customer's account.
    fn name_entitlement_accounts(&mut self) -> Result<(), String> {
        for e in &mut self.entitlements {
            let Some(id) = &e.identifier else {
                if e.account.is_empty() {
                    return Err(format!("entitlement {} of {} names no customer: give account or identifier", e.dimension, e.product));
                }
                continue;
            };
            let found = self.customers.iter().find(|c| c.product == e.product && c.identifier.as_deref() == Some(id.as_str()));
            match found {
                Some(c) if e.account.is_empty() || e.account == c.account => e.account = c.account.clone(),
                Some(c) => {
                    return Err(format!(
                        "entitlement {} of {}: customer {id} is account {}, not {}",
                        e.dimension, e.product, c.account, e.account
                    ))
                }
                None => {
                    return Err(format!("entitlement {} of {}: no customer of the product has identifier {id}", e.dimension, e.product))
                }
            }
        }
        Ok(())
    }

    /// The account that owns `access_key_id`.
    pub fn account_by_key(&self, access_key_id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.access_key_id == access_key_id)
    }

    /// The product `code`.
    pub fn product(&self, code: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.code == code)
    }

    /// The window of MeterUsage.
    pub fn meter_usage_window(&self) -> Duration {
        Duration::from_secs(self.meter_usage_window_hours * 3600)
    }

    /// The window of BatchMeterUsage.
    pub fn batch_meter_usage_window(&self) -> Duration {
        Duration::from_secs(self.batch_meter_usage_window_hours * 3600)
    }

    /// How long into a month usage of the previous month is accepted.
    pub fn month_end_grace(&self) -> Duration {
        Duration::from_secs(self.month_end_hours * 3600)
    }
}

/// An entitlement (configured, or a contract's) must be in one of the product's dimensions, and a double finite.
fn check_entitlement(code: &str, product: &Product, dimension: &str, value: &EntitlementValue) -> Result<(), String> {
    if !product.dimensions.iter().any(|d| d == dimension) {
        return Err(format!("product {code}: entitlement dimension {dimension} is not one of its dimensions"));
    }
    if matches!(value, EntitlementValue::Double(d) if !d.is_finite()) {
        return Err(format!("product {code}: entitlement {dimension} is not a finite number"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entitlements_are_typed_by_their_toml_value_and_checked() {
        let demo = Config::demo();
        let kinds: Vec<&EntitlementValue> = demo.entitlements.iter().map(|e| &e.value).collect();
        assert_eq!(kinds, [&EntitlementValue::Integer(10), &EntitlementValue::String("silver".into()), &EntitlementValue::Boolean(false)]);
        let contract = &demo.product("prod-contract-1").unwrap().contract;
        assert_eq!(contract["seats"], EntitlementValue::Integer(25));
        let wrong_dimension = DEMO.replacen("dimension = \"seats\"", "dimension = \"chairs\"", 1);
        assert_eq!(
            Config::from_toml(&wrong_dimension).unwrap_err(),
            "product prod-contract-1: entitlement dimension chairs is not one of its dimensions"
        );
        let bad_date = DEMO.replacen("expiration = \"2027-12-31T00:00:00Z\"", "expiration = \"next year\"", 1);
        assert!(Config::from_toml(&bad_date).unwrap_err().contains("expiration `next year` is not RFC 3339"));
        let stranger =
            DEMO.replacen("account = \"444455556666\"\ndimension = \"seats\"", "account = \"123412341234\"\ndimension = \"seats\"", 1);
        assert!(Config::from_toml(&stranger).unwrap_err().contains("account 123412341234 is not a [[customers]] entry"));
        let double = DEMO.replacen("value = 10", "value = 2.5", 1);
        assert_eq!(Config::from_toml(&double).unwrap().entitlements[0].value, EntitlementValue::Double(2.5));
        let by_identifier =
            DEMO.replacen("account = \"444455556666\"\ndimension = \"seats\"", "identifier = \"cust-delta\"\ndimension = \"seats\"", 1);
        assert_eq!(Config::from_toml(&by_identifier).unwrap().entitlements[0].account, "444455556666");
        let unknown =
            DEMO.replacen("account = \"444455556666\"\ndimension = \"seats\"", "identifier = \"cust-nobody\"\ndimension = \"seats\"", 1);
        assert!(Config::from_toml(&unknown).unwrap_err().contains("no customer of the product has identifier cust-nobody"));
        let nobody = DEMO.replacen("account = \"444455556666\"\ndimension = \"seats\"", "dimension = \"seats\"", 1);
        assert!(Config::from_toml(&nobody).unwrap_err().contains("names no customer"));
    }

    #[test]
    fn the_demo_loads_and_mistakes_are_named() {
        let demo = Config::demo();
        assert_eq!(demo.region, "us-east-1");
        assert_eq!(demo.batch_meter_usage_window_hours, 24);
        assert!(demo.product("prod-saas-1").is_some());
        let broken = DEMO.replace(
            "seller = \"111122223333\"\ndimensions = [\"vcpu_hours\"]",
            "seller = \"000000000000\"\ndimensions = [\"vcpu_hours\"]",
        );
        assert_eq!(Config::from_toml(&broken).unwrap_err(), "product prod-container-1: seller 000000000000 is not in [[accounts]]");
        assert!(Config::from_toml("regoin = \"x\"").unwrap_err().contains("unknown field"));
    }
}
