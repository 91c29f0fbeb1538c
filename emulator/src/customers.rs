//! Finding a subscription fast: an index of the configuration's customers
//! by product and identifier, by product and account, and by licence. A
//! batch looks up 25 customers among possibly thousands, and a linear scan
//! was most of the emulator's work (see docs/benchmarks.md).
//!
//! The index is only a hint: a customer found through it must still have
//! the key asked for, and a key it does not hold is looked for by a scan, so
//! a customer pushed onto or changed in place in `Config::customers` is
//! found by its new key and never by its old one. [`Config::add_customer`]
//! keeps the index current.

use crate::config::{Config, Customer, CustomerIndex};

impl CustomerIndex {
    fn insert(&mut self, i: usize, c: &Customer) {
        if let Some(id) = &c.identifier {
            self.by_identifier.entry((c.product.clone(), id.clone())).or_insert(i);
        }
        self.by_account.entry((c.product.clone(), c.account.clone())).or_insert(i);
        if let Some(arn) = &c.license_arn {
            self.by_license.entry(arn.clone()).or_insert(i);
        }
        self.built_for = self.built_for.max(i + 1);
    }

    /// An index of `customers`.
    pub fn of(customers: &[Customer]) -> Self {
        let mut index = CustomerIndex::default();
        for (i, c) in customers.iter().enumerate() {
            index.insert(i, c);
        }
        index.built_for = customers.len();
        index
    }
}

impl Config {
    fn indexed(&self) -> Option<&CustomerIndex> {
        (self.customer_index.built_for == self.customers.len()).then_some(&self.customer_index)
    }

    /// The customer at the index's position for a key, if it still has that key (`matches`); else, and when the
    /// index has no entry, a scan: a customer changed in place (`customers` is public) is found by its new key and
    /// never by its old one, at the cost of a scan for keys that match no customer.
    fn find(&self, position: Option<usize>, matches: impl Fn(&Customer) -> bool) -> Option<&Customer> {
        match position.map(|i| &self.customers[i]).filter(|c| matches(c)) {
            Some(c) => Some(c),
            None => self.customers.iter().find(|c| matches(c)),
        }
    }

    /// The subscription of product `product` whose `CustomerIdentifier` is `identifier`.
    pub fn customer_by_identifier(&self, product: &str, identifier: &str) -> Option<&Customer> {
        let position = self.indexed().and_then(|ix| ix.by_identifier.get(&(product.to_owned(), identifier.to_owned())).copied());
        self.find(position, |c| c.product == product && c.identifier.as_deref() == Some(identifier))
    }

    /// The subscription of product `product` by account `account`.
    pub fn customer_by_account(&self, product: &str, account: &str) -> Option<&Customer> {
        let position = self.indexed().and_then(|ix| ix.by_account.get(&(product.to_owned(), account.to_owned())).copied());
        self.find(position, |c| c.product == product && c.account == account)
    }

    /// The subscription that holds licence `arn`.
    pub fn customer_by_license(&self, arn: &str) -> Option<&Customer> {
        let position = self.indexed().and_then(|ix| ix.by_license.get(arn).copied());
        self.find(position, |c| c.license_arn.as_deref() == Some(arn))
    }

    /// Adds a subscription, keeping the index current.
    pub fn add_customer(&mut self, customer: Customer) {
        let fresh = self.indexed().is_some();
        self.customers.push(customer);
        if fresh {
            let i = self.customers.len() - 1;
            let c = self.customers[i].clone();
            self.customer_index.insert(i, &c);
        } else {
            self.reindex();
        }
    }

    /// Rebuilds the index from `customers`.
    pub fn reindex(&mut self) {
        self.customer_index = CustomerIndex::of(&self.customers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_agree_with_a_scan_even_after_direct_changes() {
        let mut config = Config::demo();
        assert_eq!(config.customer_by_identifier("prod-saas-1", "cust-alpha").map(|c| c.account.as_str()), Some("444455556666"));
        assert_eq!(
            config.customer_by_account("prod-saas-1", "777788889999").and_then(|c| c.registration_token.as_deref()),
            Some("token-beta")
        );
        assert_eq!(
            config.customer_by_license("arn:aws:license-manager::777788889999:license:l-beta").map(|c| c.product.as_str()),
            Some("prod-saas-1")
        );
        assert!(config.customer_by_account("prod-container-1", "777788889999").is_none());
        // Pushed past the index: found by the fallback scan.
        let mut extra = config.customers[0].clone();
        extra.account = "999999999999".into();
        extra.identifier = Some("cust-new".into());
        config.customers.push(extra.clone());
        assert!(config.customer_by_identifier("prod-saas-1", "cust-new").is_some());
        extra.account = "888888888888".into();
        extra.identifier = Some("cust-newer".into());
        config.add_customer(extra);
        assert!(config.customer_by_identifier("prod-saas-1", "cust-newer").is_some());
        assert!(config.customer_by_identifier("prod-saas-1", "cust-new").is_some());

        // Replaced in place (the count unchanged): found by its new names, never by its old ones.
        let mut replaced = config.customers[0].clone();
        let old_identifier = replaced.identifier.clone().unwrap();
        let old_account = replaced.account.clone();
        replaced.identifier = Some("cust-replaced".into());
        replaced.account = "121212121212".into();
        config.customers[0] = replaced;
        assert_eq!(config.customer_by_identifier("prod-saas-1", "cust-replaced").map(|c| c.account.as_str()), Some("121212121212"));
        assert!(config.customer_by_identifier("prod-saas-1", &old_identifier).is_none(), "the old identifier is gone");
        assert!(config.customer_by_account(&config.customers[0].product.clone(), &old_account).is_none(), "so is the old account");
        assert!(config.customer_by_account(&config.customers[0].product.clone(), "121212121212").is_some());
    }
}
