//! Recursive shapes: after lowering, a member whose structure or union can
//! reach back to its own shape without passing through a list or map (which
//! allocate already) is marked `boxed`, so the generated type has a finite
//! size.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Shape, TypeRef};
use crate::shape_id::ShapeId;

/// Marks members whose named target can reach back to the member's own shape
/// without passing through a list or map: such a member needs a `Box`.
pub fn box_recursive_members(named: &mut BTreeMap<ShapeId, Shape>) {
    let direct: BTreeMap<ShapeId, Vec<ShapeId>> = named
        .iter()
        .map(|(id, s)| {
            let members = match s {
                Shape::Structure(s) => &s.members[..],
                Shape::Union(u) => &u.members[..],
                _ => &[],
            };
            let targets = members
                .iter()
                .filter_map(|m| match &m.ty {
                    TypeRef::Named(t) if matches!(named.get(t), Some(Shape::Structure(_) | Shape::Union(_))) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            (id.clone(), targets)
        })
        .collect();
    let reaches = |from: &ShapeId, to: &ShapeId| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(s) = stack.pop() {
            if &s == to {
                return true;
            }
            if seen.insert(s.clone()) {
                stack.extend(direct.get(&s).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (id, targets) in &direct {
        for t in targets {
            if reaches(t, id) {
                to_box.push((id.clone(), t.clone()));
            }
        }
    }
    for (id, target) in to_box {
        let members = match named.get_mut(&id) {
            Some(Shape::Structure(s)) => &mut s.members,
            Some(Shape::Union(u)) => &mut u.members,
            _ => continue,
        };
        for m in members.iter_mut() {
            if m.ty == TypeRef::Named(target.clone()) {
                m.boxed = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::Shape;
    use crate::lower::tests::{lower_json, service};

    #[test]
    fn boxes_recursive_members_but_not_through_lists() {
        let json = service(
            r#","a#Op":{"type":"operation","input":{"target":"a#Node"}},
            "a#Node":{"type":"structure","members":{"Next":{"target":"a#Node"},"Children":{"target":"a#Nodes"},"U":{"target":"a#U"}}},
            "a#Nodes":{"type":"list","member":{"target":"a#Node"}},
            "a#U":{"type":"union","members":{"Leaf":{"target":"smithy.api#String"},"Deeper":{"target":"a#U"}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        let ir = lower_json(&json).unwrap();
        let node = ir.shapes.values().find(|s| s.name() == "Node").unwrap();
        let Shape::Structure(node) = node else { panic!() };
        let boxed: Vec<(&str, bool)> = node.members.iter().map(|m| (m.name.as_str(), m.boxed)).collect();
        assert_eq!(boxed, [("Next", true), ("Children", false), ("U", false)]);
        let Shape::Union(u) = ir.shapes.values().find(|s| s.name() == "U").unwrap() else { panic!() };
        assert!(u.members[1].boxed);
    }
}
