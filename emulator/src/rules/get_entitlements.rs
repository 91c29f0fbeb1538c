//! GetEntitlements: what the customers of a product are entitled to, for
//! the product's seller, filtered and paged as the Entitlement Service
//! documents it.
//!
//! - Filters: the values given for one key are alternatives (any may
//!   match), and every key given must match.
//! - Pages: `MaxResults` (1 to 25, 25 when unset) entitlements of the
//!   product are looked at per page and those that pass the filter
//!   returned, so a page may hold fewer than `MaxResults`, or none, and
//!   still carry a `NextToken`, as the service documents; the listing ends
//!   when a page has no token.
//! - Entitlements whose expiration has passed are not listed.
//! - A `NextToken` is bound to the product and filter it was given for.

use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::config::{Config, EntitlementValue};
use crate::errors::{Code, ServiceError};
use crate::wire::decode::{FilterName, GetEntitlements};

/// The most entitlements a page looks at.
pub const MAX_RESULTS: i64 = 25;

/// One entitlement as the service answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitlementOut {
    /// `ProductCode`.
    pub product_code: String,
    /// `Dimension`.
    pub dimension: String,
    /// `CustomerIdentifier`: absent for products on concurrent agreements.
    pub customer_identifier: Option<String>,
    /// `CustomerAWSAccountId`.
    pub customer_aws_account_id: String,
    /// `LicenseArn`.
    pub license_arn: Option<String>,
    /// `Value`.
    pub value: EntitlementValue,
    /// `ExpirationDate`, epoch seconds.
    pub expiration: Option<i64>,
}

/// One page of GetEntitlements.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitlementsPage {
    /// `Entitlements`.
    pub entitlements: Vec<EntitlementOut>,
    /// `NextToken`: more entitlements remain to be looked at.
    pub next_token: Option<String>,
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::new(Code::InvalidParameter, message)
}

/// The page `req` asks for, by `caller` (an account id) at `now`.
pub fn get_entitlements(
    config: &Config,
    caller: &str,
    req: &GetEntitlements<'_>,
    now: SystemTime,
) -> Result<EntitlementsPage, ServiceError> {
    let product = config
        .product(req.product_code)
        .filter(|p| p.seller == caller)
        .ok_or_else(|| invalid(format!("ProductCode {} is not a product of the calling seller", req.product_code)))?;
    let page_size = req.max_results.unwrap_or(MAX_RESULTS);
    if !(1..=MAX_RESULTS).contains(&page_size) {
        return Err(invalid(format!("MaxResults must be between 1 and {MAX_RESULTS}, not {page_size}")));
    }
    let fingerprint = fingerprint(req);
    let start = match req.next_token {
        None => 0,
        Some(token) => token
            .strip_prefix("ent1.")
            .and_then(|rest| rest.split_once('.'))
            .filter(|(_, f)| *f == fingerprint)
            .and_then(|(offset, _)| offset.parse::<usize>().ok())
            .ok_or_else(|| invalid("NextToken is not one this service gave for this product and filter"))?,
    };
    let now_secs = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let of_product: Vec<_> = config.entitlements.iter().filter(|e| e.product == product.code).collect();
    if start > of_product.len() {
        return Err(invalid("NextToken is not one this service gave for this product and filter"));
    }
    let end = (start + page_size as usize).min(of_product.len());
    let mut entitlements = Vec::new();
    for e in &of_product[start..end] {
        let expiration = e.expiration.as_deref().and_then(crate::time_text::parse_rfc3339);
        if expiration.is_some_and(|t| t <= now_secs) {
            continue;
        }
        let customer = config.customer_by_account(&e.product, &e.account);
        let out = EntitlementOut {
            product_code: e.product.clone(),
            dimension: e.dimension.clone(),
            customer_identifier: customer.and_then(|c| c.identifier.clone()).filter(|_| !product.concurrent_agreements),
            customer_aws_account_id: e.account.clone(),
            license_arn: customer.and_then(|c| c.license_arn.clone()),
            value: e.value.clone(),
            expiration,
        };
        if req.filter.iter().all(|(name, values)| values.iter().any(|v| matches(&out, *name, v))) {
            entitlements.push(out);
        }
    }
    let next_token = (end < of_product.len()).then(|| format!("ent1.{end}.{fingerprint}"));
    Ok(EntitlementsPage { entitlements, next_token })
}

