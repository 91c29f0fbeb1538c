//! Checks on what the normalised shapes refer to and carry, kind by kind:
//! bindings name operations and resources, inputs and outputs are
//! structures, errors are `@error` structures, host prefixes name required
//! string input members, pagination names its tokens, unions have members,
//! enum values are well formed, map keys are strings and timestamps have a
//! known format. Lowering relies on all of it and checks none of it again.

use serde_json::Value;

use crate::ast::{Member, Ref, Shape, Traits};
use crate::error::Error;
use crate::normalise::Shapes;
use crate::shape_id::{prelude_shape, UNIT};

/// Checks every shape of `shapes`, whose one service is `service_id`.
pub fn check(shapes: &Shapes, service_id: &str) -> Result<(), Error> {
    let service_traits = shapes.get(service_id).map(Shape::traits);
    for (id, shape) in shapes {
        match shape {
            Shape::Service(s) => {
                if let Some(v) = s.traits.get("aws.auth#sigv4") {
                    if !v.get("name").is_some_and(Value::is_string) {
                        return Err(Error::model(id, "aws.auth#sigv4 has no string `name`"));
                    }
                }
                bindings(shapes, id, &s.operations, &s.resources)?;
                error_refs(shapes, id, &s.errors)?;
            }
            Shape::Resource(r) => {
                let ops: Vec<Ref> = r.all_operations().cloned().collect();
                bindings(shapes, id, &ops, &r.resources)?;
            }
            Shape::Operation(op) => {
                for r in op.input.iter().chain(&op.output) {
                    io_structure(shapes, id, &r.target)?;
                }
                error_refs(shapes, id, &op.errors)?;
                request_compression(id, &op.traits)?;
                paginated(id, &op.traits, service_traits)?;
                host_prefix(shapes, id, &op.traits, op.input.as_ref())?;
                if let Some(input) = &op.input {
                    one_idempotency_token(shapes, &input.target)?;
                }
            }
            Shape::Union(u) if u.members.is_empty() => return Err(Error::model(id, "a union needs at least one member")),
            Shape::Enum(e) => {
                for (m, member) in &e.members {
                    if member.traits.get("smithy.api#enumValue").is_some_and(|v| v.as_str().is_none_or(str::is_empty)) {
                        return Err(Error::model(format!("{id}${m}"), "@enumValue of an enum member must be a non-empty string"));
                    }
                }
            }
            Shape::IntEnum(e) => {
                for (m, member) in &e.members {
                    let value = member.traits.get("smithy.api#enumValue").and_then(Value::as_i64).and_then(|v| i32::try_from(v).ok());
                    if value.is_none() {
                        return Err(Error::model(format!("{id}${m}"), "an intEnum member needs an integer @enumValue"));
                    }
                }
            }
            Shape::String(s) => {
                if let Some(list) = s.traits.get("smithy.api#enum") {
                    let entries = list.as_array().ok_or_else(|| Error::model(id, "@enum must be a list of entries"))?;
                    if entries.iter().any(|e| !e.get("value").is_some_and(Value::is_string)) {
                        return Err(Error::model(id, "@enum entry without a string value"));
                    }
                }
            }
            Shape::Map(m) => {
                let key_ok = matches!(kind(shapes, &m.key.target), Some("string" | "enum"));
                if !key_ok {
                    return Err(Error::model(format!("{id}$key"), "map keys must target a string or string enum"));
                }
                member(shapes, &format!("{id}$key"), &m.key)?;
                member(shapes, &format!("{id}$value"), &m.value)?;
            }
            Shape::List(l) | Shape::Set(l) => member(shapes, &format!("{id}$member"), &l.member)?,
            _ => {}
        }
        if matches!(shape, Shape::Structure(_) | Shape::Union(_)) {
            for (name, m) in shape.members().into_iter().flatten() {
                member(shapes, &format!("{id}${name}"), m)?;
            }
        }
    }
    Ok(())
}

/// The kind of shape `target` is (`string`, `structure`, ...), prelude shapes included.
pub(super) fn kind<'a>(shapes: &'a Shapes, target: &str) -> Option<&'a str> {
    match (shapes.get(target), prelude_shape(target)) {
        (Some(s), _) => Some(s.type_name()),
        (None, Some((k, _))) => Some(k),
        (None, None) => None,
    }
}

/// A member of a structure, union, list or map.
fn member(shapes: &Shapes, owner: &str, m: &Member) -> Result<(), Error> {
    let target = shapes.get(&m.target);
    if target.is_some_and(|t| t.traits().contains_key("smithy.api#mixin")) {
        return Err(Error::model(owner, format!("targets the mixin {}; mixins cannot be targeted", m.target)));
    }
    if m.traits.contains_key("smithy.api#idempotencyToken") && kind(shapes, &m.target) != Some("string") {
        return Err(Error::model(owner, "@idempotencyToken applies only to members that target a string"));
    }
    if kind(shapes, &m.target) == Some("timestamp") {
        for traits in [Some(&m.traits), target.map(Shape::traits)].into_iter().flatten() {
            timestamp_format(owner, traits)?;
        }
    }
    Ok(())
}

