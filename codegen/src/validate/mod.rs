//! Stage 2, validate: checks on the loaded AST that lowering relies on.
//!
//! Every reference must resolve (prelude shapes included), there must be
//! exactly one service, and that service must offer a protocol the runtime
//! implements. After normalisation, [`check_normalised`] checks the traits
//! (see `traits.rs`). Each error names the shape, and the member where there
//! is one.

use crate::ast::{Model, Ref, Shape};
use crate::error::Error;
use crate::shape_id::{prelude_shape, ShapeId};

pub mod http;
mod shapes;
mod traits;

/// Checks the normalised shapes of a model whose one service is
/// `service_id`: what each shape refers to and carries (`shapes.rs`), and
/// every trait value lowering reads (`traits.rs`).
pub fn check_normalised(shapes: &crate::normalise::Shapes, service_id: &str) -> Result<(), Error> {
    shapes::check(shapes, service_id)?;
    traits::check(shapes)
}

/// Protocol traits this generator implements, in the order AWS tells SDKs
/// to prefer them when a service lists several.
pub const SUPPORTED_PROTOCOLS: [&str; 4] =
    ["smithy.protocols#rpcv2Cbor", "aws.protocols#awsJson1_0", "aws.protocols#awsJson1_1", "aws.protocols#restJson1"];

/// Protocol traits known to exist but not implemented by the runtime.
const OTHER_PROTOCOLS: [&str; 4] =
    ["aws.protocols#restXml", "aws.protocols#awsQuery", "aws.protocols#ec2Query", "smithy.protocols#rpcv2Json"];

/// Returns the id of the one service shape, after checking the whole model.
pub fn validate(model: &Model) -> Result<String, Error> {
    if !model.smithy.starts_with('1') && !model.smithy.starts_with('2') {
        return Err(Error::unsupported("model", format!("Smithy IDL version {}", model.smithy)));
    }
    for (id, shape) in &model.shapes {
        if !matches!(shape, Shape::Apply(_)) {
            ShapeId::parse(id)?;
        }
        check_refs(model, id, shape)?;
    }
    let services: Vec<&String> = model.shapes.iter().filter(|(_, s)| matches!(s, Shape::Service(_))).map(|(id, _)| id).collect();
    let service = match services.as_slice() {
        [one] => (*one).clone(),
        [] => return Err(Error::model("model", "the model defines no service shape")),
        many => {
            let ids: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
            return Err(Error::model(
                "model",
                format!("the model defines {} services ({}); generate one model per service", many.len(), ids.join(", ")),
            ));
        }
    };
    protocol_of(model, &service, None)?;
    Ok(service)
}

/// The protocol trait the client will use: `wanted` when given (it must be
/// one the service lists and the generator implements), else the first of
/// [`SUPPORTED_PROTOCOLS`] the service lists and the model can be sent in
/// (RPC v2 CBOR has no document type).
pub fn protocol_of(model: &Model, id: &str, wanted: Option<&str>) -> Result<&'static str, Error> {
    let traits = model.shapes[id].traits();
    let supported = || SUPPORTED_PROTOCOLS.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    let listed: Vec<&str> = traits
        .keys()
        .map(String::as_str)
        .filter(|k| SUPPORTED_PROTOCOLS.contains(k) || OTHER_PROTOCOLS.contains(k) || k.starts_with("aws.protocols#"))
        .filter(|k| *k != "aws.protocols#awsQueryCompatible")
        .collect();
    if let Some(wanted) = wanted {
        let Some(p) = SUPPORTED_PROTOCOLS.iter().find(|p| **p == wanted) else {
            return Err(Error::unsupported(id, format!("protocol `{wanted}` was asked for; the generator implements {}", supported())));
        };
        if !traits.contains_key(wanted) {
            return Err(Error::model(
                id,
                format!(
                    "protocol `{wanted}` was asked for, but the service lists {}",
                    if listed.is_empty() { "none".to_owned() } else { listed.join(", ") }
                ),
            ));
        }
        if *p == CBOR {
            if let Some(obstacle) = cbor_obstacle(model) {
                return Err(Error::unsupported(id, format!("protocol `{wanted}` was asked for, but {obstacle}")));
            }
        }
        return Ok(p);
    }
    let usable = |p: &&&str| traits.contains_key(**p) && (**p != CBOR || cbor_obstacle(model).is_none());
    if let Some(p) = SUPPORTED_PROTOCOLS.iter().find(usable) {
        return Ok(p);
    }
    Err(if listed.is_empty() {
        Error::unsupported(id, format!("the service names no protocol; this generator needs one of {}", supported()))
    } else if listed == [CBOR] {
        Error::unsupported(id, format!("the service's only protocol is `{CBOR}`, but {}", cbor_obstacle(model).unwrap_or_default()))
    } else {
        Error::unsupported(id, format!("protocol {} is not implemented by the runtime; supported: {}", listed.join(", "), supported()))
    })
}

