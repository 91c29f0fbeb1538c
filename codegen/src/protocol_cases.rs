//! Part of stage 4, lower: the model's `smithy.test` compliance cases
//! (`httpRequestTests` and `httpResponseTests`) that apply to this client,
//! kept as written for `emit/protocol_tests.rs`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ast::Shape as AstShape;
use crate::ir::{Operation, Protocol, ProtocolTest, ProtocolTestKind, Shape};
use crate::normalise::Shapes;
use crate::shape_id::ShapeId;

/// The `smithy.test` cases of the lowered operations and errors that apply
/// to a client of `protocol`.
pub fn lower(shapes: &Shapes, protocol: Protocol, operations: &[Operation], named: &BTreeMap<ShapeId, Shape>) -> Vec<ProtocolTest> {
    let protocol_id = protocol.trait_id();
    let cases = |owner: &ShapeId, trait_id: &str, kind: ProtocolTestKind| -> Vec<ProtocolTest> {
        let traits = shapes.get(&owner.absolute()).map(AstShape::traits);
        let list = traits.and_then(|t| t.get(trait_id)).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        list.iter()
            .filter(|c| c.get("appliesTo").and_then(Value::as_str) != Some("server"))
            .filter(|c| c.get("protocol").and_then(Value::as_str) == Some(protocol_id))
            .map(|c| ProtocolTest {
                kind,
                owner: owner.clone(),
                id: c.get("id").and_then(Value::as_str).unwrap_or("unnamed").to_owned(),
                case: c.clone(),
            })
            .collect()
    };
    let mut out = Vec::new();
    for op in operations {
        out.extend(cases(&op.id, "smithy.test#httpRequestTests", ProtocolTestKind::Request));
        out.extend(cases(&op.id, "smithy.test#httpResponseTests", ProtocolTestKind::Response));
    }
    for (id, shape) in named {
        if matches!(shape, Shape::Structure(s) if s.error.is_some()) {
            out.extend(cases(id, "smithy.test#httpResponseTests", ProtocolTestKind::Error));
        }
    }
    out
}
