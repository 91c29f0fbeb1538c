//! The service's rules as plain functions: each takes the configuration,
//! the state, the calling account, the request decoded into its type
//! (`wire/decode.rs`) and the time, and
//! answers with the response body or the refusal. No HTTP here: the tests of
//! the rules call them directly.

mod batch_meter_usage;
pub mod catalog;
mod get_entitlements;
mod meter_usage;
mod register_usage;
mod resolve_customer;
mod window;

pub use batch_meter_usage::batch_meter_usage;
pub use get_entitlements::{get_entitlements, EntitlementOut, EntitlementsPage};
pub use meter_usage::meter_usage;
pub use register_usage::{register_usage, PUBLIC_KEY_PEM};
pub use resolve_customer::resolve_customer;
