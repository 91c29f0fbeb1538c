//! The service's notion of a buyer, which the meter keeps per product in
//! a customer directory: one buyer may be named by a `CustomerIdentifier`,
//! by a `CustomerAWSAccountId`, and by that account with the `LicenseArn`
//! of an agreement, and the service bills a buyer's dimension and hour once
//! whichever of these names it. So the meter aggregates a buyer's records
//! into one hour under one name (the form the product is sent in), and
//! refuses at `record` time a name it cannot tell apart from a buyer already
//! metered in that hour, instead of sending both and losing one as a
//! `DuplicateRecord`.
//!
//! Pure functions: the stores look up the directory and the hours of a
//! product, dimension and hour, and ask these what to do.

use std::fmt;

use crate::usage::Customer;

/// One buyer of one product, as `ResolveCustomer` (or an import) names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Buyer {
    /// The product.
    pub product_code: String,
    /// The buyer's `CustomerIdentifier` (legacy listings).
    pub identifier: Option<String>,
    /// The buyer's account.
    pub account_id: Option<String>,
    /// The licence of the buyer's agreement (concurrent agreements: one buyer may hold several).
    pub license_arn: Option<String>,
}

/// How a product's usage names buyers on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// `CustomerIdentifier` where the buyer has one (legacy listings).
    Identifier,
    /// `CustomerAWSAccountId`, with the `LicenseArn` where known: what
    /// products on concurrent agreements require (since 2026-06-01).
    Account,
}

impl Form {
    /// The name stores keep.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Identifier => "identifier",
            Form::Account => "account",
        }
    }

    /// Reads [`Form::as_str`]'s form.
    pub fn parse(s: &str) -> Option<Form> {
        [Form::Identifier, Form::Account].into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Buyer {
    /// Whether `customer` is one of this buyer's names.
    pub fn names(&self, customer: &Customer) -> bool {
        match customer {
            Customer::Identifier(id) => self.identifier.as_deref() == Some(id),
            Customer::Account { account_id, license_arn } => {
                self.account_id.as_deref() == Some(account_id)
                    && match (license_arn, &self.license_arn) {
                        (Some(given), Some(known)) => given == known,
                        _ => true,
                    }
            }
            Customer::Caller => false,
        }
    }

    /// The name the product's usage is sent under: `form` where the buyer
    /// has it, else the other; without a setting, the identifier where the
    /// buyer has one (legacy listings accept it), else the account.
    pub fn send_as(&self, form: Option<Form>) -> Customer {
        let account = || self.account_id.clone().map(|account_id| Customer::Account { account_id, license_arn: self.license_arn.clone() });
        let identifier = || self.identifier.clone().map(Customer::Identifier);
        let chosen = match form {
            Some(Form::Account) => account().or_else(identifier),
            Some(Form::Identifier) | None => identifier().or_else(account),
        };
        chosen.unwrap_or(Customer::Caller)
    }

    /// Every name of the buyer an hour may already be kept under, `send_as` first.
    pub fn forms(&self, form: Option<Form>) -> Vec<Customer> {
        let mut out = vec![self.send_as(form)];
        let mut add = |c: Customer| {
            if !out.contains(&c) && c != Customer::Caller {
                out.push(c);
            }
        };
        if let Some(id) = &self.identifier {
            add(Customer::Identifier(id.clone()));
        }
        if let Some(account_id) = &self.account_id {
            add(Customer::Account { account_id: account_id.clone(), license_arn: self.license_arn.clone() });
            if self.license_arn.is_some() {
                add(Customer::Account { account_id: account_id.clone(), license_arn: None });
            }
        }
        out
    }
}

/// The directory's buyer that `customer` names, among `known` (the
/// product's entries): the one entry that names it, or, for an account with
/// a licence, the entry of that licence.
pub fn find<'a>(known: impl IntoIterator<Item = &'a Buyer>, customer: &Customer) -> Option<&'a Buyer> {
    let matching: Vec<&Buyer> = known.into_iter().filter(|b| b.names(customer)).collect();
    if let Customer::Account { license_arn: Some(l), .. } = customer {
        if let Some(exact) = matching.iter().find(|b| b.license_arn.as_ref() == Some(l)) {
            return Some(exact);
        }
    }
    match matching.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// What adding `buyer` to a directory does, given the entries `known` that
