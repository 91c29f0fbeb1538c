//! The auth scheme an endpoint asks for: the resolved endpoint's
//! `authSchemes` property lists schemes in the order the service prefers
//! them; the client signs with the first one it implements, with that
//! scheme's signing name and region in place of the service's defaults.

use super::{Endpoint, RuleValue};

/// How to sign requests to an endpoint (SigV4, the one scheme implemented).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthScheme {
    /// The signing name in place of the service's (`signingName`).
    pub signing_name: Option<String>,
    /// The signing region in place of the configured one (`signingRegion`).
    pub signing_region: Option<String>,
}

/// The scheme to sign with: `None` when the endpoint names none (sign as the
/// service says), an error naming the schemes when none is implemented, so
/// that no request is ever signed in a way the endpoint does not accept.
pub fn choose(endpoint: &Endpoint) -> Result<Option<AuthScheme>, String> {
    let Some(RuleValue::Array(schemes)) = endpoint.properties.get("authSchemes") else { return Ok(None) };
    let field = |scheme: &RuleValue, name: &str| match scheme {
        RuleValue::Object(m) => match m.get(name) {
            Some(RuleValue::Str(s)) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    let mut names = Vec::new();
    for scheme in schemes {
        let name = field(scheme, "name").unwrap_or_default();
        if name == "sigv4" {
            return Ok(Some(AuthScheme { signing_name: field(scheme, "signingName"), signing_region: field(scheme, "signingRegion") }));
        }
        names.push(match name.as_str() {
            "sigv4a" => "sigv4a (SigV4a, signing for a set of regions)".to_owned(),
            "" => "a scheme without a name".to_owned(),
            other => other.to_owned(),
        });
    }
    Err(format!(
        "the endpoint {} accepts only the auth scheme {}, which this client does not implement; no request was sent",
        endpoint.url,
        names.join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn endpoint(schemes: &[&[(&str, &str)]]) -> Endpoint {
        let list = schemes
            .iter()
            .map(|s| RuleValue::Object(s.iter().map(|(k, v)| (k.to_string(), RuleValue::Str(v.to_string()))).collect::<BTreeMap<_, _>>()))
            .collect();
        let mut e = Endpoint::from_url("https://x.example");
        e.properties.insert("authSchemes".into(), RuleValue::Array(list));
        e
    }

    #[test]
    fn the_first_implemented_scheme_wins() {
        assert_eq!(choose(&Endpoint::from_url("https://x")), Ok(None));
        let e = endpoint(&[
            &[("name", "sigv4a"), ("signingName", "events")],
            &[("name", "sigv4"), ("signingName", "events"), ("signingRegion", "us-east-1")],
        ]);
        assert_eq!(choose(&e), Ok(Some(AuthScheme { signing_name: Some("events".into()), signing_region: Some("us-east-1".into()) })));
    }

    #[test]
    fn only_unimplemented_schemes_are_an_error_that_names_them() {
        let e = endpoint(&[&[("name", "sigv4a"), ("signingName", "events")]]);
        let why = choose(&e).unwrap_err();
        assert!(why.contains("sigv4a") && why.contains("https://x.example") && why.contains("no request was sent"), "{why}");
    }
}
