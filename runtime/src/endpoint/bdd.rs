//! Endpoint resolution from a binary decision diagram
//! (`smithy.rules#endpointBdd`): the same parameters, conditions and
//! results as a rule set, with the decision structure as nodes.
//!
//! `nodes` is base64 of big-endian `i32` triples `[condition, high, low]`.
//! A reference `r` is: `1` or `-1`, the terminals (no match); at least
//! 100,000,000, a result (`r - 100_000_000`: 0 is no match, `k` the
//! `results[k - 1]` of the trait); else node `|r| - 1`, whose condition's
//! answer is negated when `r` is negative (a complement edge). Conditions
//! are the rule-set conditions, `assign` included; results are endpoint or
//! error rules without conditions. Every reference is checked when the
//! diagram is parsed, and a walk takes at most one step per node, so a
//! malformed diagram is an error, never a loop.

use super::rules::{bind_parameters, condition_holds, evaluate_rule, parsed_once};
use super::{Endpoint, EndpointError, EndpointParams};
use crate::json::{self, Value};

const RESULT_OFFSET: i32 = 100_000_000;

/// A parsed decision diagram.
#[derive(Debug)]
pub struct Bdd {
    parameters: Vec<(String, Value)>,
    conditions: Vec<Value>,
    results: Vec<Value>,
    nodes: Vec<[i32; 3]>,
    root: i32,
}

fn err(message: impl Into<String>) -> EndpointError {
    EndpointError(message.into())
}

impl Bdd {
    /// Parses the JSON of an `endpointBdd` trait and checks every reference.
    pub fn parse(text: &str) -> Result<Bdd, EndpointError> {
        let value = json::parse(text.as_bytes()).map_err(|e| err(format!("the endpoint BDD is not valid JSON: {e}")))?;
        let list = |k: &str| match value.get(k) {
            Some(Value::Array(a)) => Ok(a.clone()),
            _ => Err(err(format!("the endpoint BDD has no {k} array"))),
        };
        let parameters = match value.get("parameters") {
            Some(Value::Object(p)) => p.clone(),
            _ => return Err(err("the endpoint BDD has no parameters object")),
        };
        let (conditions, results) = (list("conditions")?, list("results")?);
        let encoded = value.get("nodes").and_then(Value::as_str).ok_or_else(|| err("the endpoint BDD has no nodes string"))?;
        let bytes = crate::primitives::base64_decode(encoded).map_err(|e| err(format!("the endpoint BDD's nodes are not base64: {e}")))?;
        if bytes.len() % 12 != 0 {
            return Err(err(format!("the endpoint BDD's nodes are {} bytes, not a whole number of 12-byte nodes", bytes.len())));
        }
        let int = |b: &[u8]| i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let nodes: Vec<[i32; 3]> = bytes.chunks_exact(12).map(|n| [int(&n[0..4]), int(&n[4..8]), int(&n[8..12])]).collect();
        if let Some(Value::Number(n)) = value.get("nodeCount") {
            let count: usize = n.parse().map_err(|_| err(format!("the endpoint BDD's nodeCount {n} is not a count")))?;
            if count != nodes.len() {
                return Err(err(format!("the endpoint BDD says nodeCount {count} but has {} nodes", nodes.len())));
            }
        }
        let root = match value.get("root") {
            Some(Value::Number(n)) => n.parse::<i32>().map_err(|_| err(format!("the endpoint BDD's root {n} is not a reference")))?,
            _ => return Err(err("the endpoint BDD has no root")),
        };
        let bdd = Bdd { parameters, conditions, results, nodes, root };
        bdd.check_ref(root)?;
        for (i, [condition, high, low]) in bdd.nodes.iter().enumerate() {
            // Node 0 is the terminal node, [-1, 1, -1]; it is never walked.
            if i > 0 && (*condition < 0 || *condition as usize >= bdd.conditions.len()) {
                return Err(err(format!("endpoint BDD node {i} names condition {condition}, of {}", bdd.conditions.len())));
            }
            bdd.check_ref(*high)?;
            bdd.check_ref(*low)?;
        }
        Ok(bdd)
    }

    fn check_ref(&self, r: i32) -> Result<(), EndpointError> {
        let ok = match r {
            1 | -1 => true,
            r if r >= RESULT_OFFSET => (r - RESULT_OFFSET) as usize <= self.results.len(),
            0 | i32::MIN => false,
            r => (r.unsigned_abs() as usize) <= self.nodes.len(),
        };
        if ok {
            Ok(())
        } else {
            Err(err(format!("the endpoint BDD has a reference {r} to no node or result")))
        }
    }

