//! Fixture pairs for every class of change: a small service, changed one
//! fact at a time, through the whole pipeline.

use serde_json::{json, Value};

use super::{diff_models, Bump, Change, Class};
use crate::Options;

/// A service with one operation, a structure with a required member, an
/// enum, a list and an error: every kind of item a change can touch.
fn base() -> Value {
    json!({
        "smithy": "2.0",
        "shapes": {
            "ex#Svc": {
                "type": "service", "version": "2024-01-01",
                "operations": [{"target": "ex#Put"}],
                "traits": {
                    "aws.protocols#awsJson1_0": {}, "aws.auth#sigv4": {"name": "ex"},
                    "aws.api#service": {"sdkId": "Ex"}, "smithy.api#documentation": "A service."
                }
            },
            "ex#Put": {
                "type": "operation",
                "input": {"target": "ex#PutInput"}, "output": {"target": "ex#PutOutput"},
                "errors": [{"target": "ex#Bad"}],
                "traits": {"smithy.api#documentation": "Puts a thing."}
            },
            "ex#PutInput": {
                "type": "structure",
                "members": {
                    "Name": {"target": "ex#Name", "traits": {"smithy.api#required": {}}},
                    "Thing": {"target": "ex#Thing"},
                    "Color": {"target": "ex#Color"}
                },
                "traits": {"smithy.api#input": {}}
            },
            "ex#PutOutput": {
                "type": "structure",
                "members": {"Id": {"target": "smithy.api#String"}, "Things": {"target": "ex#Things"}},
                "traits": {"smithy.api#output": {}}
            },
            "ex#Name": {"type": "string", "traits": {"smithy.api#length": {"min": 1, "max": 10}}},
            "ex#Thing": {
                "type": "structure",
                "members": {
                    "Size": {"target": "smithy.api#Integer", "traits": {"smithy.api#required": {}}},
                    "Label": {"target": "smithy.api#String", "traits": {"smithy.api#documentation": "The label."}}
                }
            },
            "ex#Things": {"type": "list", "member": {"target": "ex#Thing"}},
            "ex#Color": {
                "type": "enum",
                "members": {
                    "RED": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "red"}},
                    "BLUE": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "blue"}}
                }
            },
            "ex#Bad": {
                "type": "structure",
                "members": {"message": {"target": "smithy.api#String"}},
                "traits": {"smithy.api#error": "client"}
            },
            "ex#Worse": {
                "type": "structure",
                "members": {"message": {"target": "smithy.api#String"}},
                "traits": {"smithy.api#error": "server"}
            }
        }
    })
}

/// The changes from the base model to the base changed by `edit`.
fn changes(edit: impl FnOnce(&mut Value)) -> Vec<Change> {
    let old = base();
    let mut new = base();
    edit(&mut new);
    let options = Options { package: Some("ex".into()), ..Options::default() };
    diff_models(&old.to_string(), &new.to_string(), &options).unwrap()
}

/// The changes of `class`, as `item: what`.
fn of(changes: &[Change], class: Class) -> Vec<String> {
    changes.iter().filter(|c| c.class == class).map(|c| format!("{}: {}", c.item, c.what)).collect()
}

fn shape<'a>(model: &'a mut Value, id: &str) -> &'a mut Value {
    &mut model["shapes"][id]
}

#[test]
fn an_unchanged_model_has_no_changes() {
    assert_eq!(changes(|_| {}), vec![]);
    assert_eq!(Bump::of(&[]), Bump::None);
}

#[test]
fn a_member_made_optional_breaks_its_getter_and_the_builder() {
    let c = changes(|m| {
        shape(m, "ex#Thing")["members"]["Size"]["traits"] = json!({});
    });
    let breaking = of(&c, Class::Breaking);
    assert!(breaking.contains(&"types::Thing::size: now optional: returns `Option<i32>`, was `i32`".to_owned()), "{breaking:#?}");
    assert!(breaking.contains(&"types::Thing.size: now optional: `Option<i32>`, was `i32`".to_owned()), "{breaking:#?}");
    let build = breaking.iter().find(|b| b.starts_with("types::builders::ThingBuilder::build: can no longer fail")).expect("build()");
    assert!(build.contains("returns `Thing`, was `Result<Thing, BuildError>`"), "{build}");
    let source = c.iter().find(|c| c.item == "types::Thing::size").and_then(|c| c.source.clone());
    assert_eq!(source.as_deref(), Some("Thing$Size"));
    assert_eq!(Bump::of(&c), Bump::Major);
}

