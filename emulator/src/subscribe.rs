//! What AWS Marketplace does when a buyer subscribes to a SaaS product: a
//! subscription for the buyer's account (with a licence and an agreement)
//! and a fresh registration token, which the emulator then POSTs as the
//! form field `x-amzn-marketplace-token` to the product's fulfilment URL.
//! The token resolves through ResolveCustomer for the configured lifetime
//! from the moment it was minted. A contract product's subscription also
//! entitles the buyer to the product's `contract` values for its
//! `contract_days`, which GetEntitlements then lists.

use std::time::SystemTime;

use crate::config::{Config, Customer, Entitlement};
use crate::errors::{Code, ServiceError};

/// A minted subscription: where to send the token, and the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minted {
    /// The product.
    pub product: String,
    /// The buyer's account.
    pub account: String,
    /// The registration token.
    pub token: String,
    /// The product's fulfilment URL, if it has one.
    pub fulfillment_url: Option<String>,
}

/// Subscribes `account` to `product` at `now`; the `n`-th minting of this emulator.
pub fn subscribe(config: &mut Config, product: &str, account: &str, n: u64, now: SystemTime) -> Result<Minted, ServiceError> {
    let product = config
        .product(product)
        .ok_or_else(|| ServiceError::new(Code::InvalidProductCode, format!("{product} is not a product of this emulator")))?
        .clone();
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceError::new(Code::Validation, format!("buyer account `{account}` is not 12 digits")));
    }
    let token = format!("emulator-token-{n:06}");
    match config.customers.iter_mut().find(|c| c.product == product.code && c.account == account) {
        // Subscribing again issues a new token for the same subscription.
        Some(existing) => {
            existing.registration_token = Some(token.clone());
            existing.token_issued_at = Some(now);
        }
        None => config.add_customer(Customer {
            product: product.code.clone(),
            account: account.to_owned(),
            identifier: None,
            license_arn: Some(format!("arn:aws:license-manager::{account}:license:l-emulator-{n:06}")),
            registration_token: Some(token.clone()),
            agreement_id: Some(format!("agmt-emulator-{n:06}")),
            token_issued_at: Some(now),
        }),
    }
    // Subscribing again renews the contract: the buyer's entitlements are replaced, not added to.
    if !product.contract.is_empty() {
        let now_secs = now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let expiration = crate::time_text::rfc3339(now_secs + product.contract_days as i64 * 86_400);
        config.entitlements.retain(|e| !(e.product == product.code && e.account == account));
        for (dimension, value) in &product.contract {
            config.entitlements.push(Entitlement {
                product: product.code.clone(),
                account: account.to_owned(),
                identifier: None,
                dimension: dimension.clone(),
                value: value.clone(),
                expiration: Some(expiration.clone()),
            });
        }
    }
    Ok(Minted { product: product.code, account: account.to_owned(), token, fulfillment_url: product.fulfillment_url })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EntitlementValue;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_contract_subscription_entitles_the_buyer_until_the_contract_ends() {
        let mut config = Config::demo();
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        subscribe(&mut config, "prod-contract-1", "123456789012", 1, now).unwrap();
        let mine: Vec<(&str, &EntitlementValue, Option<&str>)> = config
            .entitlements
            .iter()
            .filter(|e| e.account == "123456789012")
            .map(|e| (e.dimension.as_str(), &e.value, e.expiration.as_deref()))
            .collect();
        let end = Some("2024-11-13T22:13:20Z");
        assert_eq!(
            mine,
            [
                ("premium_support", &EntitlementValue::Boolean(true), end),
                ("seats", &EntitlementValue::Integer(25), end),
                ("tier", &EntitlementValue::String("gold".into()), end),
            ]
        );
        subscribe(&mut config, "prod-contract-1", "123456789012", 2, now + Duration::from_secs(86_400)).unwrap();
        assert_eq!(config.entitlements.iter().filter(|e| e.account == "123456789012").count(), 3, "renewed, not doubled");
    }

    #[test]
    fn a_subscription_gets_a_licence_and_a_fresh_token() {
        let mut config = Config::demo();
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let minted = subscribe(&mut config, "prod-saas-1", "123456789012", 1, now).unwrap();
        assert_eq!(minted.token, "emulator-token-000001");
        assert_eq!(minted.fulfillment_url.as_deref(), Some("http://127.0.0.1:8000/signup"));
        let customer = config.customers.iter().find(|c| c.account == "123456789012").unwrap();
        assert!(customer.license_arn.as_deref().unwrap().contains("123456789012"));
        let again = subscribe(&mut config, "prod-saas-1", "123456789012", 2, now).unwrap();
        assert_eq!(config.customers.iter().filter(|c| c.account == "123456789012").count(), 1, "one subscription, a new token");
        assert_ne!(again.token, minted.token);
        assert_eq!(subscribe(&mut config, "nope", "123456789012", 3, now).unwrap_err().code, Code::InvalidProductCode);
        assert!(config.entitlements.iter().all(|e| e.account != "123456789012"), "not a contract product: no entitlements");
        assert_eq!(subscribe(&mut config, "prod-saas-1", "12", 3, now).unwrap_err().code, Code::Validation);
    }
}
