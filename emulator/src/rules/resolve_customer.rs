//! ResolveCustomer, called by the seller with the registration token a
//! buyer's browser brought to the seller's sign-up page.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::config::{Account, Config};
use crate::errors::{Code, ServiceError};
use crate::wire::decode::ResolveCustomer;

/// Resolves a token to its customer. Tokens of the configuration count as
/// issued at `issued` (the emulator's start) and expire after the
/// configured lifetime.
pub fn resolve_customer(
    config: &Config,
    caller: &Account,
    request: &ResolveCustomer<'_>,
    issued: SystemTime,
    now: SystemTime,
) -> Result<Value, ServiceError> {
    let token = request.registration_token;
    let invalid = || ServiceError::new(Code::InvalidToken, "Registration token is invalid");
    let customer = config.customers.iter().find(|c| c.registration_token.as_deref() == Some(token)).ok_or_else(invalid)?;
    let product = config.product(&customer.product).ok_or_else(invalid)?;
    // A token resolves only for the seller of its product.
    if product.seller != caller.id {
        return Err(invalid());
    }
    let issued = customer.token_issued_at.unwrap_or(issued);
    if now.duration_since(issued).unwrap_or(Duration::ZERO) > Duration::from_secs(config.token_lifetime_seconds) {
        return Err(ServiceError::new(Code::ExpiredToken, "Registration token has expired"));
    }
    let mut out = json!({ "CustomerAWSAccountId": customer.account, "ProductCode": product.code });
    // Buyers of a product on concurrent agreements have no identifier (the service neither returns nor accepts one).
    if let Some(id) = customer.identifier.as_ref().filter(|_| !product.concurrent_agreements) {
        out["CustomerIdentifier"] = json!(id);
    }
    if let Some(arn) = &customer.license_arn {
        out["LicenseArn"] = json!(arn);
    }
    if let Some(agreement) = &customer.agreement_id {
        out["Metadata"] = json!({ "AgreementId": agreement });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn tokens_resolve_for_their_seller_until_they_expire() {
        let config = Config::demo();
        let (seller, buyer) = (&config.accounts[0], &config.accounts[1]);
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let out = resolve_customer(&config, seller, &ResolveCustomer { registration_token: "token-alpha" }, start, start).unwrap();
        assert_eq!(out["CustomerIdentifier"], "cust-alpha");
        assert_eq!(out["Metadata"]["AgreementId"], "agmt-alpha");
        let beta = resolve_customer(&config, seller, &ResolveCustomer { registration_token: "token-beta" }, start, start).unwrap();
        assert_eq!(beta.get("CustomerIdentifier"), None, "newer listings have no identifier");
        let code = |caller: &Account, token: &str, after: u64| {
            resolve_customer(&config, caller, &ResolveCustomer { registration_token: token }, start, start + Duration::from_secs(after))
                .unwrap_err()
                .code
        };
        assert_eq!(code(seller, "nope", 0), Code::InvalidToken);
        assert_eq!(code(buyer, "token-alpha", 0), Code::InvalidToken);
        assert_eq!(code(seller, "token-alpha", 5 * 3600), Code::ExpiredToken);
        let empty = json!({"RegistrationToken": ""});
        assert_eq!(crate::wire::decode::resolve_customer(&empty).unwrap_err().code, Code::Validation, "refused before the rule");
    }
}