fn timestamp_format(owner: &str, traits: &Traits) -> Result<(), Error> {
    match traits.get("smithy.api#timestampFormat").map(Value::as_str) {
        None | Some(Some("epoch-seconds" | "date-time" | "http-date")) => Ok(()),
        Some(other) => Err(Error::model(owner, format!("unknown @timestampFormat {other:?}"))),
    }
}

/// Operations and resources bound to a service or resource.
fn bindings(shapes: &Shapes, owner: &str, operations: &[Ref], resources: &[Ref]) -> Result<(), Error> {
    for op in operations {
        if !matches!(shapes.get(&op.target), Some(Shape::Operation(_))) {
            return Err(Error::model(owner, format!("binds {} as an operation, but it is not one", op.target)));
        }
    }
    for r in resources {
        if !matches!(shapes.get(&r.target), Some(Shape::Resource(_))) {
            return Err(Error::model(owner, format!("binds {} as a resource, but it is not one", r.target)));
        }
    }
    Ok(())
}

fn error_refs(shapes: &Shapes, owner: &str, refs: &[Ref]) -> Result<(), Error> {
    for r in refs {
        if !matches!(shapes.get(&r.target), Some(Shape::Structure(s)) if s.traits.contains_key("smithy.api#error")) {
            return Err(Error::model(owner, format!("lists {} as an error, but it is not a structure with @error", r.target)));
        }
    }
    Ok(())
}

fn io_structure(shapes: &Shapes, op: &str, target: &str) -> Result<(), Error> {
    match shapes.get(target) {
        _ if target == UNIT => Ok(()),
        Some(Shape::Structure(_)) => Ok(()),
        None => Err(Error::model(op, format!("input and output must be structures, but {target} is a prelude shape"))),
        Some(other) => Err(Error::model(op, format!("input and output must be structures, but {target} is a {}", other.type_name()))),
    }
}

fn request_compression(id: &str, traits: &Traits) -> Result<(), Error> {
    let Some(v) = traits.get("smithy.api#requestCompression") else { return Ok(()) };
    let encodings: Vec<&str> = v.get("encodings").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if encodings.iter().any(|e| e.eq_ignore_ascii_case("gzip")) {
        Ok(())
    } else {
        Err(Error::unsupported(id, format!("@requestCompression encodings {encodings:?}: only gzip is implemented")))
    }
}

/// `@paginated` names both tokens, on the operation or the service.
fn paginated(id: &str, op: &Traits, service: Option<&Traits>) -> Result<(), Error> {
    let Some(own) = op.get("smithy.api#paginated") else { return Ok(()) };
    let named = |k: &str| {
        own.get(k).or_else(|| service.and_then(|s| s.get("smithy.api#paginated")).and_then(|s| s.get(k))).is_some_and(Value::is_string)
    };
    if named("inputToken") && named("outputToken") {
        Ok(())
    } else {
        Err(Error::model(id, "@paginated needs inputToken and outputToken (on the operation or the service)"))
    }
}

/// Smithy allows one `@idempotencyToken` among an input's members: the
/// token that makes a retried call safe.
fn one_idempotency_token(shapes: &Shapes, input: &str) -> Result<(), Error> {
    let tokens: Vec<&str> = shapes
        .get(input)
        .and_then(Shape::members)
        .into_iter()
        .flatten()
        .filter(|(_, m)| m.traits.contains_key("smithy.api#idempotencyToken"))
        .map(|(name, _)| name.as_str())
        .collect();
    if tokens.len() > 1 {
        return Err(Error::model(
            input,
            format!("has {} @idempotencyToken members ({}); an input may have one", tokens.len(), tokens.join(", ")),
        ));
    }
    Ok(())
}

