//! What a billed record and a client token's fingerprint are: plain types
//! every part of the state shares.

use sha2::{Digest, Sha256};

use crate::decimal::Quantity;

/// One billed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `MeterUsage` or `BatchMeterUsage`.
    pub operation: &'static str,
    /// The product code.
    pub product: String,
    /// The customer's account id.
    pub customer_account: String,
    /// The customer identifier, when the customer has one.
    pub customer_identifier: Option<String>,
    /// The licence, when the request named one.
    pub license_arn: Option<String>,
    /// For a product on concurrent agreements, the licence the hour is
    /// billed under: each agreement of one account is billed on its own.
    pub agreement: Option<String>,
    /// The dimension.
    pub dimension: String,
    /// The start of the hour, in epoch seconds.
    pub hour: i64,
    /// The quantity billed.
    pub quantity: Quantity,
    /// The `MeteringRecordId` answered.
    pub record_id: String,
}

/// Product, customer account (and agreement), dimension and hour: what makes a record unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKey<'a> {
    /// The product code.
    pub product: &'a str,
    /// The customer's account id.
    pub customer_account: &'a str,
    /// The licence of the agreement, for products on concurrent agreements; empty otherwise.
    pub agreement: &'a str,
    /// The dimension.
    pub dimension: &'a str,
    /// The start of the hour, in epoch seconds.
    pub hour: i64,
}

impl Record {
    /// What makes this record unique.
    pub fn key(&self) -> RecordKey<'_> {
        RecordKey {
            product: &self.product,
            customer_account: &self.customer_account,
            agreement: self.agreement.as_deref().unwrap_or(""),
            dimension: &self.dimension,
            hour: self.hour,
        }
    }
}

/// A request's parameters other than its `ClientToken`, as a SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a request's parameters written as `text`.
    pub fn of(text: &str) -> Fingerprint {
        Fingerprint(Sha256::digest(text.as_bytes()).into())
    }

    /// Lower-case hex, as the data file keeps it.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads [`Fingerprint::to_hex`]'s form back.
    pub fn from_hex(hex: &str) -> Option<Fingerprint> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(Fingerprint(out))
    }
}

/// How a new record fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Billing {
    /// Billed now, with this id.
    New(String),
    /// The same quantity was billed before, with this id.
    Repeat(String),
    /// The hour was billed before with another quantity; nothing changed.
    Conflict,
}
