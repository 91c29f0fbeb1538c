//! The operations the generator leaves out of a crate rather than refuse
//! the whole service: today those whose input or output is an event stream.
//! Lowering skips them and records each in the IR with the reason, which the
//! crate's documentation and the generator's output both give.

use std::collections::BTreeMap;

use crate::ast::Shape as AstShape;

/// Why operation `op_id` is left out: its input or output has an event
/// stream (a member targeting a `@streaming` union), which the clients of
/// this generator do not implement; the rest of the service generates.
pub fn event_stream(shapes: &BTreeMap<String, AstShape>, op_id: &str) -> Option<String> {
    let Some(AstShape::Operation(op)) = shapes.get(op_id) else { return None };
    for (side, target) in [("input", &op.input), ("output", &op.output)] {
        let Some(AstShape::Structure(s)) = target.as_ref().and_then(|t| shapes.get(&t.target)) else { continue };
        for (name, m) in &s.members {
            let streaming_union =
                matches!(shapes.get(&m.target), Some(AstShape::Union(u)) if u.traits.contains_key("smithy.api#streaming"));
            if streaming_union {
                let union = m.target.rsplit('#').next().unwrap_or(&m.target);
                return Some(format!("its {side} member {name} is an event stream ({union}), which this generator does not implement yet"));
            }
        }
    }
    None
}
