//! Who is calling: the SigV4 signature of a service request verified
//! against the keys of the configuration, with its date, region and
//! service scope, as the service refuses them.

use std::time::{Duration, SystemTime};

use super::answer::header;
use crate::config::{Account, Config};
use crate::errors::{Code, ServiceError};
use crate::sigv4::{self, Incoming, PathRules};
use crate::time_text::parse_amz_date;

/// The signing name of the service.
const SIGNING_NAME: &str = "aws-marketplace";
/// How far a request's time may be from the emulator's clock.
const MAX_REQUEST_AGE: Duration = Duration::from_secs(5 * 60);

/// The account that signed `req`, or why the signature is refused.
pub(super) fn authenticate<'a>(config: &'a Config, req: &Incoming<'_>, now: SystemTime) -> Result<&'a Account, ServiceError> {
    let invalid = |m: String| ServiceError::new(Code::InvalidSignature, m);
    let auth =
        header(req, "authorization").ok_or_else(|| ServiceError::new(Code::MissingAuthenticationToken, "Missing Authentication Token"))?;
    let auth = sigv4::parse_authorization(auth).map_err(invalid)?;
    let account = config
        .account_by_key(&auth.access_key_id)
        .ok_or_else(|| ServiceError::new(Code::UnrecognizedClient, "The security token included in the request is invalid."))?;
    if header(req, "x-amz-security-token") != account.session_token.as_deref() {
        return Err(ServiceError::new(Code::UnrecognizedClient, "The security token included in the request is invalid."));
    }
    let amz_date = header(req, "x-amz-date").ok_or_else(|| invalid("the request has no X-Amz-Date".into()))?;
    let time = parse_amz_date(amz_date).ok_or_else(|| invalid(format!("X-Amz-Date `{amz_date}` is not YYYYMMDDTHHMMSSZ")))?;
    let age = now.duration_since(time).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or_default();
    if age > MAX_REQUEST_AGE {
        return Err(invalid(format!("Signature expired: {amz_date} is more than 5 minutes from the service's time")));
    }
    if !amz_date.starts_with(&auth.date) || auth.date.len() != 8 {
        return Err(invalid(format!("the credential scope date {} is not the date of X-Amz-Date {amz_date}", auth.date)));
    }
    if auth.region != config.region {
        return Err(invalid(format!(
            "Credential should be scoped to a valid region, not '{}' (this service is in {})",
            auth.region, config.region
        )));
    }
    if auth.service != SIGNING_NAME {
        return Err(invalid(format!("Credential should be scoped to correct service: '{SIGNING_NAME}', not '{}'", auth.service)));
    }
    for required in ["host", "x-amz-date"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(invalid(format!("the signed headers must include {required}")));
        }
    }
    let expected = sigv4::expected_signature(req, &auth, &account.secret_access_key, amz_date, PathRules::SERVICE).map_err(invalid)?;
    if !sigv4::same_signature(&expected, &auth.signature) {
        return Err(invalid(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
                .into(),
        ));
    }
    Ok(account)
}
