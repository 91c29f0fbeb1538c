//! The generator never panics on a bad model: the metering model is broken
//! in many ways (shapes removed or turned into other kinds, members
//! retargeted, trait values of the wrong type), and each run must end in an
//! error naming a shape, or in a crate that renders.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Value};
use xtask::codegen::workspace_root;

fn base() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("model/marketplace-metering.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Runs every stage but rendering; `Err` must name what is wrong.
fn run(model: &Value) -> Result<(), String> {
    run_named(model, "a mutation")
}

fn run_named(model: &Value, what: &str) -> Result<(), String> {
    let text = model.to_string();
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(), codegen::Error> {
        let ast = codegen::ast::load(&text)?;
        let service = codegen::validate::validate(&ast)?;
        let shapes = codegen::normalise::normalise(&ast)?;
        codegen::validate::check_normalised(&shapes, &service)?;
        let protocol = codegen::validate::protocol_of(&ast, &service, None)?;
        let ir = codegen::lower::lower(&ast, &shapes, &service, protocol)?;
        codegen::naming::check(&ir)?;
        codegen::emit::emit(&ir, &codegen::Options::default())?;
        Ok(())
    }));
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => panic!("the generator panicked on {what}"),
    }
}

fn assert_named(err: &str, what: &str) {
    assert!(err.contains('#') || err.starts_with("shape model") || err.contains("line"), "{what}: error names nothing: {err}");
}

#[test]
fn mutated_models_give_errors_not_panics() {
    let original = base();
    let ids: Vec<String> = original["shapes"].as_object().unwrap().keys().cloned().collect();
    let replacements = [
        json!({"type": "string"}),
        json!({"type": "structure"}),
        json!({"type": "structure", "traits": {"smithy.api#error": "client"}}),
        json!({"type": "list", "member": {"target": "smithy.api#String"}}),
        json!({"type": "map", "key": {"target": "smithy.api#Integer"}, "value": {"target": "smithy.api#String"}}),
        json!({"type": "union", "members": {}}),
        json!({"type": "enum", "members": {"A": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": 5}}}}),
        json!({"type": "intEnum", "members": {"A": {"target": "smithy.api#Unit"}}}),
        json!({"type": "operation", "input": {"target": "smithy.api#String"}}),
        json!({"type": "service"}),
        json!({"type": "resource", "operations": [{"target": "com.amazonaws.marketplacemetering#Tag"}]}),
        json!({"type": "apply", "traits": {}}),
        json!({"type": "bogus"}),
        json!({"type": "structure", "mixins": [{"target": "com.amazonaws.marketplacemetering#Tag"}]}),
    ];
    let (mut errors, mut oks) = (0, 0);
    for id in &ids {
        let mut removed = original.clone();
        removed["shapes"].as_object_mut().unwrap().remove(id);
        match run_named(&removed, &format!("removing {id}")) {
            Ok(()) => oks += 1,
            Err(e) => {
                assert_named(&e, &format!("removing {id}"));
                errors += 1;
            }
        }
        for r in &replacements {
            let mut m = original.clone();
            m["shapes"][id] = r.clone();
            match run_named(&m, &format!("replacing {id} with {r}")) {
                Ok(()) => oks += 1,
                Err(e) => {
                    assert_named(&e, &format!("replacing {id} with {r}"));
                    errors += 1;
                }
            }
        }
    }
    assert!(errors > ids.len() * 5, "most mutations must be refused ({errors} refused, {oks} accepted)");
}

#[test]
fn malformed_trait_values_give_errors_not_panics() {
    let original = base();
    let bad_traits = [
        ("smithy.api#length", json!("x")),
        ("smithy.api#length", json!({"min": -1})),
        ("smithy.api#range", json!({"min": "a"})),
        ("smithy.api#default", json!({"not": "empty"})),
        ("smithy.api#default", json!([1])),
        ("smithy.api#timestampFormat", json!(5)),
        ("smithy.api#timestampFormat", json!("sometime")),
        ("smithy.api#deprecated", json!({"message": 1})),
        ("smithy.api#pattern", json!(7)),
        ("smithy.api#enumValue", json!([])),
        ("smithy.api#streaming", json!({})),
    ];
    let mut runs = 0;
    let shapes = original["shapes"].as_object().unwrap().clone();
    for (id, shape) in &shapes {
        let Some(members) = shape.get("members").and_then(Value::as_object) else { continue };
        for name in members.keys() {
            for (t, v) in &bad_traits {
                let mut m = original.clone();
                m["shapes"][id]["members"][name]["traits"] = json!({ *t: v.clone() });
                if let Err(e) = run_named(&m, &format!("{t} = {v} on {id}${name}")) {
                    assert_named(&e, &format!("{t} = {v} on {id}${name}"));
                }
                runs += 1;
            }
            let mut retargeted = original.clone();
            retargeted["shapes"][id]["members"][name]["target"] = json!("com.amazonaws.marketplacemetering#MeterUsage");
            assert!(run(&retargeted).is_err(), "{id}${name} targeting an operation must be refused");
        }
    }
    assert!(runs > 300);
}

#[test]
fn broken_json_reports_its_position() {
    let text = "{\n  \"smithy\": \"2.0\",\n  \"shapes\": {\n    \"a#B\": {\"type\": \"string\",}\n  }\n}";
    let err = codegen::generate(text, &codegen::Options::default()).unwrap_err().to_string();
    assert!(err.contains("line 4, column"), "{err}");
}
