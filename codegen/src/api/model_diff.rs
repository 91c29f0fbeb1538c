//! The model changes the API surface does not show. The surface diff sees
//! what users compile against; a model can also change what a call does
//! without changing one signature (the endpoint rules, an error's HTTP
//! status, `@retryable`), or change in a way this tool has no rule for.
//! Every shape that differs between the two models is either explained by
//! a surface change (its own, or one of a shape that refers to it), or
//! classified here: behaviour for the traits whose meaning is known,
//! documentation for docs alone, and unclassified otherwise, named and
//! counted, never dropped.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::diff::{Change, Class};

/// Traits whose change alters what calls do, not the API, with what it means.
const BEHAVIOUR_TRAITS: [(&str, &str); 14] = [
    ("smithy.rules#endpointRuleSet", "the endpoint rules changed: calls may resolve to other endpoints"),
    ("smithy.rules#endpointBdd", "the endpoint decision diagram changed: calls may resolve to other endpoints"),
    ("smithy.rules#endpointTests", "the endpoint test cases changed"),
    ("smithy.api#retryable", "whether the error is retried changed"),
    ("smithy.api#httpError", "the error's HTTP status changed"),
    ("smithy.api#endpoint", "the operation's host prefix changed"),
    ("smithy.api#requestCompression", "whether requests are compressed changed"),
    ("smithy.rules#staticContextParams", "the operation's endpoint context parameters changed"),
    ("smithy.rules#operationContextParams", "the operation's endpoint context parameters changed"),
    ("aws.protocols#awsJson1_0", "the protocols the service lists changed: the client speaks the first it implements"),
    ("aws.protocols#awsJson1_1", "the protocols the service lists changed: the client speaks the first it implements"),
    ("smithy.protocols#rpcv2Cbor", "the protocols the service lists changed: the client speaks the first it implements"),
    ("aws.protocols#restJson1", "the protocols the service lists changed: the client speaks the first it implements"),
    ("aws.protocols#awsQueryCompatible", "whether error codes come from the query-compatible header changed"),
];

/// Changes for the shapes of `old` and `new` (JSON AST text) that differ and
/// that none of `surface_changes` explains.
pub fn unexplained(old: &str, new: &str, surface_changes: &[Change]) -> Result<Vec<Change>, String> {
    let parse = |text: &str| -> Result<BTreeMap<String, Value>, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        Ok(v.get("shapes").and_then(Value::as_object).map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
    };
    let (old, new) = (parse(old)?, parse(new)?);
    let explained: BTreeSet<&str> =
        surface_changes.iter().filter_map(|c| c.source.as_deref()).map(|s| s.split('$').next().unwrap_or(s)).collect();
    // Who refers to whom, in the new model and the old: a change of a shape shows in the surface of the shapes using it.
    let mut referrers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for shapes in [&old, &new] {
        for (id, shape) in shapes {
            let mut targets = Vec::new();
            collect_targets(shape, &mut targets);
            for t in targets {
                referrers.entry(t).or_default().insert(id.clone());
            }
        }
    }
    let name = |id: &str| id.rsplit('#').next().unwrap_or(id).to_owned();
    let is_explained = |id: &str| {
        // The shape, or a shape that refers to it (to any depth), changed in the surface.
        let mut seen = BTreeSet::new();
        let mut stack = vec![id.to_owned()];
        while let Some(s) = stack.pop() {
            // An operation's input and output are named after it in the crate (`ResolveCustomerOutput`).
            let n = name(&s);
            if [n.clone(), format!("{n}Input"), format!("{n}Output")].iter().any(|n| explained.contains(n.as_str())) {
                return true;
            }
            if seen.insert(s.clone()) {
                stack.extend(referrers.get(&s).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut out = Vec::new();
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for id in ids {
        let (was, now) = (old.get(id), new.get(id));
        if was == now {
            continue;
        }
        let (Some(was), Some(now)) = (was, now) else {
            // A shape added or removed shows in the surface when anything reaches it; one nothing reaches changes nothing.
            continue;
        };
        let traits = changed_traits(was, now);
        // A service's operations, resources and errors show in the surface (client methods, error variants).
        let rest_same = without_traits(&bindings_removed(was)) == without_traits(&bindings_removed(now));
        let known: Vec<&str> = traits.iter().filter_map(|t| BEHAVIOUR_TRAITS.iter().find(|(k, _)| k == t).map(|(_, m)| *m)).collect();
        let only_docs = rest_same && traits.iter().all(|t| t == "smithy.api#documentation");
        if is_explained(id) {
            continue;
        } else if rest_same && !known.is_empty() && known.len() == traits.iter().filter(|t| *t != "smithy.api#documentation").count() {
            out.push(model_change(Class::Behaviour, id, known.join("; ")));
        } else if only_docs {
            out.push(model_change(Class::Documentation, id, "documentation changed".into()));
        } else {
            let what = if rest_same {
                format!("traits changed ({}) in a way this tool has no rule for: review it", traits.join(", "))
            } else {
                "the shape changed without a change to the generated API that this tool can attribute to it: review it".to_owned()
            };
            out.push(model_change(Class::Unclassified, id, what));
        }
    }
    Ok(out)
}

fn model_change(class: Class, id: &str, what: String) -> Change {
    Change { class, item: format!("model shape {id}"), source: None, what }
}

fn collect_targets(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "traits" {
                    continue;
                }
                if k == "target" {
                    if let Some(t) = v.as_str() {
                        out.push(t.to_owned());
                    }
                }
                collect_targets(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_targets(i, out)),
        _ => {}
    }
}

/// The names of the traits that differ between two shapes (members' traits too).
fn changed_traits(a: &Value, b: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    let traits_of = |v: &Value| v.get("traits").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut compare = |x: &Value, y: &Value| {
        let (tx, ty) = (traits_of(x), traits_of(y));
        for k in tx.keys().chain(ty.keys()) {
            if tx.get(k) != ty.get(k) {
                out.insert(k.clone());
            }
        }
    };
    compare(a, b);
    let members = |v: &Value| v.get("members").and_then(Value::as_object).cloned().unwrap_or_default();
    let (ma, mb) = (members(a), members(b));
    for (k, m) in &ma {
        if let Some(n) = mb.get(k) {
            compare(m, n);
        }
    }
    out.into_iter().collect()
}

/// A service shape without what it binds.
fn bindings_removed(v: &Value) -> Value {
    match v {
        Value::Object(m) if v.get("type").and_then(Value::as_str) == Some("service") => Value::Object(
            m.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "operations" | "resources" | "errors"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The shape without any traits (its own or its members'), to tell trait-only changes apart.
fn without_traits(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().filter(|(k, _)| *k != "traits").map(|(k, v)| (k.clone(), without_traits(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(without_traits).collect()),
        other => other.clone(),
    }
}
