//! Checks one case of a model's `smithy.rules#endpointTests` against a
//! generated resolver: the URL, the properties (`authSchemes` among them)
//! and the headers it expects, or the error message.
//!
//! The runtime carries one partition table, newer than many models: a model
//! published before a partition gained dual-stack support expects that
//! partition's dual-stack endpoints to be refused. Such a case is checked
//! again with the partitions' FIPS and dual-stack support as the model's
//! day had them; when that matches, the case is reported as partition drift
//! (the resolver follows today's table), never silently passed.

use std::collections::BTreeMap;

use super::partitions::{resolved_partition, with_capabilities};
use super::{Endpoint, EndpointError, EndpointParams, ResolveEndpoint, RuleValue};
use crate::json::{self, Value};

/// How a case compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseOutcome {
    /// The resolver gives what the case expects.
    Matches,
    /// The resolver differs only because a partition's capabilities changed
    /// since the model was published; the text says which.
    PartitionDrift(String),
}

/// Compares `resolve(params)` with `expect`, the case's `expect` object as JSON text.
pub fn check(
    resolve: impl Fn(&EndpointParams) -> Result<Endpoint, EndpointError>,
    params: &EndpointParams,
    expect: &str,
) -> Result<CaseOutcome, String> {
    let expect = json::parse(expect.as_bytes()).map_err(|e| format!("the expectation is not JSON: {e}"))?;
    let mismatch = match compare(&resolve(params), &expect)? {
        None => return Ok(CaseOutcome::Matches),
        Some(m) => m,
    };
    if let Some(region) = &params.region {
        let today = resolved_partition(region);
        for (fips, dual) in [(None, Some(!today.supports_dual_stack)), (Some(!today.supports_fips), None)] {
            if with_capabilities(fips, dual, || compare(&resolve(params), &expect)).ok().flatten().is_none() {
                let what = match (fips, dual) {
                    (Some(f), _) => format!("FIPS support {f}"),
                    (_, Some(d)) => format!("dual-stack support {d}"),
                    _ => unreachable!("one capability is flipped"),
                };
                return Ok(CaseOutcome::PartitionDrift(format!(
                    "the case expects partition {} with {what}, as an older partition table had it; today's table says otherwise ({mismatch})",
                    today.name
                )));
            }
        }
    }
    Err(mismatch)
}

/// [`check`] as a test: panics with the difference, prints partition drift.
pub fn assert_case(resolve: ResolveEndpoint, params: &EndpointParams, expect: &str) {
    match check(resolve, params, expect) {
        Ok(CaseOutcome::Matches) => {}
        Ok(CaseOutcome::PartitionDrift(why)) => println!("partition drift: {why}"),
        Err(why) => panic!("endpoint test case failed: {why}\nparams: {params:?}"),
    }
}

