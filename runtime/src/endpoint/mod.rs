//! Endpoint resolution inputs and outputs.
//!
//! A generated crate supplies its resolver (from the model's endpoint rules);
//! the runtime supplies the built-in parameters from the configuration, and
//! the generated operation its context parameters (`@staticContextParams`,
//! `@contextParam`, `@operationContextParams`) from the call's input.

use std::collections::BTreeMap;
use std::fmt;

pub use auth_scheme::{choose as choose_auth_scheme, AuthScheme};
pub use configured::ConfiguredEndpoints;
pub use rules::RuleValue;

/// The parameters of an endpoint resolution: the four built-ins every AWS
/// service's rules use, and every other parameter by its name in the rule set.
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
    /// Every other parameter that has a value, by its name in the rule set:
    /// an operation's context parameters, and other built-ins where known.
    pub extra: Vec<(&'static str, RuleValue)>,
}

impl EndpointParams {
    /// The value given for the parameter `name` among [`EndpointParams::extra`]: the first, as they come highest precedence first.
    pub fn get(&self, name: &str) -> Option<&RuleValue> {
        self.extra.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// A resolved endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoint {
    /// The URL requests go to.
    pub url: String,
    /// The endpoint's properties (`authSchemes` among them), as the rules give them.
    pub properties: BTreeMap<String, RuleValue>,
    /// Headers the rules add to every request to this endpoint.
    pub headers: Vec<(String, Vec<String>)>,
}

impl Endpoint {
    /// An endpoint that is only a URL.
    pub fn from_url(url: impl Into<String>) -> Self {
        Endpoint { url: url.into(), ..Endpoint::default() }
    }
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

mod auth_scheme;
pub mod bdd;
mod configured;
pub mod partitions;
pub mod rules;
pub mod test_case;