const CBOR: &str = "smithy.protocols#rpcv2Cbor";

/// Why the model cannot be sent in RPC v2 CBOR, naming the member: the
/// protocol has no document type.
fn cbor_obstacle(model: &Model) -> Option<String> {
    let is_document = |target: &str| match model.shapes.get(target) {
        Some(shape) => matches!(shape, Shape::Document(_)),
        None => matches!(prelude_shape(target), Some(("document", _))),
    };
    for (id, shape) in &model.shapes {
        let members: Vec<(&str, &str)> = match shape {
            Shape::List(l) | Shape::Set(l) => vec![("member", l.member.target.as_str())],
            Shape::Map(m) => vec![("key", m.key.target.as_str()), ("value", m.value.target.as_str())],
            other => other.members().map(|ms| ms.iter().map(|(n, m)| (n.as_str(), m.target.as_str())).collect()).unwrap_or_default(),
        };
        for (name, target) in members {
            if is_document(target) {
                return Some(format!("{id}${name} is a document (the protocol has no document type)"));
            }
        }
    }
    None
}

/// The protocols a service lists beside the one [`protocol_of`] picked
/// (`chosen`), implemented or not: a client of the service may use any one
/// of them, so these are not an error, but the crate's documentation names
/// them (and how to generate for an implemented one instead).
pub fn passed_over_protocols(service: &Shape, chosen: &str) -> Vec<String> {
    let traits = service.traits();
    SUPPORTED_PROTOCOLS
        .iter()
        .chain(&OTHER_PROTOCOLS)
        .filter(|p| **p != chosen && traits.contains_key(**p))
        .map(|p| (*p).to_owned())
        .collect()
}

fn resolves(model: &Model, target: &str) -> bool {
    model.shapes.get(target).is_some_and(|s| !matches!(s, Shape::Apply(_))) || prelude_shape(target).is_some()
}

/// Members hold data: they cannot target services, operations or resources.
fn check_member_target(model: &Model, owner: &str, target: &str) -> Result<(), Error> {
    match model.shapes.get(target) {
        Some(s @ (Shape::Service(_) | Shape::Operation(_) | Shape::Resource(_))) => {
            Err(Error::model(owner, format!("a member cannot target the {} {target}", s.type_name())))
        }
        _ => Ok(()),
    }
}

fn check_ref(model: &Model, owner: &str, what: &str, r: &Ref) -> Result<(), Error> {
    if resolves(model, &r.target) {
        Ok(())
    } else {
        Err(Error::model(owner, format!("{what} targets unknown shape {}", r.target)))
    }
}

