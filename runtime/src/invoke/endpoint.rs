//! Where a call goes: the endpoint resolved from the configuration (and the
//! operation's context parameters) by the service's rules, split into the
//! request URI and the `Host` header, with the auth scheme and headers the
//! endpoint asks for, and an operation's `@endpoint` host prefix put in front.

use super::ServiceMeta;
use crate::config::Settings;
use crate::endpoint::{AuthScheme, EndpointParams, RuleValue};

/// How a generated operation addresses its call: the `@endpoint` host prefix,
/// and the endpoint context parameters from its traits and its input.
#[derive(Debug, Clone, Default)]
pub struct Route {
    /// The host prefix, labels filled in from the input.
    pub host_prefix: Option<String>,
    /// `@staticContextParams`, `@contextParam` and `@operationContextParams`
    /// values, by the rule set's parameter names.
    pub endpoint_params: Vec<(&'static str, RuleValue)>,
}

/// A resolved endpoint as a call uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Resolved {
    /// The request URI, its path ending in `/`.
    pub(super) uri: String,
    /// The `Host` header.
    pub(super) host: String,
    /// The signing name and region the endpoint asks for, if any.
    pub(super) auth: Option<AuthScheme>,
    /// Headers the endpoint adds, one entry a value.
    pub(super) headers: Vec<(String, String)>,
}

/// `service`'s endpoint under `settings` with the operation's context parameters `extra`.
pub(super) fn resolve(settings: &Settings, service: &ServiceMeta, extra: &[(&'static str, RuleValue)]) -> Result<Resolved, String> {
    // An endpoint set in code wins over those from the environment and the profile.
    let endpoint_override = settings.endpoint_url.clone().or_else(|| settings.configured_endpoints.for_service(service.env_name));
    if let Some(region) = settings.region.as_ref().filter(|r| !crate::endpoint::partitions::is_valid_region(r.as_ref())) {
        return Err(format!(
            "region `{region}` is not a valid region name (lower-case letters, digits and hyphens), so no endpoint is built from it"
        ));
    }
    let params = EndpointParams {
        region: settings.region.as_ref().map(|r| r.as_ref().to_owned()),
        use_fips: settings.use_fips,
        use_dual_stack: settings.use_dual_stack,
        endpoint: endpoint_override,
        extra: extra.to_vec(),
    };
    let endpoint = (service.resolve_endpoint)(&params).map_err(|e| e.to_string())?;
    let auth = crate::endpoint::choose_auth_scheme(&endpoint)?;
    let headers = endpoint.headers.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone()))).collect();
    let (uri, host) = split_endpoint(&endpoint.url)?;
    Ok(Resolved { uri, host, auth, headers })
}

/// `(uri, host)` with `prefix` in front of the host: `@endpoint` prefixes
/// custom endpoints too.
pub(super) fn with_host_prefix(uri: &str, host: &str, prefix: &str) -> (String, String) {
    let (scheme, rest) = uri.split_once("://").expect("split_endpoint checked the scheme");
    (format!("{scheme}://{prefix}{rest}"), format!("{prefix}{host}"))
}

/// An endpoint URL's request URI (with a `/` path) and `Host` header value.
fn split_endpoint(url: &str) -> Result<(String, String), String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("endpoint `{url}` has no scheme"))?;
    if scheme != "https" && scheme != "http" {
        return Err(format!("endpoint `{url}` must be http or https"));
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(format!("endpoint `{url}` has no host"));
    }
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host = authority.strip_suffix(default_port).unwrap_or(authority);
    // awsJson requests go to the endpoint's path with a trailing slash: `https://host/custom` posts to `/custom/`.
    let path = if path.is_empty() || path.starts_with('?') {
        format!("/{path}")
    } else if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    };
    Ok((format!("{scheme}://{authority}{path}"), host.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_split_into_uri_and_host() {
        assert_eq!(
            split_endpoint("https://metering.marketplace.us-east-1.amazonaws.com").unwrap(),
            ("https://metering.marketplace.us-east-1.amazonaws.com/".into(), "metering.marketplace.us-east-1.amazonaws.com".into())
        );
        assert_eq!(split_endpoint("http://127.0.0.1:8080/base").unwrap(), ("http://127.0.0.1:8080/base/".into(), "127.0.0.1:8080".into()));
        assert_eq!(split_endpoint("http://127.0.0.1:8080/base/").unwrap().0, "http://127.0.0.1:8080/base/");
        assert_eq!(split_endpoint("https://h:443").unwrap().1, "h");
        assert!(split_endpoint("ftp://x").is_err());
        assert!(split_endpoint("nohost").is_err());
    }

    #[test]
    fn host_prefixes_go_in_front_of_the_host() {
        assert_eq!(
            with_host_prefix("http://127.0.0.1:8080/", "127.0.0.1:8080", "data."),
            ("http://data.127.0.0.1:8080/".into(), "data.127.0.0.1:8080".into())
        );
    }
}
