//! Where configuration comes from: the process environment and the shared
//! config and credentials files, read through [`OsEnv`] so that tests can
//! supply both without touching the process.

mod os_env;
pub(crate) mod profile;

pub use os_env::OsEnv;
