//! Stage 3, normalise: the model as if it had been written without `apply`
//! statements or mixins.
//!
//! In order: merge every `apply` statement into its target shape or member;
//! flatten mixins (mixin members first, in mixin order; local members and
//! traits win); then apply the statements that were aimed at members a shape
//! inherits from a mixin, to that shape alone. What comes out is a map of
//! shapes with no `apply` entries and no mixins left to resolve.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde_json::Value;

use crate::ast::{Member as AstMember, Model, Shape as AstShape, Traits};
use crate::error::Error;

/// Shapes by absolute id, after normalisation.
pub type Shapes = BTreeMap<String, AstShape>;

/// Normalises `model` (validated: see [`crate::validate`]).
pub fn normalise(model: &Model) -> Result<Shapes, Error> {
    let (shapes, deferred) = apply_traits(model)?;
    let mut shapes = flatten_mixins(shapes)?;
    apply_deferred(&mut shapes, deferred)?;
    Ok(shapes)
}

/// `apply` statements aimed at members a shape inherits from a mixin: they
/// wait until mixins are flattened, and then affect that shape alone.
type Deferred = Vec<(String, String, Traits)>;

/// Merges every `apply` statement's traits into its target shape or member.
fn apply_traits(model: &Model) -> Result<(BTreeMap<String, AstShape>, Deferred), Error> {
    let mut deferred = Vec::new();
    let mut shapes: BTreeMap<String, AstShape> =
        model.shapes.iter().filter(|(_, s)| !matches!(s, AstShape::Apply(_))).map(|(id, s)| (id.clone(), s.clone())).collect();
    for (id, shape) in &model.shapes {
        let AstShape::Apply(apply) = shape else { continue };
        let (base, member) = match id.split_once('$') {
            Some((b, m)) => (b, Some(m)),
            None => (id.as_str(), None),
        };
        let target = shapes.get_mut(base).ok_or_else(|| Error::model(id, "apply targets an unknown shape"))?;
        let traits = match member {
            None => target.traits_mut(),
            Some(m) => match member_traits_mut(target, m) {
                Some(t) => t,
                None => {
                    deferred.push((base.to_owned(), m.to_owned(), apply.traits.clone()));
                    continue;
                }
            },
        };
        for (k, v) in &apply.traits {
            traits.insert(k.clone(), v.clone());
        }
    }
    Ok((shapes, deferred))
}

fn apply_deferred(shapes: &mut BTreeMap<String, AstShape>, deferred: Deferred) -> Result<(), Error> {
    for (base, member, traits) in deferred {
        let target = shapes.get_mut(&base).expect("checked when deferred");
        let existing = member_traits_mut(target, &member)
            .ok_or_else(|| Error::model(format!("{base}${member}"), "apply targets a member the shape does not have"))?;
        existing.extend(traits);
    }
    Ok(())
}

fn member_traits_mut<'a>(shape: &'a mut AstShape, member: &str) -> Option<&'a mut Traits> {
    match shape {
        AstShape::Enum(a) | AstShape::IntEnum(a) | AstShape::Structure(a) | AstShape::Union(a) => {
            a.members.get_mut(member).map(|m| &mut m.traits)
        }
        AstShape::List(l) | AstShape::Set(l) if member == "member" => Some(&mut l.member.traits),
        AstShape::Map(m) => match member {
            "key" => Some(&mut m.key.traits),
            "value" => Some(&mut m.value.traits),
            _ => None,
        },
        _ => None,
    }
}

/// Copies mixin members (first, in mixin order) and mixin traits into every
/// shape that uses mixins. Local members and traits win.
fn flatten_mixins(mut shapes: BTreeMap<String, AstShape>) -> Result<BTreeMap<String, AstShape>, Error> {
    let ids: Vec<String> = shapes.keys().cloned().collect();
    let mut done = BTreeSet::new();
    for id in &ids {
        flatten_one(&mut shapes, id, &mut done, &mut Vec::new())?;
    }
    Ok(shapes)
}

fn flatten_one(
    shapes: &mut BTreeMap<String, AstShape>,
    id: &str,
    done: &mut BTreeSet<String>,
    stack: &mut Vec<String>,
) -> Result<(), Error> {
    if done.contains(id) {
        return Ok(());
    }
    if stack.iter().any(|s| s == id) {
        return Err(Error::model(id, format!("mixins form a cycle: {} -> {id}", stack.join(" -> "))));
    }
    let mixins: Vec<String> = shapes[id].mixins().iter().map(|r| r.target.clone()).collect();
    stack.push(id.to_owned());
    for m in &mixins {
        flatten_one(shapes, m, done, stack)?;
    }
    stack.pop();
    if !mixins.is_empty() {
        let mut inherited_members: IndexMap<String, AstMember> = IndexMap::new();
        let mut inherited_traits = Traits::new();
        for m in &mixins {
            let mixin = &shapes[m];
            if mixin.type_name() != shapes[id].type_name() {
                return Err(Error::model(id, format!("a {} cannot use the {} {m} as a mixin", shapes[id].type_name(), mixin.type_name())));
            }
            if let Some(members) = mixin.members() {
                for (name, member) in members {
                    inherited_members.insert(name.clone(), member.clone());
                }
            }
            for (k, v) in mixin.traits() {
                // The mixin trait itself, and the mixin's local-only traits, are not inherited.
                let local_only = mixin
                    .traits()
                    .get("smithy.api#mixin")
                    .and_then(|t| t.get("localTraits"))
                    .and_then(Value::as_array)
                    .is_some_and(|l| l.iter().any(|x| x == k));
                if k != "smithy.api#mixin" && !local_only {
                    inherited_traits.insert(k.clone(), v.clone());
                }
            }
        }
        let shape = shapes.get_mut(id).expect("shape exists");
        let own_traits = std::mem::take(shape.traits_mut());
        inherited_traits.extend(own_traits);
        *shape.traits_mut() = inherited_traits;
        if let AstShape::Structure(a) | AstShape::Union(a) | AstShape::Enum(a) | AstShape::IntEnum(a) = shape {
            for (name, member) in std::mem::take(&mut a.members) {
                // A local member with a mixin member's name may only add traits.
                match inherited_members.get_mut(&name) {
                    Some(existing) => existing.traits.extend(member.traits),
                    None => {
                        inherited_members.insert(name, member);
                    }
                }
            }
            a.members = inherited_members;
        }
    }
    done.insert(id.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::lower::tests::{lower_json, service};

    #[test]
    fn flattens_mixins_and_merges_apply() {
        let json = service(
            r#","a#Op":{"type":"operation","output":{"target":"a#Out"}},
            "a#Base":{"type":"structure","members":{"Id":{"target":"smithy.api#String"}},"traits":{"smithy.api#mixin":{},"smithy.api#documentation":"base"}},
            "a#Out":{"type":"structure","mixins":[{"target":"a#Base"}],"members":{"Extra":{"target":"smithy.api#Integer"}}},
            "a#Out$Id":{"type":"apply","traits":{"smithy.api#required":{}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        let ir = lower_json(&json).unwrap();
        let out = ir.structure(&ir.operations[0].output);
        let names: Vec<&str> = out.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Id", "Extra"]);
        assert!(out.members[0].required);
        assert_eq!(out.docs.as_deref(), Some("base"));
    }
}
