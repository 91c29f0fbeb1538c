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
const UNSUPPORTED_TRAITS: [(&str, &str); 1] = [("aws.protocols#httpChecksum", "request and response checksums (@httpChecksum)")];

/// Checks every shape of `shapes` and each of its members, in id order.
pub fn check(shapes: &Shapes) -> Result<(), Error> {
    for (id, shape) in shapes {
        // An event stream (a @streaming union) leaves its operations out (see
        // lowering); a streaming blob is checked by the protocol (`http.rs`).
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
            if member.traits.contains_key("smithy.api#streaming") {
                return Err(Error::model(member_id, "@streaming applies to blob and union shapes, not to members"));
            }
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
    // The prelude's range for the trait: any status from 200 to 599 (License Manager's RedirectException is 308).
    if let Some(v) = traits.get("smithy.api#httpError") {
        if !v.as_u64().is_some_and(|n| (200..600).contains(&n)) {
            return Err(Error::model(id, "@httpError must be an integer from 200 to 599"));
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

/// Refuses a `@default` the specification does not allow for the member's
/// target: a value of another JSON type, a list or map that is not empty,
/// an enum value the enum does not have, a blob that is not base64, a
/// timestamp string that is not a UTC date-time, a document that is a
/// non-empty list or map, and any default of a structure or union.
fn default_fits(shapes: &Shapes, owner: &str, target: &str, v: &Value) -> Result<(), Error> {
    let kind = match super::shapes::kind(shapes, target) {
        _ if target == UNIT => "unit",
        Some(kind) => kind,
        // An unknown target is refused by the reference checks with a better message.
        None => return Ok(()),
    };
    let target_shape = shapes.get(target);
    let ok = match kind {
        "boolean" => v.is_boolean(),
        "string" => match target_shape.and_then(|s| s.traits().get("smithy.api#enum")) {
            // A Smithy 1.0 string enum: the default is one of its values.
            Some(values) => v
                .as_str()
                .is_some_and(|s| values.as_array().is_some_and(|vs| vs.iter().any(|e| e.get("value").and_then(Value::as_str) == Some(s)))),
            None => v.is_string(),
        },
        "blob" => v.as_str().is_some_and(is_base64),
        "byte" | "short" | "integer" | "long" => v.is_i64() || v.is_u64(),
        "float" | "double" => v.is_number(),
        "bigInteger" | "bigDecimal" => v.is_number() || v.is_string(),
        "timestamp" => v.is_number() || v.as_str().is_some_and(|s| crate::date_time::parse(s).is_some()),
        "document" => match v {
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => true,
        },
        "list" | "set" => v.as_array().is_some_and(Vec::is_empty),
        "map" => v.as_object().is_some_and(|o| o.is_empty()),
        "enum" | "intEnum" => {
            let members = target_shape.and_then(Shape::members).into_iter().flatten();
            let values: Vec<Value> = members
                .map(|(name, m)| m.traits.get("smithy.api#enumValue").cloned().unwrap_or_else(|| Value::from(name.as_str())))
                .collect();
            let named = values.contains(v);
            if !named && (v.is_string() || v.is_i64()) {
                return Err(Error::model(owner, format!("@default {v} is not a value of the {kind} {target}")));
            }
            named
        }
        "structure" | "union" => return Err(Error::model(owner, format!("a member targeting a {kind} cannot have a @default"))),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::model(owner, format!("@default {v} does not fit the member's type")))
    }
}

/// Standard base64 with padding, as Smithy writes blob values.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4) && s.len() - body.len() <= 2 && body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
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
        assert_eq!(
            err,
            "shape a#Stream: unsupported: a streaming blob (@streaming) is not implemented for awsJson and RPC v2 CBOR clients, which send and read whole bodies"
        );
        let json = service(
            r#","a#Op":{"type":"operation","output":{"target":"a#Out"}},
            "a#Out":{"type":"structure","members":{"Events":{"target":"a#Events"}}},
            "a#Events":{"type":"union","members":{"Tick":{"target":"a#Tick"}},"traits":{"smithy.api#streaming":{}}},
            "a#Tick":{"type":"structure","members":{}}"#,
            r#"{"target":"a#Op"}"#,
        );
        // An event stream leaves its operation out, named with the reason; the rest of the service generates.
        let ir = lower_json(&json).unwrap();
        assert!(ir.operations.is_empty());
        assert_eq!(ir.left_out.len(), 1);
        assert_eq!(ir.left_out[0].name, "Op");
        assert!(ir.left_out[0].reason.contains("output member Events is an event stream (Events)"), "{}", ir.left_out[0].reason);
    }

    #[test]
    fn bad_defaults_and_errors_are_named() {
        let json = service(
            r#","a#Op":{"type":"operation","input":{"target":"a#In"}},
            "a#In":{"type":"structure","members":{"N":{"target":"smithy.api#Integer","traits":{"smithy.api#default":"x"}}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        assert_eq!(lower_json(&json).unwrap_err().to_string(), "shape a#In$N: @default \"x\" does not fit the member's type");
        let default_of = |target: &str, value: &str| {
            let json = service(
                &format!(
                    r#","a#Op":{{"type":"operation","input":{{"target":"a#In"}}}},
                    "a#E":{{"type":"enum","members":{{"A":{{"target":"smithy.api#Unit","traits":{{"smithy.api#enumValue":"a"}}}},"B":{{"target":"smithy.api#Unit"}}}}}},
                    "a#I":{{"type":"intEnum","members":{{"One":{{"target":"smithy.api#Unit","traits":{{"smithy.api#enumValue":1}}}}}}}},
                    "a#St":{{"type":"structure","members":{{}}}},
                    "a#In":{{"type":"structure","members":{{"M":{{"target":"{target}","traits":{{"smithy.api#default":{value}}}}}}}}}"#
                ),
                r#"{"target":"a#Op"}"#,
            );
            lower_json(&json).err().map(|e| e.to_string())
        };
        for (target, value) in [
            ("a#E", r#""a""#),
            ("a#E", r#""B""#),
            ("a#I", "1"),
            ("smithy.api#Blob", r#""aGk=""#),
            ("smithy.api#Timestamp", r#""2024-02-29T12:00:00Z""#),
            ("smithy.api#Timestamp", "0"),
            ("smithy.api#Document", "[]"),
            ("smithy.api#Document", "{}"),
            ("smithy.api#Document", "1.5"),
        ] {
            assert_eq!(default_of(target, value), None, "{target} = {value}");
        }
        for (target, value, problem) in [
            ("a#E", r#""c""#, r#"@default "c" is not a value of the enum a#E"#),
            ("a#I", "2", "@default 2 is not a value of the intEnum a#I"),
            ("smithy.api#Blob", r#""not base64!""#, "does not fit"),
            ("smithy.api#Timestamp", r#""2024-02-30T00:00:00Z""#, "does not fit"),
            ("smithy.api#Document", "[1]", "does not fit"),
            ("smithy.api#Document", r#"{"a":1}"#, "does not fit"),
            ("a#St", "{}", "a member targeting a structure cannot have a @default"),
        ] {
            let err = default_of(target, value).unwrap_or_default();
            assert!(err.starts_with("shape a#In$M: ") && err.contains(problem), "{target} = {value}: {err}");
        }
        let json = service(
            r#","a#Op":{"type":"operation","errors":[{"target":"a#NotErr"}]},"a#NotErr":{"type":"structure"}"#,
            r#"{"target":"a#Op"}"#,
        );
        assert!(lower_json(&json).unwrap_err().to_string().contains("not a structure with @error"));
        let http_error = |code: u64| {
            let json = service(
                &format!(
                    r#","a#Op":{{"type":"operation","errors":[{{"target":"a#Moved"}}]}},
                    "a#Moved":{{"type":"structure","traits":{{"smithy.api#error":"client","smithy.api#httpError":{code}}}}}"#
                ),
                r#"{"target":"a#Op"}"#,
            );
            lower_json(&json).err().map(|e| e.to_string())
        };
        assert_eq!(http_error(308), None, "a redirect status, as License Manager's RedirectException has");
        assert_eq!(http_error(200), None);
        assert!(http_error(199).unwrap_or_default().contains("from 200 to 599"));
        assert!(http_error(600).unwrap_or_default().contains("from 200 to 599"));
    }

    #[test]
    fn aws_query_errors_are_checked() {
        // A structure is listed as the operation's error when it is one, else as its output.
        let with = |traits: &str| {
            let place =
                if traits.contains("smithy.api#error") { "errors\":[{\"target\":\"a#E\"}]" } else { "output\":{\"target\":\"a#E\"}" };
            let json = service(
                &format!(r#","a#Op":{{"type":"operation","{place}}},"a#E":{{"type":"structure","traits":{{{traits}}}}}"#),
                r#"{"target":"a#Op"}"#,
            );
            lower_json(&json).map(|ir| {
                ir.shapes.values().find_map(|s| match s {
                    crate::ir::Shape::Structure(s) if s.name == "E" => s.error.clone(),
                    _ => None,
                })
            })
        };
        let ok = with(r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"code":"Old.Code","httpResponseCode":400}"#).unwrap();
        assert_eq!(ok.unwrap().query_code.as_deref(), Some("Old.Code"));
        for (traits, problem) in [
            (
                r#""aws.protocols#awsQueryError":{"code":"C","httpResponseCode":400}"#,
                "@awsQueryError applies only to structures with @error",
            ),
            (
                r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"httpResponseCode":400}"#,
                "@awsQueryError needs a non-empty code",
            ),
            (r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"code":"A;B","httpResponseCode":400}"#, "without `;`"),
            (
                r#""smithy.api#error":"client","aws.protocols#awsQueryError":{"code":"C","httpResponseCode":"400"}"#,
                "httpResponseCode from 100 to 599",
            ),
        ] {
            let err = with(traits).unwrap_err().to_string();
            assert!(err.starts_with("shape a#E: ") && err.contains(problem), "{err}");
        }
    }
}
