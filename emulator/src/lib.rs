//! A local AWS Marketplace Metering service that behaves like the real one,
//! for sellers to try metering without an AWS account and for tests.
//!
//! Three concerns in three places, as the house style asks: the wire
//! (`wire.rs`: routing, SigV4 verification, JSON and errors), the rules
//! (`rules/`: plain functions of configuration, state, caller, request and
//! time) and the state (`state.rs`: what was billed). `errors.rs` is the one
//! table of error codes and statuses; `server.rs` the bounded HTTP server.
//!
//! ```no_run
//! # async fn f() -> std::io::Result<()> {
//! let running = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("listening on {}", running.url());
//! running.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! Emulated: MeterUsage, BatchMeterUsage, ResolveCustomer and RegisterUsage
//! (a PS256 token, its public key at `GET /emulator/v1/public-key`) with the
//! rules of the service's documentation, every request's signature, and
//! `GET /emulator/v1/records`, faults armed from the configuration or
//! `POST /emulator/v1/faults`, request quotas; state in memory or, with [`Options::data`],
//! in a SQLite file that survives restarts.

pub mod admin;
pub mod config;
mod customers;
pub mod decimal;
pub mod errors;
pub mod faults;
mod input;
#[cfg(test)]
mod layering;
pub mod page;
pub mod quota;
pub mod rules;
pub mod serve;
pub mod server;
pub mod sigv4;
pub mod state;
pub mod subscribe;
mod time_text;
pub mod wire;

pub use config::Config;
pub use server::{start, start_with, start_with_clock, Options, Running};
