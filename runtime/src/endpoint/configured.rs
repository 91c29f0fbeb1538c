//! Endpoint URLs configured outside code, and the order in which they apply.
//!
//! The AWS SDKs' order, first match wins: `AWS_ENDPOINT_URL_<SERVICE>`,
//! `AWS_ENDPOINT_URL`, the service's `endpoint_url` in the `[services x]`
//! section the profile's `services` key names, then the profile's own
//! `endpoint_url`. An endpoint set in code comes before all of them; it is
//! not kept here.

/// Endpoint URLs from the environment and the profile files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfiguredEndpoints {
    /// `AWS_ENDPOINT_URL_<SERVICE>` values, by the variable's suffix (`MARKETPLACE_METERING`).
    pub env_service: Vec<(String, String)>,
    /// `AWS_ENDPOINT_URL`.
    pub env_global: Option<String>,
    /// `endpoint_url` under each service key of the profile's services section, by key (`marketplace_metering`).
    pub profile_service: Vec<(String, String)>,
    /// The profile's `endpoint_url`.
    pub profile_global: Option<String>,
}

impl ConfiguredEndpoints {
    /// The URL for the service whose variable suffix is `env_name`
    /// (`MARKETPLACE_METERING`; its services-section key is the same in lower case).
    pub fn for_service(&self, env_name: &str) -> Option<String> {
        let by_name = |list: &[(String, String)]| list.iter().find(|(s, _)| s.eq_ignore_ascii_case(env_name)).map(|(_, u)| u.clone());
        by_name(&self.env_service)
            .or_else(|| self.env_global.clone())
            .or_else(|| by_name(&self.profile_service))
            .or_else(|| self.profile_global.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_order_applies() {
        let pair = |s: &str, u: &str| (s.to_owned(), u.to_owned());
        let mut e = ConfiguredEndpoints {
            env_service: vec![pair("S3", "http://env-s3"), pair("MARKETPLACE_METERING", "http://env-svc")],
            env_global: Some("http://env".into()),
            profile_service: vec![pair("marketplace_metering", "http://profile-svc")],
            profile_global: Some("http://profile".into()),
        };
        assert_eq!(e.for_service("MARKETPLACE_METERING").as_deref(), Some("http://env-svc"));
        e.env_service.pop();
        assert_eq!(e.for_service("MARKETPLACE_METERING").as_deref(), Some("http://env"));
        e.env_global = None;
        assert_eq!(e.for_service("MARKETPLACE_METERING").as_deref(), Some("http://profile-svc"));
        assert_eq!(e.for_service("OTHER").as_deref(), Some("http://profile"));
        e.profile_global = None;
        assert_eq!(e.for_service("OTHER"), None);
    }
}
