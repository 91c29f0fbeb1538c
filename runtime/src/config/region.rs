//! The two names a configuration carries: the AWS Region calls go to and
//! the application name added to the User-Agent.

use std::borrow::Cow;
use std::fmt;

/// An AWS Region, such as `us-east-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(Cow<'static, str>);

impl Region {
    /// A region by name.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Region(name.into())
    }

    /// A region from a constant.
    pub const fn from_static(name: &'static str) -> Self {
        Region(Cow::Borrowed(name))
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An application name added to the User-Agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppName(String);

impl AppName {
    /// Accepts 1 to 50 characters of letters, digits and ``!#$%&'*+-.^_`|~``.
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidAppName> {
        let name = name.into();
        let ok = !name.is_empty() && name.len() <= 50 && name.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
        if ok {
            Ok(AppName(name))
        } else {
            Err(InvalidAppName(name))
        }
    }
}

impl AsRef<str> for AppName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An app name that cannot go into a User-Agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidAppName(String);

impl fmt::Display for InvalidAppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "app name {:?} must be 1 to 50 letters, digits or !#$%&'*+-.^_`|~", self.0)
    }
}

impl std::error::Error for InvalidAppName {}
