//! What the four operations' commands share: the options every command
//! takes, the client they call through (this project's SDK used as any user
//! would; credentials, region and endpoint from where the AWS CLI reads them,
//! environment and `~/.aws/`, with `--profile`, `--region` and
//! `--endpoint-url` on top), what a failed call prints, and timestamps.

use std::process::ExitCode;

use mpkit_metering::error::DisplayErrorContext;
use mpkit_metering::primitives::DateTime;
use mpkit_metering::Client;

use crate::output::Output;
use crate::usage_lines;

/// Where and how to call.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Send requests here instead of the service's endpoint (e.g. the emulator's URL).
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
    /// The region; otherwise AWS_REGION, AWS_DEFAULT_REGION or the profile's.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// The profile of ~/.aws/config and ~/.aws/credentials; otherwise AWS_PROFILE or default.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// How to print the answer.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub output: Output,
    /// How to write warnings and errors on standard error: text, or one JSON object a line.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: crate::logs::LogFormat,
}

/// A client configured as `common` says, over the environment.
pub async fn client(common: &Common) -> Client {
    let mut builder = mpkit_metering::config::load_from_env().await.to_builder();
    if let Some(region) = &common.region {
        builder = builder.region(mpkit_metering::config::Region::new(region.clone()));
    }
    if let Some(url) = &common.endpoint_url {
        builder = builder.endpoint_url(url.clone());
    }
    Client::from_conf(builder.build())
}

/// An Entitlement Service client configured as `common` says, over the environment.
pub async fn entitlement_client(common: &Common) -> mpkit_entitlement::Client {
    let mut builder = mpkit_entitlement::config::load_from_env().await.to_builder();
    if let Some(region) = &common.region {
        builder = builder.region(mpkit_entitlement::config::Region::new(region.clone()));
    }
    if let Some(url) = &common.endpoint_url {
        builder = builder.endpoint_url(url.clone());
    }
    mpkit_entitlement::Client::from_conf(builder.build())
}

/// A failed call: what happened, with the service's code and message, and what to do.
pub fn failed<E: std::error::Error + mpkit_metering::error::ProvideErrorMetadata + 'static>(
    operation: &str,
    e: &mpkit_metering::error::SdkError<E>,
) -> ExitCode {
    eprintln!("metering: {operation} failed: {}", DisplayErrorContext(e));
    let hint = match e.raw_response().map(|r| r.status().as_u16()) {
        _ if matches!(e, mpkit_metering::error::SdkError::ConstructionFailure(_)) => "check the region, the credentials and the arguments",
        _ if matches!(e, mpkit_metering::error::SdkError::DispatchFailure(_) | mpkit_metering::error::SdkError::TimeoutError(_)) => {
            "the endpoint could not be reached; check --endpoint-url and the network, then try again"
        }
        Some(500..=599) => "the service failed; try again later",
        _ => "the service refused the request; the message above says why",
    };
    eprintln!("metering: {hint}");
    ExitCode::FAILURE
}

/// A timestamp argument: RFC 3339, epoch seconds, or `now`.
pub fn timestamp(text: &str) -> Result<DateTime, String> {
    if text == "now" {
        return Ok(DateTime::from(std::time::SystemTime::now()));
    }
    usage_lines::time(text).map(DateTime::from).map_err(|e| format!("{e}, nor `now`"))
}