    /// Resolves the endpoint for `params`.
    pub fn resolve(&self, params: &EndpointParams) -> Result<Endpoint, EndpointError> {
        let mut scope = bind_parameters(&self.parameters, params)?;
        let mut r = self.root;
        for _ in 0..=self.nodes.len() {
            if r == 1 || r == -1 {
                break;
            }
            if r >= RESULT_OFFSET {
                let k = (r - RESULT_OFFSET) as usize;
                if k == 0 {
                    break;
                }
                // Checked when parsed: results[k - 1] exists.
                return match evaluate_rule(&self.results[k - 1], &mut scope)? {
                    Some(endpoint) => Ok(endpoint),
                    None => Err(err("an endpoint BDD result is neither an endpoint nor an error")),
                };
            }
            let [condition, high, low] = self.nodes[r.unsigned_abs() as usize - 1];
            let holds = condition_holds(&self.conditions[condition as usize], &mut scope)?;
            r = if holds != (r < 0) { high } else { low };
        }
        if r != 1 && r != -1 && r != RESULT_OFFSET {
            return Err(err("the endpoint BDD walks in a cycle"));
        }
        Err(err("no endpoint rule matched the parameters"))
    }
}

/// Parses `bdd` (once per process for the same text) and resolves `params`.
pub fn resolve(bdd: &'static str, params: &EndpointParams) -> Result<Endpoint, EndpointError> {
    parsed_once(bdd, Bdd::parse)?.resolve(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::base64_encode;

    fn nodes(triples: &[[i32; 3]]) -> String {
        base64_encode(&triples.iter().flat_map(|t| t.iter().flat_map(|n| n.to_be_bytes())).collect::<Vec<u8>>())
    }

    /// `UseFIPS ? fips : (Region set ? regional : error)`; `complemented` reaches the
    /// region node through a complement edge, its branches swapped: the same function.
    fn bdd(complemented: bool) -> String {
        let cond_region = r#"{"fn":"isSet","argv":[{"ref":"Region"}]}"#;
        let (region_ref, region_node) =
            if complemented { (-3, [1, RESULT_OFFSET + 3, RESULT_OFFSET + 2]) } else { (3, [1, RESULT_OFFSET + 2, RESULT_OFFSET + 3]) };
        let t = [[-1, 1, -1], [0, RESULT_OFFSET + 1, region_ref], region_node];
        format!(
            r#"{{"version":"1.1","parameters":{{"Region":{{"builtIn":"AWS::Region","required":false,"type":"string"}},
            "UseFIPS":{{"builtIn":"AWS::UseFIPS","required":true,"default":false,"type":"boolean"}}}},
            "conditions":[{{"fn":"booleanEquals","argv":[{{"ref":"UseFIPS"}},true]}},{cond_region}],
            "results":[{{"conditions":[],"endpoint":{{"url":"https://fips.{{Region}}.example","properties":{{}},"headers":{{}}}},"type":"endpoint"}},
                       {{"conditions":[],"endpoint":{{"url":"https://svc.{{Region}}.example","properties":{{}},"headers":{{}}}},"type":"endpoint"}},
                       {{"conditions":[],"error":"Missing Region","type":"error"}}],
            "root":2,"nodeCount":3,"nodes":"{}"}}"#,
            nodes(&t)
        )
    }

    fn resolve_with(b: &Bdd, region: Option<&str>, fips: bool) -> Result<String, String> {
        let params = EndpointParams { region: region.map(str::to_owned), use_fips: fips, ..EndpointParams::default() };
        b.resolve(&params).map(|e| e.url).map_err(|e| e.0)
    }

    #[test]
    fn walks_conditions_to_results_and_follows_complement_edges() {
        for complemented in [false, true] {
            let b = Bdd::parse(&bdd(complemented)).unwrap();
            assert_eq!(resolve_with(&b, Some("us-west-2"), false).unwrap(), "https://svc.us-west-2.example");
            assert_eq!(resolve_with(&b, Some("us-west-2"), true).unwrap(), "https://fips.us-west-2.example");
            assert_eq!(resolve_with(&b, None, false).unwrap_err(), "Missing Region");
        }
    }

    #[test]
    fn malformed_diagrams_are_errors() {
        let good = bdd(false);
        let bad_nodes = good.replace(&nodes(&[[-1, 1, -1], [0, RESULT_OFFSET + 1, 3], [1, RESULT_OFFSET + 2, RESULT_OFFSET + 3]]), "AAAA");
        assert!(Bdd::parse(&bad_nodes).unwrap_err().0.contains("12-byte"));
        let dangling = good.replace(
            &nodes(&[[-1, 1, -1], [0, RESULT_OFFSET + 1, 3], [1, RESULT_OFFSET + 2, RESULT_OFFSET + 3]]),
            &nodes(&[[-1, 1, -1], [0, RESULT_OFFSET + 9, 3], [1, RESULT_OFFSET + 2, RESULT_OFFSET + 3]]),
        );
        assert!(Bdd::parse(&dangling).unwrap_err().0.contains("reference"));
        // A node that points back at itself is refused when walked, not looped on.
        let cycle = good.replace(
            &nodes(&[[-1, 1, -1], [0, RESULT_OFFSET + 1, 3], [1, RESULT_OFFSET + 2, RESULT_OFFSET + 3]]),
            &nodes(&[[-1, 1, -1], [0, RESULT_OFFSET + 1, 2], [1, RESULT_OFFSET + 2, RESULT_OFFSET + 3]]),
        );
        let b = Bdd::parse(&cycle).unwrap();
        assert_eq!(resolve_with(&b, Some("x"), false).unwrap_err(), "the endpoint BDD walks in a cycle");
    }
}
