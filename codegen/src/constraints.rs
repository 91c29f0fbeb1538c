//! Part of stage 4, lower: a member's `@length`, `@range` and `@pattern`
//! (of a structure member, list member, map key or value), its target's
//! merged with its own. Validation checked every value read here.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ast::{Shape, Traits};
use crate::ir::Constraints;

/// The constraints of a member targeting `target` with `member_traits`:
/// its target's, overridden by its own.
pub fn of(shapes: &BTreeMap<String, Shape>, target: &str, member_traits: &Traits) -> Constraints {
    let mut constraints = Constraints::default();
    for traits in shapes.get(target).map(Shape::traits).into_iter().chain([member_traits]) {
        merge(&mut constraints, traits);
    }
    constraints
}

/// Adds the constraint traits of `traits` to `c`; the member's own, merged
/// last, win over its target's.
fn merge(c: &mut Constraints, traits: &Traits) {
    let bound = |v: &Value, k: &str| v.get(k).filter(|x| !x.is_null()).cloned();
    if let Some(length) = traits.get("smithy.api#length") {
        c.length_min = bound(length, "min").and_then(|v| v.as_u64()).or(c.length_min);
        c.length_max = bound(length, "max").and_then(|v| v.as_u64()).or(c.length_max);
    }
    if let Some(range) = traits.get("smithy.api#range") {
        let num = |k: &str| bound(range, k).filter(Value::is_number).map(|n| n.to_string());
        c.range_min = num("min").or(c.range_min.take());
        c.range_max = num("max").or(c.range_max.take());
    }
    if let Some(p) = traits.get("smithy.api#pattern").and_then(Value::as_str) {
        c.pattern = Some(p.to_owned());
    }
}