fn matches(e: &EntitlementOut, name: FilterName, value: &str) -> bool {
    match name {
        FilterName::CustomerIdentifier => e.customer_identifier.as_deref() == Some(value),
        FilterName::CustomerAwsAccountId => e.customer_aws_account_id == value,
        FilterName::Dimension => e.dimension == value,
        FilterName::LicenseArn => e.license_arn.as_deref() == Some(value),
    }
}

/// What a token is bound to: the product and the filter, in a canonical order.
fn fingerprint(req: &GetEntitlements<'_>) -> String {
    let mut filter: Vec<(FilterName, Vec<&str>)> = req.filter.clone();
    filter.sort();
    for (_, values) in &mut filter {
        values.sort_unstable();
    }
    let digest = Sha256::digest(format!("{}\n{filter:?}", req.product_code));
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const SELLER: &str = "111122223333";

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn request<'a>(filter: Vec<(FilterName, Vec<&'a str>)>, max: Option<i64>, token: Option<&'a str>) -> GetEntitlements<'a> {
        GetEntitlements { product_code: "prod-contract-1", filter, next_token: token, max_results: max }
    }

    #[test]
    fn filters_are_alternatives_within_a_key_and_all_keys_must_match() {
        let config = Config::demo();
        let all = get_entitlements(&config, SELLER, &request(vec![], None, None), now()).unwrap();
        assert_eq!(all.entitlements.len(), 3);
        assert_eq!(all.next_token, None);
        let first = &all.entitlements[0];
        assert_eq!((first.customer_identifier.as_deref(), first.value.clone()), (Some("cust-delta"), EntitlementValue::Integer(10)));
        assert_eq!(first.license_arn.as_deref(), Some("arn:aws:license-manager::444455556666:license:l-delta"));
        let two = request(vec![(FilterName::Dimension, vec!["seats", "tier"])], None, None);
        assert_eq!(get_entitlements(&config, SELLER, &two, now()).unwrap().entitlements.len(), 2);
        let none =
            request(vec![(FilterName::Dimension, vec!["seats"]), (FilterName::CustomerAwsAccountId, vec!["999999999999"])], None, None);
        assert!(get_entitlements(&config, SELLER, &none, now()).unwrap().entitlements.is_empty());
        let by_licence = request(vec![(FilterName::LicenseArn, vec!["arn:aws:license-manager::444455556666:license:l-delta"])], None, None);
        assert_eq!(get_entitlements(&config, SELLER, &by_licence, now()).unwrap().entitlements.len(), 3);
    }

    #[test]
    fn pages_look_at_max_results_entitlements_so_an_empty_page_may_carry_a_token() {
        let config = Config::demo();
        let filter = vec![(FilterName::Dimension, vec!["premium_support"])];
        let first = get_entitlements(&config, SELLER, &request(filter.clone(), Some(2), None), now()).unwrap();
        assert!(first.entitlements.is_empty(), "the first two entitlements do not pass the filter");
        let token = first.next_token.expect("more to look at");
        let second = get_entitlements(&config, SELLER, &request(filter.clone(), Some(2), Some(&token)), now()).unwrap();
        assert_eq!(second.entitlements.len(), 1);
        assert_eq!(second.next_token, None);
        // A token is bound to its filter, and forged ones are refused.
        let other = get_entitlements(&config, SELLER, &request(vec![], Some(2), Some(&token)), now()).unwrap_err();
        assert_eq!(other.code, Code::InvalidParameter);
        assert_eq!(
            get_entitlements(&config, SELLER, &request(vec![], None, Some("ent1.99.x")), now()).unwrap_err().code,
            Code::InvalidParameter
        );
    }

    #[test]
    fn bad_parameters_expired_entitlements_and_other_sellers() {
        let config = Config::demo();
        for max in [0, 26] {
            let e = get_entitlements(&config, SELLER, &request(vec![], Some(max), None), now()).unwrap_err();
            assert_eq!(e.code, Code::InvalidParameter, "{max}");
        }
        let e = get_entitlements(&config, "444455556666", &request(vec![], None, None), now()).unwrap_err();
        assert!(e.message.contains("not a product of the calling seller"), "{e}");
        let later = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        assert!(get_entitlements(&config, SELLER, &request(vec![], None, None), later).unwrap().entitlements.is_empty(), "all expired");
    }
}
