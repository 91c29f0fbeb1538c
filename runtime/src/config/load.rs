//! `load_from_env()`: a shared [`Config`] from the environment and the
//! profile files, as aws-config's function of the same name does.
//!
//! Region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, then
//! EC2 instance metadata.
//! Credentials: the [`DefaultCredentialsChain`]. Endpoints:
//! `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the service's
//! `endpoint_url` in the `[services x]` section named by the profile's
//! `services` key, or the profile's `endpoint_url` (unless
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true).
//! Also `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT`,
//! `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`, `AWS_SDK_UA_APP_ID` and
//! `AWS_CA_BUNDLE` (a PEM file of extra trust roots), each with its profile
//! key. A value that cannot be understood is not ignored: every call
//! made with the config is refused with a message naming it.

use std::sync::Arc;

use crate::auth::credentials::{CachedCredentials, DefaultCredentialsChain, Imds, ProviderContext};
use crate::config::{AppName, Builder, Config, Region};
use crate::endpoint::ConfiguredEndpoints;
use crate::env::profile::{self, Profile, ProfileSet};
use crate::env::OsEnv;
use crate::http::{CaBundle, ProxyConfig};
use crate::retry::RetryConfig;

/// Loads a shared configuration from the process environment and `~/.aws/`.
///
/// ```no_run
/// # async fn f() {
/// let config = mpkit_runtime::config::load_from_env().await;
/// # let _ = config;
/// # }
/// ```
pub async fn load_from_env() -> Config {
    load_with(OsEnv::real()).await
}

/// [`load_from_env`] over `env`; when neither the environment nor the
/// profile names a region, the instance metadata service is asked.
pub async fn load_with(env: OsEnv) -> Config {
    let mut builder = from_env(env.clone());
    if !builder.has_region() {
        if let Ok(ctx) = ProviderContext::new(env) {
            if let Ok(region) = Imds::new(ctx).region().await {
                builder = builder.region(Region::new(region));
            }
        }
    }
    builder.build()
}

/// A builder preloaded from `env`; settings made on it afterwards win.
pub fn from_env(env: OsEnv) -> Builder {
    let mut problems = Vec::new();
    let files = match profile::load_files(&env) {
        Ok(set) => set,
        Err(e) => {
            problems.push(e.to_string());
            ProfileSet::default()
        }
    };
    let profile = files.profile(&profile::active_name(&env));
    let setting = |var: &str, key: &str| -> Option<(String, String)> {
        env.var(var)
            .map(|v| (var.to_owned(), v))
            .or_else(|| profile.and_then(|p: &Profile| p.get(key)).map(|v| (format!("profile key {key}"), v.to_owned())))
    };
    let mut builder = Config::builder();
    match ProviderContext::new(env.clone()) {
        Ok(ctx) => {
            let chain = Arc::new(DefaultCredentialsChain::new(ctx.clone()));
            builder = builder.credentials_provider(CachedCredentials::new(chain, ctx.time.clone()));
        }
        Err(e) => problems.push(format!("the credentials providers could not be set up: {e}")),
    }
    // Both variables come before the profile's region.
    let region = env.var("AWS_REGION").or_else(|| env.var("AWS_DEFAULT_REGION")).map(|r| (String::new(), r));
    if let Some((_, region)) = region.or_else(|| setting("AWS_REGION", "region")) {
        builder = builder.region(Region::new(region));
    }
    let mut flag = |var: &str, key: &str| -> bool {
        match setting(var, key) {
            None => false,
            Some((_, v)) if v.eq_ignore_ascii_case("true") => true,
            Some((_, v)) if v.eq_ignore_ascii_case("false") => false,
            Some((from, v)) => {
                problems.push(format!("{from} is `{v}`, not true or false"));
                false
            }
        }
    };
    let use_fips = flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
    let use_dual_stack = flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint");
    let ignore_endpoints = flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignore_configured_endpoint_urls");
    builder = builder.use_fips(use_fips).use_dual_stack(use_dual_stack);
    if !ignore_endpoints {
        builder = builder.configured_endpoints(configured_endpoints(&env, &files, profile));
    }
    let mut retry = RetryConfig::standard();
    if let Some((from, mode)) = setting("AWS_RETRY_MODE", "retry_mode") {
        match mode.to_ascii_lowercase().as_str() {
            "standard" | "legacy" => {}
            "adaptive" => retry = RetryConfig::adaptive(),
            _ => problems.push(format!("{from} is `{mode}`; use standard or adaptive")),
        }
    }
    if let Some((from, attempts)) = setting("AWS_MAX_ATTEMPTS", "max_attempts") {
        match attempts.parse::<u32>() {
            Ok(n) if n >= 1 => retry = retry.with_max_attempts(n),
            _ => problems.push(format!("{from} is `{attempts}`; it must be a whole number from 1")),
        }
    }
    builder = builder.retry_config(retry);
    match ProxyConfig::from_env(&env) {
        Ok(proxies) => builder = builder.proxy(proxies),
        Err(e) => problems.push(e.to_string()),
    }
    if let Some((from, path)) = setting("AWS_CA_BUNDLE", "ca_bundle") {
        match CaBundle::from_file(&env, &path) {
            Ok(bundle) => builder = builder.ca_bundle(bundle),
            Err(e) => problems.push(format!("{from}: {e}")),
        }
    }
    if let Some((from, app)) = setting("AWS_SDK_UA_APP_ID", "sdk_ua_app_id") {
        match AppName::new(app) {
            Ok(name) => builder = builder.app_name(name),
            Err(e) => problems.push(format!("{from}: {e}")),
        }
    }
    builder.load_problems(problems)
}

