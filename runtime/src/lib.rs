//! The runtime shared by generated AWS JSON-protocol SDK crates.
//!
//! A generated crate serialises its inputs with the JSON writer, hands the
//! body to the request loop, and parses what comes back with the JSON
//! readers; everything between (endpoint, signing, sending, retrying, timing
//! out) happens here, in one explicit loop. Generated code reaches all of it
//! through one module, `for_generated`, which is not part of the API.
//!
//! What users touch is public: [`config`] (settings, and loading them from
//! the environment), [`credentials`], [`error`], [`http`] (the transport
//! boundary, for custom transports), [`env`](mod@env), [`primitives`] and
//! [`pagination`].
//!
//! The folders, lowest layer first: `time`, `ids`, `encoding`, `primitives`
//! and `json` depend on nothing else here; `retry` (settings, pure policy,
//! quota, send rate) and `timeout` hold policy; `http` is the transport; `env`
//! the environment and profile files; `endpoint` the rules; `auth` the
//! credentials and signing; `client_state` what clients learn while running;
//! `config` what the user set; `invoke` the request loop on top. A test
//! (`layering.rs`) keeps the top-level modules free of import cycles.

#![warn(missing_docs)]

mod auth;
mod blocking;
mod cbor;
mod client_state;
pub mod config;
mod deserialize_error;
mod encoding;
mod endpoint;
pub mod env;
pub mod error;
#[doc(hidden)]
pub mod for_generated;
pub mod http;
mod http_binding;
mod ids;
mod invoke;
mod json;
mod md5;
pub mod pagination;
pub mod primitives;
mod retry;
mod time;
mod timeout;

pub use auth::credentials;

#[cfg(test)]
mod layering;
#[cfg(test)]
mod test_support;
#[cfg(any(test, feature = "test-util"))]
pub mod test_util;
