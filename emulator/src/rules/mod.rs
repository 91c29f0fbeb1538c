//! The service's rules as plain functions: each takes the configuration,
//! the state, the calling account, the request body and the time, and
//! answers with the response body or the refusal. No HTTP here: the tests of
//! the rules call them directly.

mod batch_meter_usage;
mod meter_usage;
mod register_usage;
mod resolve_customer;

pub use batch_meter_usage::batch_meter_usage;
pub use meter_usage::meter_usage;
pub use register_usage::{register_usage, PUBLIC_KEY_PEM};
pub use resolve_customer::resolve_customer;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::errors::{Code, ServiceError};

/// Epoch seconds of `t`.
pub(crate) fn epoch(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// The start of the hour of `timestamp` (epoch seconds).
pub(crate) fn hour_of(timestamp: f64) -> i64 {
    (timestamp.floor() as i64).div_euclid(3600) * 3600
}

/// Refuses a timestamp in the future or more than `window` in the past.
pub(crate) fn check_window(timestamp: f64, now: SystemTime, window: Duration) -> Result<(), ServiceError> {
    let now = epoch(now);
    if timestamp > now {
        return Err(ServiceError::new(Code::TimestampOutOfBounds, "Timestamp is in the future"));
    }
    if now - timestamp > window.as_secs_f64() {
        return Err(ServiceError::new(
            Code::TimestampOutOfBounds,
            format!("Timestamp is more than {} hours in the past", window.as_secs() / 3600),
        ));
    }
    Ok(())
}

/// The data file could not take a write: nothing was billed, and the caller may retry.
pub fn unavailable(e: String) -> ServiceError {
    ServiceError::new(Code::InternalServiceError, format!("the emulator could not record the usage: {e}"))
}
