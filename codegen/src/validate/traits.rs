//! Checks on the normalised shapes (after `apply` and mixins, so that
//! inherited traits are checked too): every trait value lowering reads has
//! the form the Smithy specification gives it, every `@default` fits its
//! member's type, and no shape carries a trait this generator cannot
//! honour. Lowering then reads these traits without checking them again.

use serde_json::Value;

use crate::ast::{Shape, Traits};
use crate::error::Error;
use crate::normalise::Shapes;
use crate::shape_id::UNIT;

/// Traits whose meaning this generator cannot honour; refusing them is better
/// than generating a client that silently sends the wrong thing.
const UNSUPPORTED_TRAITS: [(&str, &str); 3] = [
    ("smithy.api#streaming", "streaming blobs and event streams"),
    ("aws.protocols#httpChecksum", "request and response checksums (@httpChecksum)"),
    ("smithy.rules#staticContextParams", "endpoint context parameters (@staticContextParams)"),
];

/// Checks every shape of `shapes` and each of its members, in id order.
pub fn check(shapes: &Shapes) -> Result<(), Error> {
    for (id, shape) in shapes {
        shape_traits(id, shape.traits())?;
        if let Shape::Structure(s) = shape {
            match s.traits.get("smithy.api#error") {
                Some(kind) => error_traits(id, kind, &s.traits)?,
                None if s.traits.contains_key(QUERY_ERROR) => {
                    return Err(Error::model(id, "@awsQueryError applies only to structures with @error"));
                }
                None => {}
            }
        }
        for (name, member) in shape.members().into_iter().flatten() {
            let member_id = format!("{id}${name}");
            shape_traits(&member_id, &member.traits)?;
            if let Some(v) = member.traits.get("smithy.api#default").filter(|v| !v.is_null()) {
                default_fits(shapes, &member_id, &member.target, v)?;
            }
        }
    }
    Ok(())
}

/// The traits any shape or member may carry.
fn shape_traits(id: &str, traits: &Traits) -> Result<(), Error> {
    for (t, what) in UNSUPPORTED_TRAITS {
        if traits.contains_key(t) {
            return Err(Error::unsupported(id, format!("{t}: {what} are not implemented")));
        }
    }
    if let Some(v) = traits.get("smithy.api#deprecated") {
        for k in ["message", "since"] {
            if !matches!(v.get(k), None | Some(Value::Null | Value::String(_))) {
                return Err(Error::model(id, format!("@deprecated {k} must be a string")));
            }
        }
    }
    let bound = |v: &Value, k: &str| v.get(k).filter(|x| !x.is_null()).cloned();
    if let Some(length) = traits.get("smithy.api#length") {
        for k in ["min", "max"] {
            if bound(length, k).is_some_and(|v| v.as_u64().is_none()) {
                return Err(Error::model(id, format!("@length {k} must be a non-negative integer")));
            }
        }
    }
    if let Some(range) = traits.get("smithy.api#range") {
        for k in ["min", "max"] {
            if bound(range, k).is_some_and(|v| !v.is_number()) {
                return Err(Error::model(id, format!("@range {k} must be a number")));
            }
        }
    }
    if traits.get("smithy.api#pattern").is_some_and(|p| !p.is_string()) {
        return Err(Error::model(id, "@pattern must be a string"));
    }
    Ok(())
}

const QUERY_ERROR: &str = "aws.protocols#awsQueryError";

/// `@error`, `@httpError` and `@awsQueryError` of an error structure.
fn error_traits(id: &str, kind: &Value, traits: &Traits) -> Result<(), Error> {
    if !matches!(kind.as_str(), Some("client" | "server")) {
        return Err(Error::model(id, "@error must be \"client\" or \"server\""));
    }
    if let Some(v) = traits.get("smithy.api#httpError") {
        if !v.as_u64().is_some_and(|n| (400..600).contains(&n)) {
            return Err(Error::model(id, "@httpError must be an integer from 400 to 599"));
        }
    }
    if let Some(q) = traits.get(QUERY_ERROR) {
        if !q.get("code").and_then(Value::as_str).is_some_and(|c| !c.is_empty() && !c.contains(';')) {
            return Err(Error::model(id, "@awsQueryError needs a non-empty code without `;`"));
        }
        if !q.get("httpResponseCode").and_then(Value::as_u64).is_some_and(|n| (100..600).contains(&n)) {
            return Err(Error::model(id, "@awsQueryError needs an httpResponseCode from 100 to 599"));
        }
    }
    Ok(())
}

