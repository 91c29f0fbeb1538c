//! Endpoint resolution inputs and outputs.
//!
//! A generated crate supplies its resolver (from the model's endpoint rules);
//! the runtime supplies the parameters from the configuration.

use std::fmt;

pub use configured::ConfiguredEndpoints;

/// The built-in endpoint parameters of AWS services.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointParams {
    /// `AWS::Region`.
    pub region: Option<String>,
    /// `AWS::UseFIPS`.
    pub use_fips: bool,
    /// `AWS::UseDualStack`.
    pub use_dual_stack: bool,
    /// `SDK::Endpoint`, the override.
    pub endpoint: Option<String>,
}

/// A resolved endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL requests go to.
    pub url: String,
}

/// The rules refused the parameters, with the rules' own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError(pub String);

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no endpoint: {}", self.0)
    }
}

impl std::error::Error for EndpointError {}

/// A generated crate's endpoint resolver.
pub type ResolveEndpoint = fn(&EndpointParams) -> Result<Endpoint, EndpointError>;

mod configured;
pub mod partitions;
pub mod rules;
