//! Project automation as a library, so tests can run the same jobs as
//! `cargo xtask codegen --check`.

pub mod changelog;
pub mod check_models;
pub mod codegen;
pub mod diff;
pub mod manifest;
pub mod package;
