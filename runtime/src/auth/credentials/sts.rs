//! The two STS calls credential providers need, `AssumeRole` (signed) and
//! `AssumeRoleWithWebIdentity` (unsigned): awsQuery requests, a
//! form-encoded body, and XML responses read with a real XML parser.
//! The endpoint is regional (`https://sts.{region}.amazonaws.com`), or
//! `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` when set.

use super::provider_context::ProviderContext;
use super::sts_xml;
use super::{Credentials, CredentialsError};
use crate::http::{Headers, HttpRequest};
use crate::primitives::{DateTime, DateTimeFormat};

const NAME: &str = "STS";

/// Which call, with its parameters.
#[derive(Debug, Clone)]
pub enum Call<'a> {
    /// `AssumeRole`, signed with `source`.
    AssumeRole {
        /// The role.
        role_arn: &'a str,
        /// The session name.
        session_name: &'a str,
        /// `external_id` from the profile.
        external_id: Option<&'a str>,
        /// The credentials that assume the role.
        source: &'a Credentials,
    },
    /// `AssumeRoleWithWebIdentity`, authenticated by the token.
    WithWebIdentity {
        /// The role.
        role_arn: &'a str,
        /// The session name.
        session_name: &'a str,
        /// The OIDC token.
        token: &'a str,
    },
}

fn form_encode(s: &str) -> String {
    crate::encoding::uri_encode(s)
}

/// Calls STS in `region` and returns the role's credentials.
pub async fn call(ctx: &ProviderContext, region: Option<&str>, call: Call<'_>) -> Result<Credentials, CredentialsError> {
    let env = &ctx.env;
    if let Some(r) = region.filter(|r| !crate::endpoint::partitions::is_valid_region(r)) {
        return Err(CredentialsError::new(NAME, format!("region `{r}` is not a valid region name, so no STS host is built from it")));
    }
    let endpoint = env.var("AWS_ENDPOINT_URL_STS").or_else(|| env.var("AWS_ENDPOINT_URL")).unwrap_or_else(|| match region {
        Some(r) => format!("https://sts.{r}.{}", crate::endpoint::partitions::partition_of(r).dns_suffix),
        None => "https://sts.amazonaws.com".to_owned(),
    });
    let (action, params, source) = match &call {
        Call::AssumeRole { role_arn, session_name, external_id, source } => {
            let mut p = vec![("RoleArn", role_arn.to_string()), ("RoleSessionName", session_name.to_string())];
            if let Some(id) = external_id {
                p.push(("ExternalId", id.to_string()));
            }
            ("AssumeRole", p, Some(*source))
        }
        Call::WithWebIdentity { role_arn, session_name, token } => (
            "AssumeRoleWithWebIdentity",
            vec![("RoleArn", role_arn.to_string()), ("RoleSessionName", session_name.to_string()), ("WebIdentityToken", token.to_string())],
            None,
        ),
    };
    let mut body = format!("Action={action}&Version=2011-06-15");
    for (k, v) in &params {
        body.push_str(&format!("&{k}={}", form_encode(v)));
    }
    let uri = if endpoint.ends_with('/') { endpoint.clone() } else { format!("{endpoint}/") };
    let host = uri.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or_default().to_owned();
    let mut headers = Headers::new();
    headers.append("Host", host);
    headers.append("Content-Type", "application/x-www-form-urlencoded");
    headers.append("Content-Length", body.len().to_string());
    let mut request = HttpRequest { method: "POST".into(), uri: uri.clone(), headers, body: body.into() };
    if let Some(source) = source {
        crate::auth::sign::sign(&mut request, source, region.unwrap_or("us-east-1"), "sts", ctx.now())
            .map_err(|e| CredentialsError::new(NAME, e.to_string()))?;
    }
    let response = ctx.fetch(request).await.map_err(|e| CredentialsError::new(NAME, format!("{action} at {uri}: {e}")))?;
    let text = String::from_utf8_lossy(response.body()).into_owned();
    if !response.status().is_success() {
        return Err(CredentialsError::new(NAME, format!("{action} failed: {}", describe_error(response.status().as_u16(), &text))));
    }
    parse_credentials(action, &text)
}

fn describe_error(status: u16, xml: &str) -> String {
    let Ok(doc) = sts_xml::parse(xml) else {
        return format!("HTTP {status} with a body that is not XML");
    };
    let find = |name: &str| doc.find(name).map(|e| e.text.trim());
    match (find("Code"), find("Message")) {
        (Some(code), Some(message)) => format!("{code}: {message} (HTTP {status})"),
        (Some(code), None) => format!("{code} (HTTP {status})"),
        _ => format!("HTTP {status}"),
    }
}

/// Reads `<Credentials>` out of an `AssumeRole*Response`.
pub fn parse_credentials(action: &str, xml: &str) -> Result<Credentials, CredentialsError> {
    let doc = sts_xml::parse(xml).map_err(|e| CredentialsError::new(NAME, format!("{action} answered with bad XML: {e}")))?;
    let creds =
        doc.find("Credentials").ok_or_else(|| CredentialsError::new(NAME, format!("{action} response has no Credentials element")))?;
    let field = |name: &str| -> Result<String, CredentialsError> {
        creds
            .child(name)
            .map(|e| e.text.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| CredentialsError::new(NAME, format!("{action} response has no {name}")))
    };
    let expiration = field("Expiration")?;
    let expiry = DateTime::from_str(&expiration, DateTimeFormat::DateTime)
        .ok()
        .and_then(|t| t.try_into().ok())
        .ok_or_else(|| CredentialsError::new(NAME, format!("Expiration `{expiration}` is not an RFC 3339 time")))?;
    Ok(Credentials::new(field("AccessKeyId")?, field("SecretAccessKey")?, Some(field("SessionToken")?), Some(expiry), "STS"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_region_that_is_not_a_host_label_builds_no_host() {
        let ctx = crate::test_support::offline_context(crate::env::OsEnv::fake([], []));
        let call = Call::WithWebIdentity { role_arn: "arn:aws:iam::1:role/r", session_name: "s", token: "t" };
        let err = super::call(&ctx, Some("x@evil.com/"), call).await.unwrap_err().to_string();
        assert!(err.contains("region `x@evil.com/` is not a valid region name"), "{err}");
    }

    #[test]
    fn parses_responses_and_errors() {
        let ok = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleResult><Credentials>
            <AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>S</SecretAccessKey>
            <SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>
          </Credentials></AssumeRoleResult></AssumeRoleResponse>"#;
        let c = parse_credentials("AssumeRole", ok).unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("ASIA", Some("T")));
        let err =
            r#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>"#;
        assert_eq!(describe_error(403, err), "AccessDenied: not allowed (HTTP 403)");
        assert!(parse_credentials("AssumeRole", "<nope").is_err());
        assert!(parse_credentials("AssumeRole", "<a/>").unwrap_err().to_string().contains("no Credentials"));
        let empty_key = ok.replace("<AccessKeyId>ASIA</AccessKeyId>", "<AccessKeyId/>");
        assert!(parse_credentials("AssumeRole", &empty_key).unwrap_err().to_string().contains("no AccessKeyId"));
        let bad = parse_credentials("AssumeRole", "<a><b></a>").unwrap_err().to_string();
        assert!(bad.contains("answered with bad XML: an end tag that does not match its start tag at byte 6"), "{bad}");
        assert_eq!(describe_error(500, "<html"), "HTTP 500 with a body that is not XML");
        assert_eq!(describe_error(400, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"), "Throttling (HTTP 400)");
    }
}