/// `None` when `got` is what `expect` says, else what differs.
fn compare(got: &Result<Endpoint, EndpointError>, expect: &Value) -> Result<Option<String>, String> {
    if let Some(message) = expect.get("error") {
        let message = message.as_str().ok_or("the expected error is not a string")?;
        return Ok(match got {
            Err(EndpointError(m)) if m == message => None,
            Err(EndpointError(m)) => Some(format!("expected the error {message:?}, got the error {m:?}")),
            Ok(e) => Some(format!("expected the error {message:?}, got the endpoint {}", e.url)),
        });
    }
    let want = expect.get("endpoint").ok_or("the case expects neither an endpoint nor an error")?;
    let url = want.get("url").and_then(Value::as_str).ok_or("the expected endpoint has no url")?;
    let got = match got {
        Ok(e) => e,
        Err(EndpointError(m)) => return Ok(Some(format!("expected the endpoint {url}, got the error {m:?}"))),
    };
    if got.url != url {
        return Ok(Some(format!("expected the endpoint {url}, got {}", got.url)));
    }
    let properties: BTreeMap<String, RuleValue> = match want.get("properties") {
        Some(Value::Object(p)) => p.iter().map(|(k, v)| (k.clone(), RuleValue::from_json(v))).collect(),
        _ => BTreeMap::new(),
    };
    if got.properties != properties {
        return Ok(Some(format!("expected the properties {properties:?}, got {:?}", got.properties)));
    }
    let headers: BTreeMap<String, RuleValue> = match want.get("headers") {
        Some(Value::Object(h)) => h.iter().map(|(k, v)| (k.clone(), RuleValue::from_json(v))).collect(),
        _ => BTreeMap::new(),
    };
    let got_headers: BTreeMap<String, RuleValue> =
        got.headers.iter().map(|(k, v)| (k.clone(), RuleValue::strings(v.iter().cloned()))).collect();
    if got_headers != headers {
        return Ok(Some(format!("expected the headers {headers:?}, got {got_headers:?}")));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(params: &EndpointParams) -> Result<Endpoint, EndpointError> {
        // Refuses dual-stack where the partition does not support it, as AWS's rules do.
        let region = params.region.as_deref().unwrap_or("us-east-1");
        if params.use_dual_stack && !resolved_partition(region).supports_dual_stack {
            return Err(EndpointError("DualStack is enabled but this partition does not support DualStack".into()));
        }
        let mut e = Endpoint::from_url(format!("https://svc.{region}.example"));
        if params.get("Auth").is_some() {
            e.properties.insert(
                "authSchemes".into(),
                RuleValue::Array(vec![RuleValue::Object(BTreeMap::from([("name".into(), RuleValue::Str("sigv4a".into()))]))]),
            );
        }
        Ok(e)
    }

    fn params(region: &str, dual: bool) -> EndpointParams {
        EndpointParams { region: Some(region.into()), use_dual_stack: dual, ..EndpointParams::default() }
    }

    #[test]
    fn urls_properties_and_errors_compare() {
        assert_eq!(
            check(fixed, &params("us-east-1", false), r#"{"endpoint":{"url":"https://svc.us-east-1.example"}}"#),
            Ok(CaseOutcome::Matches)
        );
        assert!(check(fixed, &params("us-east-1", false), r#"{"endpoint":{"url":"https://other"}}"#)
            .unwrap_err()
            .contains("https://other"));
        let mut p = params("us-east-1", false);
        p.extra.push(("Auth", RuleValue::Bool(true)));
        let want = r#"{"endpoint":{"url":"https://svc.us-east-1.example","properties":{"authSchemes":[{"name":"sigv4a"}]}}}"#;
        assert_eq!(check(fixed, &p, want), Ok(CaseOutcome::Matches));
        // A missing property is a difference, not a pass.
        assert!(check(fixed, &p, r#"{"endpoint":{"url":"https://svc.us-east-1.example"}}"#).unwrap_err().contains("properties"));
        assert!(check(fixed, &params("us-east-1", false), r#"{"error":"x"}"#).unwrap_err().contains("got the endpoint"));
    }

    #[test]
    fn a_case_written_for_an_older_partition_table_is_drift() {
        // Today's table gives aws-iso dual-stack; a model of early 2025 expects it refused.
        assert!(resolved_partition("us-iso-east-1").supports_dual_stack);
        let expect = r#"{"error":"DualStack is enabled but this partition does not support DualStack"}"#;
        match check(fixed, &params("us-iso-east-1", true), expect) {
            Ok(CaseOutcome::PartitionDrift(why)) => assert!(why.contains("aws-iso") && why.contains("dual-stack support false"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Rules that build a FIPS host on the dual-stack suffix (AWS's newer global services) expected the plain
        // suffix where an older table gave it as the dual-stack one.
        let suffix = |p: &EndpointParams| -> Result<Endpoint, EndpointError> {
            let partition = resolved_partition(p.region.as_deref().unwrap_or_default());
            Ok(Endpoint::from_url(format!("https://svc-fips.{}.{}", partition.implicit_global_region, partition.dual_stack_dns_suffix)))
        };
        let expect = r#"{"endpoint":{"url":"https://svc-fips.us-iso-east-1.c2s.ic.gov"}}"#;
        assert!(matches!(check(suffix, &params("us-iso-east-1", false), expect), Ok(CaseOutcome::PartitionDrift(_))));
        // A difference that no capability explains stays a failure.
        assert!(check(fixed, &params("us-iso-east-1", false), r#"{"error":"nope"}"#).is_err());
    }
}
