//! What every Catalog rule says the same way: the one catalog's name, the
//! ARNs of entities and change sets, times, and the common refusals.

use std::time::SystemTime;

use crate::config::Config;
use crate::errors::{Code, ServiceError};

/// The one catalog of the service.
pub const CATALOG: &str = "AWSMarketplace";

/// A time as the Catalog API writes it (ISO 8601, seconds).
pub(super) fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    crate::time_text::rfc3339(secs)
}

/// A refusal naming an entity or change set that does not exist (or is not the caller's).
pub(super) fn not_found(what: &str, id: &str) -> ServiceError {
    ServiceError::new(Code::ResourceNotFound, format!("{what} {id} does not exist"))
}

/// A `ValidationException` saying `message`.
pub(super) fn validation(message: impl Into<String>) -> ServiceError {
    ServiceError::new(Code::Validation, message)
}

/// Refuses any catalog but the one there is.
pub(super) fn check_catalog(catalog: &str) -> Result<(), ServiceError> {
    if catalog == CATALOG {
        Ok(())
    } else {
        Err(validation(format!("Catalog must be {CATALOG}, not {catalog:?}")))
    }
}

/// The ARN of an entity or change set of `account`.
pub(super) fn arn(config: &Config, account: &str, kind: &str, id: &str) -> String {
    format!("arn:aws:aws-marketplace:{}:{account}:{CATALOG}/{kind}/{id}", config.region)
}
