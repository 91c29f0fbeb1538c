//! The two resolvers agree: every endpoint test case of every model in
//! `../shared/models/` that carries both `smithy.rules#endpointRuleSet` and
//! `smithy.rules#endpointBdd` is resolved by the rule-set interpreter and by
//! the diagram, and both must give what the case expects, the URL, the
//! properties and the headers, or the error message.

use std::path::{Path, PathBuf};

use integration_tests::shared_dir;
use mpkit_runtime::for_generated::{check_endpoint_case as check, Bdd, CaseOutcome, Ruleset};
use mpkit_runtime::for_generated::{EndpointParams, RuleValue};
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}

/// A case's parameters, the four configured built-ins by field and every other by name.
fn params(rules: &Value, case: &Value) -> EndpointParams {
    let mut p = EndpointParams::default();
    for (k, v) in case.get("params").and_then(Value::as_object).into_iter().flatten() {
        let builtin = rules["parameters"].get(k).and_then(|s| s.get("builtIn")).and_then(Value::as_str);
        match (builtin, v) {
            (Some("AWS::Region"), Value::String(s)) => p.region = Some(s.clone()),
            (Some("SDK::Endpoint"), Value::String(s)) => p.endpoint = Some(s.clone()),
            (Some("AWS::UseFIPS"), Value::Bool(b)) => p.use_fips = *b,
            (Some("AWS::UseDualStack"), Value::Bool(b)) => p.use_dual_stack = *b,
            _ => {
                let name: &'static str = Box::leak(k.clone().into_boxed_str());
                p.extra.push((name, rule_value(v)));
            }
        }
    }
    p
}

fn rule_value(v: &Value) -> RuleValue {
    match v {
        Value::Bool(b) => RuleValue::Bool(*b),
        Value::String(s) => RuleValue::Str(s.clone()),
        Value::Number(n) => n.as_i64().map_or(RuleValue::None, RuleValue::Int),
        Value::Array(items) => RuleValue::Array(items.iter().map(rule_value).collect()),
        Value::Object(m) => RuleValue::Object(m.iter().map(|(k, v)| (k.clone(), rule_value(v))).collect()),
        Value::Null => RuleValue::None,
    }
}

#[test]
fn every_case_of_every_model_with_both_traits_resolves_the_same_both_ways() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: ../shared/ is absent");
        return;
    };
    let mut files = Vec::new();
    json_files(&shared.join("models"), &mut files);
    files.sort();
    let (mut models, mut cases) = (0, 0);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if !text.contains("smithy.rules#endpointBdd") {
            continue;
        }
        let model: Value = serde_json::from_str(&text).unwrap();
        let Some(service) = model["shapes"].as_object().and_then(|s| s.values().find(|v| v["type"] == "service")) else { continue };
        let traits = &service["traits"];
        let (Some(rules), Some(bdd)) = (traits.get("smithy.rules#endpointRuleSet"), traits.get("smithy.rules#endpointBdd")) else {
            continue;
        };
        let ruleset = Ruleset::parse(&rules.to_string()).unwrap();
        let diagram = Bdd::parse(&bdd.to_string()).unwrap();
        models += 1;
        let tests = traits["smithy.rules#endpointTests"]["testCases"].as_array().cloned().unwrap_or_default();
        assert!(!tests.is_empty(), "{} has no endpoint tests", file.display());
        for (i, case) in tests.iter().enumerate() {
            let p = params(rules, case);
            assert_eq!(ruleset.resolve(&p), diagram.resolve(&p), "{} case {}: the two resolvers differ", file.display(), i + 1);
            cases += 1;
        }
        // And the diagram gives what each case expects.
        for (i, case) in tests.iter().enumerate() {
            match check(|p| diagram.resolve(p), &params(rules, case), &case["expect"].to_string()) {
                Ok(CaseOutcome::Matches | CaseOutcome::PartitionDrift(_)) => {}
                Err(why) => panic!("{} case {} through the BDD: {why}", file.display(), i + 1),
            }
        }
    }
    assert!(models >= 2, "the newest Metering and Entitlement models carry both traits; found {models} models");
    eprintln!("{models} models, {cases} cases: rule set and BDD agree, and match every expectation");
}
