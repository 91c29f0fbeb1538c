//! `BuildError`: a builder or an input was refused before anything was sent.

use std::fmt;

/// Why a value could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    kind: BuildErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum BuildErrorKind {
    MissingField { field: &'static str, details: &'static str },
    InvalidField { field: &'static str, details: String },
    Other(String),
}

impl BuildError {
    /// A required member was not set.
    pub fn missing_field(field: &'static str, details: &'static str) -> Self {
        BuildError { kind: BuildErrorKind::MissingField { field, details } }
    }

    /// A member was set to a value the service would refuse.
    pub fn invalid_field(field: &'static str, details: impl Into<String>) -> Self {
        BuildError { kind: BuildErrorKind::InvalidField { field, details: details.into() } }
    }

    /// Anything else.
    pub fn other(message: impl Into<String>) -> Self {
        BuildError { kind: BuildErrorKind::Other(message.into()) }
    }

    /// The member the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match &self.kind {
            BuildErrorKind::MissingField { field, .. } | BuildErrorKind::InvalidField { field, .. } => Some(field),
            BuildErrorKind::Other(_) => None,
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BuildErrorKind::MissingField { field, details } => write!(f, "`{field}` was not set: {details}"),
            BuildErrorKind::InvalidField { field, details } => write!(f, "invalid value for `{field}`: {details}"),
            BuildErrorKind::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for BuildError {}