/// `@endpoint`: each `{label}` of the host prefix is a required string member of the input.
fn host_prefix(shapes: &Shapes, id: &str, traits: &Traits, input: Option<&Ref>) -> Result<(), Error> {
    let Some(endpoint) = traits.get("smithy.api#endpoint") else { return Ok(()) };
    let prefix =
        endpoint.get("hostPrefix").and_then(Value::as_str).ok_or_else(|| Error::model(id, "@endpoint needs a string hostPrefix"))?;
    let members = input.and_then(|r| shapes.get(&r.target)).and_then(Shape::members);
    let mut rest = prefix;
    while let Some(start) = rest.find('{') {
        let end =
            rest[start..].find('}').ok_or_else(|| Error::model(id, format!("@endpoint hostPrefix `{prefix}` has an unclosed label")))?;
        let label = &rest[start + 1..start + end];
        let member = members
            .and_then(|ms| ms.get(label))
            .ok_or_else(|| Error::model(id, format!("@endpoint hostPrefix label `{label}` is not an input member")))?;
        let plain_string = kind(shapes, &member.target) == Some("string")
            && !shapes.get(&member.target).is_some_and(|t| t.traits().contains_key("smithy.api#enum"));
        if !plain_string || !member.traits.contains_key("smithy.api#required") {
            return Err(Error::model(id, format!("host label `{label}` must be a required string member")));
        }
        rest = &rest[start + end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::lower::tests::{lower_json, service};

    #[test]
    fn each_check_names_the_shape_and_the_problem() {
        let op = r#"{"target":"a#Op"}"#;
        let cases = [
            (
                r#","a#Op":{"type":"operation","input":{"target":"a#E"}},"a#E":{"type":"enum","members":{"A":{"target":"smithy.api#Unit"}}}"#,
                "shape a#Op: input and output must be structures, but a#E is a enum",
            ),
            (
                r#","a#Op":{"type":"operation","output":{"target":"smithy.api#String"}}"#,
                "shape a#Op: input and output must be structures, but smithy.api#String is a prelude shape",
            ),
            (
                r#","a#Op":{"type":"operation","errors":[{"target":"a#NotErr"}]},"a#NotErr":{"type":"structure"}"#,
                "shape a#Op: lists a#NotErr as an error, but it is not a structure with @error",
            ),
            (
                r#","a#Op":{"type":"operation","traits":{"smithy.api#requestCompression":{"encodings":["br"]}}}"#,
                "shape a#Op: unsupported: @requestCompression encodings [\"br\"]: only gzip is implemented",
            ),
            (
                r#","a#Op":{"type":"operation","traits":{"smithy.api#paginated":{"inputToken":"T"}}}"#,
                "shape a#Op: @paginated needs inputToken and outputToken (on the operation or the service)",
            ),
            (
                r#","a#Op":{"type":"operation","input":{"target":"a#In"},"traits":{"smithy.api#endpoint":{"hostPrefix":"{Id}."}}},"a#In":{"type":"structure","members":{"Id":{"target":"smithy.api#String"}}}"#,
                "shape a#Op: host label `Id` must be a required string member",
            ),
            (
                r#","a#Op":{"type":"operation","traits":{"smithy.api#endpoint":{"hostPrefix":"{Id."}}}"#,
                "shape a#Op: @endpoint hostPrefix `{Id.` has an unclosed label",
            ),
            (r#","a#Op":{"type":"operation"},"a#U":{"type":"union","members":{}}"#, "shape a#U: a union needs at least one member"),
            (
                r#","a#Op":{"type":"operation","input":{"target":"a#In"}},"a#In":{"type":"structure","members":{
                "A":{"target":"smithy.api#String","traits":{"smithy.api#idempotencyToken":{}}},
                "B":{"target":"smithy.api#String","traits":{"smithy.api#idempotencyToken":{}}}}}"#,
                "shape a#In: has 2 @idempotencyToken members (A, B); an input may have one",
            ),
            (
                r#","a#Op":{"type":"operation"},"a#S2":{"type":"structure","members":{"T":{"target":"smithy.api#Integer","traits":{"smithy.api#idempotencyToken":{}}}}}"#,
                "shape a#S2$T: @idempotencyToken applies only to members that target a string",
            ),
            (
                r#","a#Op":{"type":"operation"},"a#E":{"type":"enum","members":{"A":{"target":"smithy.api#Unit","traits":{"smithy.api#enumValue":""}}}}"#,
                "shape a#E$A: @enumValue of an enum member must be a non-empty string",
            ),
            (
                r#","a#Op":{"type":"operation"},"a#I":{"type":"intEnum","members":{"A":{"target":"smithy.api#Unit","traits":{"smithy.api#enumValue":"1"}}}}"#,
                "shape a#I$A: an intEnum member needs an integer @enumValue",
            ),
            (
                r#","a#Op":{"type":"operation"},"a#M":{"type":"map","key":{"target":"smithy.api#Integer"},"value":{"target":"smithy.api#String"}}"#,
                "shape a#M$key: map keys must target a string or string enum",
            ),
            (
                r#","a#Op":{"type":"operation"},"a#S2":{"type":"structure","members":{"T":{"target":"smithy.api#Timestamp","traits":{"smithy.api#timestampFormat":"unix"}}}}"#,
                "shape a#S2$T: unknown @timestampFormat Some(\"unix\")",
            ),
            (
                r#","a#Op":{"type":"operation"},"a#Mix":{"type":"structure","traits":{"smithy.api#mixin":{}}},"a#S2":{"type":"structure","members":{"M":{"target":"a#Mix"}}}"#,
                "shape a#S2$M: targets the mixin a#Mix; mixins cannot be targeted",
            ),
        ];
        for (extra, want) in cases {
            let got = lower_json(&service(extra, op)).expect_err(want).to_string();
            assert_eq!(got, want);
        }
    }
}