#[test]
fn a_wider_integer_is_breaking() {
    let c = changes(|m| {
        shape(m, "ex#Thing")["members"]["Size"]["target"] = json!("smithy.api#Long");
    });
    let breaking = of(&c, Class::Breaking);
    assert!(breaking.contains(&"types::Thing::size: returns `i64`, was `i32`".to_owned()), "{breaking:#?}");
}

#[test]
fn a_removed_enum_value_is_breaking_and_an_added_one_additive() {
    let c = changes(|m| {
        let members = shape(m, "ex#Color")["members"].as_object_mut().unwrap();
        members.remove("BLUE");
        members.insert("GREEN".into(), json!({"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "green"}}));
    });
    let breaking = of(&c, Class::Breaking);
    assert!(breaking.iter().any(|b| b.starts_with("types::Color::Blue: removed")), "{breaking:#?}");
    let additive = of(&c, Class::Additive);
    assert!(additive.contains(&"types::Color::Green: variant added".to_owned()), "{additive:#?}");
    assert!(additive.contains(&"types::Color::Green (wire value): added: \"green\"".to_owned()), "{additive:#?}");
}

#[test]
fn a_changed_wire_value_is_breaking() {
    let c = changes(|m| {
        shape(m, "ex#Color")["members"]["RED"]["traits"]["smithy.api#enumValue"] = json!("Red");
    });
    assert_eq!(of(&c, Class::Breaking), vec!["types::Color::Red (wire value): sent and read as \"Red\" (was \"red\")".to_owned()]);
}

#[test]
fn a_new_operation_member_and_error_are_additive() {
    let c = changes(|m| {
        shape(m, "ex#Svc")["operations"].as_array_mut().unwrap().push(json!({"target": "ex#Get"}));
        m["shapes"]["ex#Get"] =
            json!({"type": "operation", "input": {"target": "smithy.api#Unit"}, "output": {"target": "smithy.api#Unit"}});
        shape(m, "ex#Thing")["members"]["Weight"] = json!({"target": "smithy.api#Double"});
        shape(m, "ex#Put")["errors"].as_array_mut().unwrap().push(json!({"target": "ex#Worse"}));
    });
    assert_eq!(of(&c, Class::Breaking), Vec::<String>::new());
    let additive = of(&c, Class::Additive);
    for expected in [
        "client::Client::get: added",
        "operation::get: module added",
        "types::Thing::weight: added",
        "types::Thing.weight: field added",
        "operation::put::PutError::Worse: variant added",
    ] {
        assert!(additive.iter().any(|a| a.starts_with(expected)), "{expected} in {additive:#?}");
    }
    assert_eq!(Bump::of(&c), Bump::Minor);
}

#[test]
fn a_new_required_input_member_and_a_tighter_constraint_are_breaking() {
    let c = changes(|m| {
        shape(m, "ex#PutInput")["members"]["Color"]["traits"] = json!({"smithy.api#required": {}});
        shape(m, "ex#Name")["traits"]["smithy.api#length"] = json!({"min": 1, "max": 8});
    });
    let breaking = of(&c, Class::Breaking);
    assert!(breaking.iter().any(|b| b.starts_with("operation::put::PutInput.color (required): now required")), "{breaking:#?}");
    assert!(breaking.contains(&"operation::put::PutInput.name (length max): tightened: length max 8 (was 10)".to_owned()), "{breaking:#?}");
}

#[test]
fn required_members_of_a_new_operation_and_type_case_in_endpoint_parameters_break_nothing() {
    let c = changes(|m| {
        shape(m, "ex#Svc")["operations"].as_array_mut().unwrap().push(json!({"target": "ex#Get"}));
        m["shapes"]["ex#Get"] = json!({"type": "operation", "input": {"target": "ex#GetInput"}, "output": {"target": "smithy.api#Unit"}});
        m["shapes"]["ex#GetInput"] =
            json!({"type": "structure", "members": {"Id": {"target": "smithy.api#String", "traits": {"smithy.api#required": {}}}}});
    });
    assert_eq!(of(&c, Class::Breaking), Vec::<String>::new());
    assert!(of(&c, Class::Additive).contains(&"operation::get::GetInput.id (required): required (a member of a new input)".to_owned()));

    // AWS's newer models write endpoint parameter types in lower case ("string" for "String"): the same API.
    let rules = |ty: &str| {
        json!({"version": "1.0", "parameters": {"Region": {"builtIn": "AWS::Region", "required": false, "type": ty}},
               "rules": [{"conditions": [], "endpoint": {"url": "https://ex.{Region}.amazonaws.com"}, "type": "endpoint"}]})
    };
    let (mut old, mut new) = (base(), base());
    shape(&mut old, "ex#Svc")["traits"]["smithy.rules#endpointRuleSet"] = rules("String");
    shape(&mut new, "ex#Svc")["traits"]["smithy.rules#endpointRuleSet"] = rules("string");
    let options = Options { package: Some("ex".into()), ..Options::default() };
    let c = diff_models(&old.to_string(), &new.to_string(), &options).unwrap();
    // The trait's text changed, so the rules are reported as a behaviour change; the parameter is the same.
    assert_eq!(of(&c, Class::Behaviour), ["model shape ex#Svc: the endpoint rules changed: calls may resolve to other endpoints"]);
    assert_eq!(c.len(), 1, "{c:#?}");
}

#[test]
fn a_looser_constraint_is_additive() {
    let c = changes(|m| {
        shape(m, "ex#Name")["traits"]["smithy.api#length"] = json!({"min": 1, "max": 20});
    });
    assert_eq!(of(&c, Class::Breaking), Vec::<String>::new());
    assert_eq!(of(&c, Class::Additive), vec!["operation::put::PutInput.name (length max): loosened: length max 20 (was 10)".to_owned()]);
}

#[test]
fn constraints_of_elements_and_map_values_are_compared_too() {
    let with_collections = |m: &mut Value| {
        shape(m, "ex#PutInput")["members"]["Labels"] = json!({"target": "ex#Names"});
        shape(m, "ex#PutInput")["members"]["Index"] = json!({"target": "ex#Index"});
        m["shapes"]["ex#Names"] = json!({"type": "list", "member": {"target": "ex#Name"}, "traits": {"smithy.api#length": {"min": 1}}});
        m["shapes"]["ex#Index"] = json!({"type": "map", "key": {"target": "ex#Name"}, "value": {"target": "ex#Names"}});
    };
    let mut old = base();
    with_collections(&mut old);
    let mut new = old.clone();
    shape(&mut new, "ex#Name")["traits"]["smithy.api#length"] = json!({"min": 1, "max": 8});
    shape(&mut new, "ex#Names")["traits"]["smithy.api#length"] = json!({"min": 0});
    let options = Options { package: Some("ex".into()), ..Options::default() };
    let c = diff_models(&old.to_string(), &new.to_string(), &options).unwrap();
    let breaking = of(&c, Class::Breaking);
    for expected in [
        "operation::put::PutInput.labels (element length max): tightened: element length max 8 (was 10)",
        "operation::put::PutInput.index (key length max): tightened: key length max 8 (was 10)",
        "operation::put::PutInput.index (value element length max): tightened: value element length max 8 (was 10)",
    ] {
        assert!(breaking.contains(&expected.to_owned()), "{expected}\n{breaking:#?}");
    }
    let additive = of(&c, Class::Additive);
    for expected in [
        "operation::put::PutInput.labels (length min): loosened: length min 0 (was 1)",
        "operation::put::PutInput.index (value length min): loosened: value length min 0 (was 1)",
    ] {
        assert!(additive.contains(&expected.to_owned()), "{expected}\n{additive:#?}");
    }
}

#[test]
fn cargo_features_are_part_of_the_api() {
    let surface = |features: &[&str]| {
        let options = Options {
            package: Some("ex".into()),
            default_features: features.iter().map(|f| f.to_string()).collect(),
            ..Options::default()
        };
        super::surface_of(&base().to_string(), &options).unwrap()
    };
    let (none, serde) = (surface(&[]), surface(&["serde"]));
    assert_eq!(none.items["feature blocking"].signature, "[]");
    assert!(!none.items.contains_key("feature default"));
    let added = super::diff(&none, &serde);
    assert_eq!(of(&added, Class::Additive), ["feature default: Cargo feature added: [\"serde\"]"]);
    let changed = super::diff(&serde, &surface(&["serde", "blocking"]));
    assert_eq!(of(&changed, Class::Breaking), ["feature default: now [\"serde\", \"blocking\"] (was [\"serde\"])"]);
    let mut fewer = none.clone();
    fewer.items.remove("feature blocking");
    let removed = super::diff(&none, &fewer);
    assert!(of(&removed, Class::Breaking)[0].starts_with("feature blocking: Cargo feature removed"), "{removed:?}");
}

#[test]
fn documentation_and_deprecation() {
    let c = changes(|m| {
        shape(m, "ex#Thing")["members"]["Label"]["traits"]["smithy.api#documentation"] = json!("What it is called.");
    });
    assert!(!c.is_empty() && c.iter().all(|c| c.class == Class::Documentation), "{c:#?}");
    assert_eq!(Bump::of(&c), Bump::Patch);
    let c = changes(|m| {
        shape(m, "ex#Thing")["members"]["Label"]["traits"]["smithy.api#deprecated"] = json!({"message": "Use Name."});
    });
    assert!(of(&c, Class::Additive).iter().any(|a| a.starts_with("types::Thing::label: deprecated")), "{c:#?}");
    assert_eq!(Bump::of(&c), Bump::Minor);
}

#[test]
fn bumps_follow_cargo_rules() {
    assert_eq!(Bump::Major.next_version("1.4.2").as_deref(), Some("2.0.0"));
    assert_eq!(Bump::Minor.next_version("1.4.2").as_deref(), Some("1.5.0"));
    assert_eq!(Bump::Patch.next_version("1.4.2").as_deref(), Some("1.4.3"));
    // In 0.y.z, y is the breaking number and additions need only a patch.
    assert_eq!(Bump::Major.next_version("0.1.0").as_deref(), Some("0.2.0"));
    assert_eq!(Bump::Minor.next_version("0.1.0").as_deref(), Some("0.1.1"));
    assert_eq!(Bump::Major.next_version("one").as_deref(), None);
}

/// The snapshot `generate` writes for `model` at `version`.
fn snapshot(model: &Value, version: &str) -> super::Snapshot {
    let options = Options { package: Some("ex".into()), version: version.into(), ..Options::default() };
    let files = crate::generate(&model.to_string(), &options).unwrap();
    super::snapshot::read(&files[super::SNAPSHOT_FILE]).unwrap()
}

#[test]
fn generate_writes_a_snapshot_that_diffs_like_the_models() {
    let old = snapshot(&base(), "0.1.0");
    assert_eq!(old.version, "0.1.0");
    assert!(old.surface.items.contains_key("types::builders::ThingBuilder::build"));
    let mut model = base();
    shape(&mut model, "ex#Thing")["members"]["Size"]["traits"] = json!({});
    let new = snapshot(&model, "0.1.0");
    assert_ne!(old.model_digest, new.model_digest);
    let direct = changes(|m| shape(m, "ex#Thing")["members"]["Size"]["traits"] = json!({}));
    let through_snapshots = super::diff(&old.surface, &new.surface);
    let strip = |c: &[Change]| c.iter().map(|c| (c.class, c.item.clone(), c.what.clone())).collect::<Vec<_>>();
    assert_eq!(strip(&through_snapshots), strip(&direct));
}

#[test]
fn a_changed_api_needs_a_version_bump_of_the_right_size() {
    let old = snapshot(&base(), "0.1.0");
    let mut breaking = base();
    shape(&mut breaking, "ex#Thing")["members"]["Size"]["traits"] = json!({});
    let err = super::check_version(&old, &snapshot(&breaking, "0.1.0")).unwrap_err();
    assert!(err.contains("needs version 0.2.0 or later, but the version is still 0.1.0"), "{err}");
    assert!(err.contains("types::builders::ThingBuilder::build"), "the refusal shows the diff: {err}");
    assert!(super::check_version(&old, &snapshot(&breaking, "0.1.5")).is_err());
    assert!(!super::check_version(&old, &snapshot(&breaking, "0.2.0")).unwrap().is_empty());

    let mut docs = base();
    shape(&mut docs, "ex#Thing")["members"]["Label"]["traits"]["smithy.api#documentation"] = json!("Renamed.");
    let err = super::check_version(&old, &snapshot(&docs, "0.1.0")).unwrap_err();
    assert!(err.contains("needs version 0.1.1"), "{err}");
    assert!(super::check_version(&old, &snapshot(&docs, "0.1.1")).is_ok());

    // An unchanged API may keep its version, and a version never goes down.
    assert_eq!(super::check_version(&old, &snapshot(&base(), "0.1.0")).unwrap(), vec![]);
    let err = super::check_version(&snapshot(&base(), "0.3.0"), &snapshot(&base(), "0.2.9")).unwrap_err();
    assert!(err.contains("goes down from 0.3.0 to 0.2.9"), "{err}");

    // A snapshot from before features were recorded does not make them news.
    let mut before_features = old.clone();
    before_features.surface.items.retain(|_, i| i.kind != super::surface::Kind::Feature);
    assert_eq!(super::check_version(&before_features, &snapshot(&base(), "0.1.0")).unwrap(), vec![]);
}

/// Synthetic model updates the two days of real models in `../shared/` do not show.
mod synthetic_updates {
    use super::*;

    fn paginated(m: &mut Value, token_target: &str) {
        shape(m, "ex#Put")["traits"]["smithy.api#paginated"] = json!({"inputToken": "Token", "outputToken": "Next", "items": "Things"});
        shape(m, "ex#PutInput")["members"]["Token"] = json!({"target": token_target});
        shape(m, "ex#PutOutput")["members"]["Next"] = json!({"target": token_target});
        m["shapes"]["ex#Key"] = json!({"type": "map", "key": {"target": "smithy.api#String"}, "value": {"target": "smithy.api#String"}});
    }

    #[test]
    fn a_paginator_token_that_becomes_a_map_breaks_its_setters() {
        let (mut old, mut new) = (base(), base());
        paginated(&mut old, "smithy.api#String");
        paginated(&mut new, "ex#Key");
        let c = diff_models(&old.to_string(), &new.to_string(), &Options::default()).unwrap();
        let breaking = of(&c, Class::Breaking);
        assert!(breaking.iter().any(|b| b.starts_with("operation::put::builders::PutFluentBuilder::token")), "{breaking:#?}");
        assert!(breaking.iter().any(|b| b.starts_with("operation::put::PutOutput::next")), "{breaking:#?}");
        assert_eq!(Bump::of(&c), Bump::Major);
    }

    fn rules(extra: Value) -> Value {
        let mut params = json!({"Region": {"builtIn": "AWS::Region", "required": false, "type": "string"}});
        if let Value::Object(e) = extra {
            params.as_object_mut().unwrap().extend(e);
        }
        json!({"version": "1.0", "parameters": params,
               "rules": [{"conditions": [], "endpoint": {"url": "https://ex.{Region}.amazonaws.com"}, "type": "endpoint"}]})
    }

    #[test]
    fn an_endpoint_parameter_added_is_additive_and_the_rules_change_is_behaviour() {
        let (mut old, mut new) = (base(), base());
        shape(&mut old, "ex#Svc")["traits"]["smithy.rules#endpointRuleSet"] = rules(json!({}));
        shape(&mut new, "ex#Svc")["traits"]["smithy.rules#endpointRuleSet"] =
            rules(json!({"StreamARN": {"required": false, "type": "string", "documentation": "The stream."}}));
        shape(&mut new, "ex#PutInput")["members"]["Name"]["traits"]["smithy.rules#contextParam"] = json!({"name": "StreamARN"});
        let c = diff_models(&old.to_string(), &new.to_string(), &Options::default()).unwrap();
        assert_eq!(of(&c, Class::Breaking), Vec::<String>::new());
        assert!(of(&c, Class::Additive).iter().any(|a| a.starts_with("endpoint parameter StreamARN: added")), "{c:#?}");
        assert!(of(&c, Class::Behaviour).iter().any(|b| b.contains("the endpoint rules changed")), "{c:#?}");
    }

    #[test]
    fn an_operation_that_gains_an_event_stream_is_left_out_which_breaks_its_callers() {
        let c = changes(|m| {
            shape(m, "ex#PutOutput")["members"]["Events"] = json!({"target": "ex#Events"});
            m["shapes"]["ex#Events"] =
                json!({"type": "union", "members": {"Tick": {"target": "ex#Thing"}}, "traits": {"smithy.api#streaming": {}}});
        });
        let breaking = of(&c, Class::Breaking);
        assert!(breaking.iter().any(|b| b.starts_with("client::Client::put: removed")), "{breaking:#?}");
    }

    #[test]
    fn a_trait_without_a_rule_is_reported_unclassified_not_dropped() {
        let c = changes(|m| {
            shape(m, "ex#Worse")["traits"]["smithy.api#tags"] = json!(["internal"]);
        });
        assert_eq!(of(&c, Class::Unclassified).len(), 1, "{c:#?}");
        assert!(of(&c, Class::Unclassified)[0].contains("ex#Worse") && of(&c, Class::Unclassified)[0].contains("smithy.api#tags"));
        assert_eq!(Bump::of(&c), Bump::Minor);
    }
}