/// name it: the entry that already names the same buyer (the same agreement,
/// where both know their licence) and what it becomes, completed with what
/// `buyer` adds; `None` when `buyer` is new.
pub fn completing<'a>(known: &'a [Buyer], buyer: &Buyer) -> Option<(&'a Buyer, Buyer)> {
    let names = buyer.forms(None);
    let same = known.iter().find(|k| {
        k.product_code == buyer.product_code
            && names.iter().any(|n| k.names(n))
            && (k.license_arn.is_none() || buyer.license_arn.is_none() || k.license_arn == buyer.license_arn)
    })?;
    let completed = Buyer {
        product_code: buyer.product_code.clone(),
        identifier: buyer.identifier.clone().or_else(|| same.identifier.clone()),
        account_id: buyer.account_id.clone().or_else(|| same.account_id.clone()),
        license_arn: buyer.license_arn.clone().or_else(|| same.license_arn.clone()),
    };
    Some((same, completed))
}

/// Whether a new hour under `new` (whose buyer the directory knows as
/// `new_buyer`, if at all) might bill the same buyer as the hour already
/// kept under `existing` (known as `existing_buyer`) for the same product,
/// dimension and hour: the meter cannot tell them apart, so the service
/// might answer one of them `DuplicateRecord`.
pub fn might_be_one_buyer(new: &Customer, new_buyer: Option<&Buyer>, existing: &Customer, existing_buyer: Option<&Buyer>) -> bool {
    if let (Some(a), Some(b)) = (new_buyer, existing_buyer) {
        return a == b;
    }
    match (new, existing) {
        (Customer::Identifier(_), Customer::Identifier(_)) | (Customer::Caller, _) | (_, Customer::Caller) => false,
        (Customer::Account { account_id: a, license_arn: la }, Customer::Account { account_id: b, license_arn: lb }) => {
            // One account is one buyer; two licences of it are two agreements, one with and one without is ambiguous.
            a == b && (la.is_none() || lb.is_none())
        }
        (Customer::Identifier(_), Customer::Account { account_id, .. }) => named_apart(new_buyer, existing_buyer, account_id),
        (Customer::Account { account_id, .. }, Customer::Identifier(_)) => named_apart(existing_buyer, new_buyer, account_id),
    }
}

/// An identifier (its buyer, if known) against an account (its buyer, if
/// known): one buyer unless the directory tells them apart.
fn named_apart(identifier_buyer: Option<&Buyer>, account_buyer: Option<&Buyer>, account_id: &str) -> bool {
    if let Some(account) = identifier_buyer.and_then(|b| b.account_id.as_deref()) {
        return account == account_id;
    }
    // The account's buyer has an identifier of its own, and it is not this one (or both would be known).
    account_buyer.is_none_or(|b| b.identifier.is_none())
}

/// Why a record was refused for a name the meter cannot place.
pub fn ambiguity(new: &Customer, existing: &Customer, product: &str, dimension: &str) -> String {
    format!(
        "{} might be the buyer already metered as {} for {product}, {dimension} in this hour, and the service bills a buyer once per hour \
         whichever name it uses; tell the meter who the buyer is (Meter::resolve_customer, or `metering customers import`) and record it again",
        describe(new),
        describe(existing)
    )
}