/// Refuses a `@default` whose JSON type does not fit the member's target.
fn default_fits(shapes: &Shapes, owner: &str, target: &str, v: &Value) -> Result<(), Error> {
    let kind = match super::shapes::kind(shapes, target) {
        _ if target == UNIT => "unit",
        Some(kind) => kind,
        // An unknown target is refused by the reference checks with a better message.
        None => return Ok(()),
    };
    let ok = match kind {
        "boolean" => v.is_boolean(),
        "string" | "blob" => v.is_string(),
        "byte" | "short" | "integer" | "long" => v.is_i64() || v.is_u64(),
        "float" | "double" => v.is_number(),
        "bigInteger" | "bigDecimal" | "timestamp" => v.is_number() || v.is_string(),
        "document" => true,
        "list" | "set" => v.as_array().is_some_and(Vec::is_empty),
        "map" => v.as_object().is_some_and(|o| o.is_empty()),
        "enum" | "intEnum" | "structure" | "union" => v.is_string() || v.is_i64(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::model(owner, format!("@default {v} does not fit the member's type")))
    }
}

#[cfg(test)]
mod tests {
    use crate::lower::tests::{lower_json, service};

    #[test]
    fn refuses_what_it_cannot_honour() {
        let json = service(
            r#","a#Op":{"type":"operation","input":{"target":"a#In"}},
            "a#In":{"type":"structure","members":{"Body":{"target":"a#Stream"}}},
            "a#Stream":{"type":"blob","traits":{"smithy.api#streaming":{}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        let err = lower_json(&json).unwrap_err().to_string();
        assert_eq!(err, "shape a#Stream: unsupported: smithy.api#streaming: streaming blobs and event streams are not implemented");
    }

    #[test]
    fn bad_defaults_and_errors_are_named() {
        let json = service(
            r#","a#Op":{"type":"operation","input":{"target":"a#In"}},
            "a#In":{"type":"structure","members":{"N":{"target":"smithy.api#Integer","traits":{"smithy.api#default":"x"}}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        assert_eq!(lower_json(&json).unwrap_err().to_string(), "shape a#In$N: @default \"x\" does not fit the member's type");
        let json = service(
            r#","a#Op":{"type":"operation","errors":[{"target":"a#NotErr"}]},"a#NotErr":{"type":"structure"}"#,
            r#"{"target":"a#Op"}"#,
        );
        assert!(lower_json(&json).unwrap_err().to_string().contains("not a structure with @error"));
    }

    #[test]
    fn aws_query_errors_are_checked() {
        // A structure is listed as the operation's error when it is one, else as its output.
        let with = |traits: &str| {
            let place = if traits.contains("smithy.api#error") { "errors\":[{\"target\":\"a#E\"}]" } else { "output\":{\"target\":\"a#E\"}" };
            let json = service(
                &format!(r#","a#Op":{{"type":"operation","{place}}},"a#E":{{"type":"structure","traits":{{{traits}}}}}"#),
                r#"{"target":"a#Op"}"#,
            );
            lower_json(&json).map(|ir| ir.shapes.values().find_map(|s| match s {
                crate::ir::Shape::Structure(s) if s.name == "E" => s.error.clone(),
                _ => None,
            }))
        };
        let ok = with(r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"code":"Old.Code","httpResponseCode":400}"#).unwrap();
        assert_eq!(ok.unwrap().query_code.as_deref(), Some("Old.Code"));
        for (traits, problem) in [
            (r#""aws.protocols#awsQueryError":{"code":"C","httpResponseCode":400}"#, "@awsQueryError applies only to structures with @error"),
            (r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"httpResponseCode":400}"#, "@awsQueryError needs a non-empty code"),
            (r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"code":"A;B","httpResponseCode":400}"#, "without `;`"),
            (r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"code":"C","httpResponseCode":"400"}"#, "httpResponseCode from 100 to 599"),
        ] {
            let err = with(traits).unwrap_err().to_string();
            assert!(err.starts_with("shape a#E: ") && err.contains(problem), "{err}");
        }
    }

}
