//! The runtime shared by generated AWS JSON-protocol SDK crates.
//!
//! A generated crate serialises its inputs with [`json::JsonWriter`], hands
//! the body to [`orchestrator::Handle::invoke`], and parses what comes back
//! with the readers in [`json::de`]. Everything between (endpoint, signing,
//! sending, retrying, timing out) happens here, in one explicit loop.

#![warn(missing_docs)]

pub mod compression;
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod http;
pub mod hyper_client;
pub mod ids;
pub mod json;
pub mod load;
pub mod orchestrator;
pub mod pagination;
pub mod os_env;
pub mod primitives;
pub mod rate_limit;
pub mod profile;
pub mod request_id;
pub mod retry;
pub mod retry_quota;
pub mod sign;
#[cfg(test)]
mod test_support;
#[cfg(any(test, feature = "test-util"))]
pub mod test_util;