/// A customer as the API names it.
pub fn describe(c: &Customer) -> String {
    match c {
        Customer::Identifier(id) => format!("CustomerIdentifier {id}"),
        Customer::Account { account_id, license_arn: Some(l) } => format!("CustomerAWSAccountId {account_id} with LicenseArn {l}"),
        Customer::Account { account_id, license_arn: None } => format!("CustomerAWSAccountId {account_id}"),
        Customer::Caller => "the calling account".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Customer {
        Customer::Identifier(s.into())
    }
    fn acct(a: &str, l: Option<&str>) -> Customer {
        Customer::Account { account_id: a.into(), license_arn: l.map(str::to_owned) }
    }
    fn buyer(identifier: Option<&str>, account: Option<&str>, licence: Option<&str>) -> Buyer {
        Buyer {
            product_code: "p".into(),
            identifier: identifier.map(str::to_owned),
            account_id: account.map(str::to_owned),
            license_arn: licence.map(str::to_owned),
        }
    }

    #[test]
    fn a_known_buyer_is_found_by_any_name_and_sent_in_the_products_form() {
        let alpha = buyer(Some("cust-alpha"), Some("444455556666"), None);
        let beta = buyer(None, Some("777788889999"), Some("arn:l-beta"));
        let known = [alpha.clone(), beta.clone()];
        assert_eq!(find(&known, &id("cust-alpha")), Some(&alpha));
        assert_eq!(find(&known, &acct("444455556666", None)), Some(&alpha));
        assert_eq!(find(&known, &acct("777788889999", None)), Some(&beta), "the account's one agreement");
        assert_eq!(find(&known, &acct("777788889999", Some("arn:l-beta"))), Some(&beta));
        assert_eq!(find(&known, &acct("777788889999", Some("arn:other"))), None, "another agreement");
        assert_eq!(find(&known, &id("cust-nobody")), None);
        assert_eq!(alpha.send_as(None), id("cust-alpha"));
        assert_eq!(alpha.send_as(Some(Form::Account)), acct("444455556666", None));
        assert_eq!(beta.send_as(Some(Form::Identifier)), acct("777788889999", Some("arn:l-beta")), "no identifier: the account");
        assert_eq!(beta.forms(Some(Form::Account)), [acct("777788889999", Some("arn:l-beta")), acct("777788889999", None)]);
        assert_eq!(alpha.forms(None), [id("cust-alpha"), acct("444455556666", None)]);
        // Two agreements of one account: without a licence the account names neither.
        let second = buyer(None, Some("777788889999"), Some("arn:l-gamma"));
        let known = [beta.clone(), second.clone()];
        assert_eq!(find(&known, &acct("777788889999", None)), None);
        assert_eq!(find(&known, &acct("777788889999", Some("arn:l-gamma"))), Some(&second));
    }

    #[test]
    fn names_the_meter_cannot_tell_apart_are_ambiguous() {
        let alpha = buyer(Some("cust-alpha"), Some("444455556666"), None);
        // Unknown both: an identifier and an account might be one buyer; two identifiers or two accounts are two.
        assert!(might_be_one_buyer(&acct("444455556666", None), None, &id("cust-alpha"), None));
        assert!(!might_be_one_buyer(&id("a"), None, &id("b"), None));
        assert!(!might_be_one_buyer(&acct("1", None), None, &acct("2", None), None));
        // One account with and without a licence: one buyer, two names.
        assert!(might_be_one_buyer(&acct("777788889999", None), None, &acct("777788889999", Some("arn:l")), None));
        assert!(
            !might_be_one_buyer(&acct("777788889999", Some("arn:a")), None, &acct("777788889999", Some("arn:b")), None),
            "two agreements"
        );
        // A buyer known by both names is told apart from any other name.
        assert!(!might_be_one_buyer(&acct("999999999999", None), None, &id("cust-alpha"), Some(&alpha)));
        assert!(!might_be_one_buyer(&id("cust-x"), None, &acct("444455556666", None), Some(&alpha)));
        assert!(
            might_be_one_buyer(&id("cust-x"), None, &acct("444455556666", None), Some(&buyer(None, Some("444455556666"), None))),
            "known by its account only"
        );
        assert!(might_be_one_buyer(&acct("444455556666", None), Some(&alpha), &id("cust-alpha"), Some(&alpha)));
        let message = ambiguity(&acct("444455556666", None), &id("cust-alpha"), "prod-saas-1", "users");
        assert!(message.starts_with("CustomerAWSAccountId 444455556666 might be the buyer already metered as CustomerIdentifier cust-alpha for prod-saas-1, users"), "{message}");
    }
}
