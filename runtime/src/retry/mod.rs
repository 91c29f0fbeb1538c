//! Retries: the settings ([`RetryConfig`]), the policy as pure functions
//! (which failures are retried, how long to wait, whether the next attempt
//! may go), and the two budgets that bound retries across calls, the retry
//! quota and adaptive mode's send rate.

mod config;
pub(crate) mod policy;
pub(crate) mod quota;
pub(crate) mod rate_limit;

pub use config::{RetryConfig, RetryMode};