/// The endpoint URLs of the environment and of the active profile and its services section.
fn configured_endpoints(env: &OsEnv, files: &ProfileSet, profile: Option<&Profile>) -> ConfiguredEndpoints {
    let prefix = "AWS_ENDPOINT_URL_";
    let mut endpoints = ConfiguredEndpoints {
        env_service: env.vars_with_prefix(prefix).into_iter().map(|(name, url)| (name[prefix.len()..].to_owned(), url)).collect(),
        env_global: env.var("AWS_ENDPOINT_URL"),
        profile_global: profile.and_then(|p| p.get("endpoint_url")).map(str::to_owned),
        ..ConfiguredEndpoints::default()
    };
    let services_name = profile.and_then(|p| p.get("services"));
    match services_name.map(|name| (name, files.services(name))) {
        Some((_, Some(section))) => {
            for key in section.nested_keys() {
                if let Some(url) = section.get_sub(key, "endpoint_url") {
                    endpoints.profile_service.push((key.to_owned(), url.to_owned()));
                }
            }
        }
        // The other SDKs ignore a services key that names no section; so do we, but say so.
        Some((name, None)) => tracing::warn!(services = name, "the profile names a services section the config file does not have"),
        None => {}
    }
    endpoints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_over_the_profile() {
        let config = "[default]\nregion = eu-west-1\nmax_attempts = 7\nuse_fips_endpoint = true\nendpoint_url = http://profile\n";
        let env = OsEnv::fake(
            [("HOME", "/h"), ("AWS_DEFAULT_REGION", "us-west-2"), ("AWS_ENDPOINT_URL_MARKETPLACE_METERING", "http://svc")],
            [("/h/.aws/config", config)],
        );
        let c = from_env(env).build();
        assert_eq!(c.region().map(|r| r.as_ref()), Some("us-west-2"));
        assert_eq!(c.retry_config().max_attempts(), 7);
        assert!(c.use_fips());
        assert_eq!(c.settings.configured_endpoints.profile_global.as_deref(), Some("http://profile"));
        assert_eq!(c.settings.configured_endpoints.env_service, [("MARKETPLACE_METERING".to_owned(), "http://svc".to_owned())]);
        assert!(c.settings.load_problems.is_empty());
    }

    #[test]
    fn bad_values_are_kept_as_problems() {
        let env = OsEnv::fake([("AWS_MAX_ATTEMPTS", "many"), ("AWS_USE_FIPS_ENDPOINT", "yes"), ("AWS_RETRY_MODE", "eager")], []);
        let c = from_env(env).build();
        assert_eq!(
            c.settings.load_problems,
            [
                "AWS_USE_FIPS_ENDPOINT is `yes`, not true or false",
                "AWS_RETRY_MODE is `eager`; use standard or adaptive",
                "AWS_MAX_ATTEMPTS is `many`; it must be a whole number from 1",
            ]
        );
    }

    #[test]
    fn configured_endpoints_can_be_ignored() {
        let env = OsEnv::fake([("AWS_ENDPOINT_URL", "http://x"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")], []);
        assert_eq!(from_env(env).build().settings.configured_endpoints, ConfiguredEndpoints::default());
    }

    #[test]
    fn the_services_section_named_by_the_profile_gives_per_service_endpoints() {
        let config = "[profile dev]\nservices = local\nendpoint_url = http://global\n[services local]\nmarketplace_metering =\n  endpoint_url = http://127.0.0.1:4566\ns3 =\n  endpoint_url = http://s3\n[services other]\nmarketplace_metering =\n  endpoint_url = http://wrong\n";
        let env = OsEnv::fake([("HOME", "/h"), ("AWS_PROFILE", "dev")], [("/h/.aws/config", config)]);
        let c = from_env(env).build();
        assert!(c.settings.load_problems.is_empty(), "{:?}", c.settings.load_problems);
        let e = &c.settings.configured_endpoints;
        assert_eq!(e.for_service("MARKETPLACE_METERING").as_deref(), Some("http://127.0.0.1:4566"));
        assert_eq!(e.for_service("S3").as_deref(), Some("http://s3"));
        assert_eq!(e.for_service("DYNAMODB").as_deref(), Some("http://global"));
        // A services key naming no section is ignored, as the other SDKs do.
        let env = OsEnv::fake([("HOME", "/h")], [("/h/.aws/config", "[default]\nservices = missing\n")]);
        let c = from_env(env).build();
        assert!(c.settings.load_problems.is_empty());
        assert_eq!(c.settings.configured_endpoints.for_service("MARKETPLACE_METERING"), None);
    }
}
