//! Endpoint resolution from the rule set and from the binary decision
//! diagram of the same model (`../shared/models/newest/`, whose Metering
//! and Entitlement models carry both): instructions per resolution under
//! callgrind, averaged over the model's own endpoint test cases, and the
//! size of what a generated crate embeds for each.

use std::path::{Path, PathBuf};

use mpkit_runtime::for_generated::{Bdd, EndpointParams, Ruleset};
use serde_json::Value;

/// The workloads, by the name `--profile` takes.
pub const WORKLOADS: [&str; 2] = ["endpoint-rules", "endpoint-bdd"];

fn model_path(root: &Path, service: &str) -> PathBuf {
    root.join("../shared/models/newest").join(format!("{service}.json"))
}

/// The service's two traits as text, and the parameters of each endpoint test case.
fn load(path: &Path) -> Option<(String, String, Vec<EndpointParams>)> {
    let model: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let service = model["shapes"].as_object()?.values().find(|s| s["type"] == "service")?.clone();
    let traits = &service["traits"];
    let rules = traits.get("smithy.rules#endpointRuleSet")?;
    let bdd = traits.get("smithy.rules#endpointBdd")?;
    let mut cases = Vec::new();
    for case in traits["smithy.rules#endpointTests"]["testCases"].as_array()? {
        let mut p = EndpointParams::default();
        for (k, v) in case["params"].as_object().into_iter().flatten() {
            match (rules["parameters"][k]["builtIn"].as_str(), v) {
                (Some("AWS::Region"), Value::String(s)) => p.region = Some(s.clone()),
                (Some("SDK::Endpoint"), Value::String(s)) => p.endpoint = Some(s.clone()),
                (Some("AWS::UseFIPS"), Value::Bool(b)) => p.use_fips = *b,
                (Some("AWS::UseDualStack"), Value::Bool(b)) => p.use_dual_stack = *b,
                _ => {}
            }
        }
        cases.push(p);
    }
    Some((rules.to_string(), bdd.to_string(), cases))
}

/// `--profile endpoint-*`: `PROFILE_CALLS` resolutions, cycling through the Metering model's cases.
pub fn profile(root: &Path, name: &str, calls: u64) {
    let (rules, bdd, cases) = load(&model_path(root, "marketplace-metering")).expect("the newest Metering model is readable");
    let (rules, bdd) = (Ruleset::parse(&rules).unwrap(), Bdd::parse(&bdd).unwrap());
    let resolve = |p: &EndpointParams| if name == "endpoint-bdd" { bdd.resolve(p) } else { rules.resolve(p) };
    // The warm-up is the same in every run, so it cancels out of the difference.
    for p in &cases {
        std::hint::black_box(resolve(std::hint::black_box(p))).ok();
    }
    for i in 0..calls {
        let p = &cases[i as usize % cases.len()];
        std::hint::black_box(resolve(std::hint::black_box(p))).ok();
    }
}

/// Prints the figures.
pub fn print(root: &Path, quick: bool) {
    println!("\nEndpoint resolution, rule set against BDD (the newest Marketplace models):\n");
    let Some((_, _, cases)) = load(&model_path(root, "marketplace-metering")) else {
        println!("skipped: ../shared/models/newest/marketplace-metering.json is absent or has no endpointBdd");
        return;
    };
    println!("| figure | rule set | BDD | BDD / rule set |");
    println!("| --- | ---: | ---: | ---: |");
    if crate::instructions::available() {
        // Whole passes over the cases, so every case weighs the same.
        let n = cases.len() as u64;
        let (a, b) = if quick { (n * 10, n * 30) } else { (n * 40, n * 120) };
        let count = |w: &str| crate::instructions::per_call_between(w, a, b);
        let (r, d) = (count("endpoint-rules"), count("endpoint-bdd"));
        let show = |v: Option<f64>| v.map(|n| format!("{n:.0}")).unwrap_or_else(|| "failed".into());
        let ratio = r.zip(d).map(|(r, d)| format!("{:.2}", d / r)).unwrap_or_default();
        println!("| instructions per resolution, Metering ({} cases) | {} | {} | {ratio} |", cases.len(), show(r), show(d));
    }
    for service in ["marketplace-metering", "marketplace-entitlement-service"] {
        if let Some((rules, bdd, _)) = load(&model_path(root, service)) {
            let (r, d) = (rules.len(), bdd.len());
            println!("| bytes the {service} crate embeds | {r} | {d} | {:.2} |", d as f64 / r as f64);
        }
    }
}