fn check_refs(model: &Model, id: &str, shape: &Shape) -> Result<(), Error> {
    for mixin in shape.mixins() {
        check_ref(model, id, "mixin", mixin)?;
        let is_mixin = model.shapes.get(&mixin.target).is_some_and(|m| m.traits().contains_key("smithy.api#mixin"));
        if !is_mixin {
            return Err(Error::model(id, format!("uses {} as a mixin, but it has no @mixin trait", mixin.target)));
        }
    }
    if let Some(members) = shape.members() {
        let is_enum = matches!(shape, Shape::Enum(_) | Shape::IntEnum(_));
        for (name, member) in members {
            let owner = format!("{id}${name}");
            if !resolves(model, &member.target) {
                return Err(Error::model(owner, format!("member targets unknown shape {}", member.target)));
            }
            if is_enum && member.target != crate::shape_id::UNIT {
                return Err(Error::model(owner, format!("enum members must target smithy.api#Unit, not {}", member.target)));
            }
            check_member_target(model, &owner, &member.target)?;
        }
    }
    match shape {
        Shape::List(l) | Shape::Set(l) => check_member_target(model, &format!("{id}$member"), &l.member.target)?,
        Shape::Map(m) => {
            check_member_target(model, &format!("{id}$key"), &m.key.target)?;
            check_member_target(model, &format!("{id}$value"), &m.value.target)?;
        }
        _ => {}
    }
    match shape {
        Shape::List(l) | Shape::Set(l) => check_ref(model, &format!("{id}$member"), "member", &Ref { target: l.member.target.clone() }),
        Shape::Map(m) => {
            check_ref(model, &format!("{id}$key"), "key", &Ref { target: m.key.target.clone() })?;
            check_ref(model, &format!("{id}$value"), "value", &Ref { target: m.value.target.clone() })
        }
        Shape::Service(s) => {
            for r in s.operations.iter().chain(&s.resources).chain(&s.errors) {
                check_ref(model, id, "service binding", r)?;
            }
            Ok(())
        }
        Shape::Operation(o) => {
            for r in o.input.iter().chain(&o.output) {
                check_ref(model, id, "operation input or output", r)?;
            }
            for r in &o.errors {
                check_ref(model, id, "operation error", r)?;
            }
            Ok(())
        }
        Shape::Resource(r) => {
            for op in r.all_operations().chain(&r.resources) {
                check_ref(model, id, "resource binding", op)?;
            }
            Ok(())
        }
        Shape::Apply(_) => {
            let (base, member) = match id.split_once('$') {
                Some((b, m)) => (b, Some(m)),
                None => (id, None),
            };
            let target = model
                .shapes
                .get(base)
                .filter(|s| !matches!(s, Shape::Apply(_)))
                .ok_or_else(|| Error::model(id, "apply targets a shape the model does not define"))?;
            if let Some(m) = member {
                if !has_member(model, target, m) {
                    return Err(Error::model(id, format!("apply targets member {m}, which {base} does not have")));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// True when `shape` has `member`, itself or through its mixins. The depth
/// bound keeps a (separately reported) mixin cycle from recursing forever.
fn has_member(model: &Model, shape: &Shape, member: &str) -> bool {
    has_member_within(model, shape, member, 32)
}

fn has_member_within(model: &Model, shape: &Shape, member: &str, depth: u32) -> bool {
    let own = match shape {
        Shape::List(_) | Shape::Set(_) => member == "member",
        Shape::Map(_) => member == "key" || member == "value",
        other => other.members().is_some_and(|ms| ms.contains_key(member)),
    };
    own || (depth > 0
        && shape.mixins().iter().any(|m| model.shapes.get(&m.target).is_some_and(|s| has_member_within(model, s, member, depth - 1))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::load;

    fn check(json: &str) -> Result<String, Error> {
        validate(&load(json).unwrap())
    }

    const SERVICE: &str =
        r#""a#S":{"type":"service","version":"1","operations":[{"target":"a#Op"}],"traits":{"aws.protocols#awsJson1_1":{}}}"#;

    #[test]
    fn accepts_a_minimal_service() {
        let json = format!(r#"{{"smithy":"2.0","shapes":{{{SERVICE},"a#Op":{{"type":"operation"}}}}}}"#);
        assert_eq!(check(&json).unwrap(), "a#S");
    }

    #[test]
    fn unknown_member_target_names_the_member() {
        let json = format!(
            r#"{{"smithy":"2.0","shapes":{{{SERVICE},"a#Op":{{"type":"operation","input":{{"target":"a#In"}}}},
            "a#In":{{"type":"structure","members":{{"X":{{"target":"a#Missing"}}}}}}}}}}"#
        );
        assert_eq!(check(&json).unwrap_err().to_string(), "shape a#In$X: member targets unknown shape a#Missing");
    }

    #[test]
    fn unsupported_protocol_is_named() {
        let json = r#"{"smithy":"2.0","shapes":{"a#S":{"type":"service","traits":{"aws.protocols#restXml":{}}}}}"#;
        let err = check(json).unwrap_err().to_string();
        assert!(err.contains("aws.protocols#restXml is not implemented"), "{err}");
    }

    #[test]
    fn supported_protocol_wins_over_another() {
        let json =
            r#"{"smithy":"2.0","shapes":{"a#S":{"type":"service","traits":{"aws.protocols#restJson1":{},"aws.protocols#awsJson1_0":{}}}}}"#;
        let model = load(json).unwrap();
        assert_eq!(protocol_of(&model, "a#S", None).unwrap(), "aws.protocols#awsJson1_0");
        assert_eq!(passed_over_protocols(&model.shapes["a#S"], "aws.protocols#awsJson1_0"), ["aws.protocols#restJson1"]);
    }

    #[test]
    fn protocols_are_chosen_in_aws_order_or_as_asked() {
        let with = |extra: &str| {
            let json = format!(
                r#"{{"smithy":"2.0","shapes":{{"a#S":{{"type":"service","traits":{{"aws.protocols#awsJson1_1":{{}},"aws.protocols#awsJson1_0":{{}},"smithy.protocols#rpcv2Cbor":{{}}}}}}{extra}}}}}"#
            );
            crate::ast::load(&json).unwrap()
        };
        let model = with("");
        assert_eq!(protocol_of(&model, "a#S", None).unwrap(), "smithy.protocols#rpcv2Cbor");
        assert_eq!(protocol_of(&model, "a#S", Some("aws.protocols#awsJson1_1")).unwrap(), "aws.protocols#awsJson1_1");
        let err = protocol_of(&model, "a#S", Some("aws.protocols#restXml")).unwrap_err().to_string();
        assert!(err.contains("`aws.protocols#restXml` was asked for; the generator implements"), "{err}");
        let only_json =
            crate::ast::load(r#"{"smithy":"2.0","shapes":{"a#S":{"type":"service","traits":{"aws.protocols#awsJson1_1":{}}}}}"#).unwrap();
        let err = protocol_of(&only_json, "a#S", Some("smithy.protocols#rpcv2Cbor")).unwrap_err().to_string();
        assert!(err.contains("but the service lists aws.protocols#awsJson1_1"), "{err}");
        // A document member rules CBOR out by default, and refuses it when asked for, naming the member.
        let model = with(r#","a#T":{"type":"structure","members":{"Doc":{"target":"smithy.api#Document"}}}"#);
        assert_eq!(protocol_of(&model, "a#S", None).unwrap(), "aws.protocols#awsJson1_0");
        let err = protocol_of(&model, "a#S", Some("smithy.protocols#rpcv2Cbor")).unwrap_err().to_string();
        assert!(err.contains("a#T$Doc is a document (the protocol has no document type)"), "{err}");
        // Big numbers are CBOR's tags 2, 3 and 4: no obstacle.
        let model = with(r#","a#T":{"type":"structure","members":{"N":{"target":"smithy.api#BigDecimal"}}}"#);
        assert_eq!(protocol_of(&model, "a#S", None).unwrap(), "smithy.protocols#rpcv2Cbor");
    }

    #[test]
    fn two_services_or_none_are_refused() {
        let none = check(r#"{"smithy":"2.0","shapes":{}}"#).unwrap_err().to_string();
        assert!(none.contains("no service"), "{none}");
        let two = r#"{"smithy":"2.0","shapes":{"a#S":{"type":"service"},"a#T":{"type":"service"}}}"#;
        assert!(check(two).unwrap_err().to_string().contains("2 services"));
    }

    #[test]
    fn mixin_without_mixin_trait_and_bad_apply_are_refused() {
        let json = r#"{"smithy":"2.0","shapes":{"a#M":{"type":"structure"},"a#S":{"type":"structure","mixins":[{"target":"a#M"}]}}}"#;
        assert!(check(json).unwrap_err().to_string().contains("no @mixin trait"));
        let json = r#"{"smithy":"2.0","shapes":{"a#S":{"type":"structure"},"a#S$x":{"type":"apply","traits":{}}}}"#;
        assert!(check(json).unwrap_err().to_string().contains("does not have"));
    }

    #[test]
    fn bad_shape_id_is_refused() {
        let json = r#"{"smithy":"2.0","shapes":{"NoNamespace":{"type":"string"}}}"#;
        assert!(check(json).unwrap_err().to_string().contains("no namespace"));
    }
}
