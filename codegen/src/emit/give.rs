//! Emits the `give_` functions: after an input is written, they move its
//! strings into the runtime's `StringPool`, from which the reader of the
//! answer takes the strings the answer repeats instead of copying them.
//!
//! Only operations whose output can repeat part of their input do this (an
//! echoing operation: a structure or union holding strings is reachable from
//! both its input and its output, as `UsageRecord` is from
//! `BatchMeterUsage`'s); for the others the input is dropped as before and
//! the pool stays empty, so they pay nothing for it.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::rt;
use super::serde::reachable;
use super::types::{field_is_optional, ident, named_path};
use crate::ir::{Ir, Member, Operation, Prim, Shape, TypeRef};
use crate::naming;
use crate::shape_id::ShapeId;

/// Which operations echo and which shapes give their strings, worked out
/// once for the whole model.
pub struct Echoing {
    /// Structures and unions whose values can hold a string, in them or in
    /// anything they reach. Enums are not counted: their values are written
    /// from `as_str`, not given.
    stringy: BTreeSet<ShapeId>,
    /// Operations whose output can repeat a structure or union of their
    /// input that holds strings.
    echoing: BTreeSet<ShapeId>,
    /// The shapes that get a `give_` function: those reachable from the
    /// input of an echoing operation that hold strings.
    givers: BTreeSet<ShapeId>,
}

impl Echoing {
    pub fn new(ir: &Ir) -> Echoing {
        let stringy = stringy(ir);
        let echoing: BTreeSet<ShapeId> = ir
            .operations
            .iter()
            // restJson1 builds its request apart from the body writer, which
            // counts the strings a pool is sized by: no echoing there.
            .filter(|_| !ir.service.protocol.is_rest())
            .filter(|op| {
                let mut input = reachable(ir, [op.input.clone()]);
                input.remove(&op.input);
                let output = reachable(ir, [op.output.clone()]);
                input.intersection(&output).any(|id| stringy.contains(id))
            })
            .map(|op| op.id.clone())
            .collect();
        let roots = ir.operations.iter().filter(|op| echoing.contains(&op.id)).map(|op| op.input.clone());
        let givers = reachable(ir, roots).into_iter().filter(|id| stringy.contains(id)).collect();
        Echoing { stringy, echoing, givers }
    }

    /// Whether `op`'s output can repeat part of its input.
    pub fn echoes(&self, op: &Operation) -> bool {
        self.echoing.contains(&op.id)
    }

    /// The `give_` function of `id`, when it has one.
    pub fn emit(&self, ir: &Ir, id: &ShapeId) -> Option<TokenStream> {
        self.givers.contains(id).then(|| emit(ir, id, &self.stringy)).flatten()
    }
}

/// The structures and unions that can hold a string: those with a string
/// member, then, until nothing changes, those with a member of one of them.
fn stringy(ir: &Ir) -> BTreeSet<ShapeId> {
    let mut found = BTreeSet::new();
    loop {
        let before = found.len();
        for (id, shape) in &ir.shapes {
            let members = match shape {
                Shape::Structure(s) => &s.members[..],
                Shape::Union(u) => &u.members[..],
                Shape::Enum(_) | Shape::IntEnum(_) => continue,
            };
            if !found.contains(id) && members.iter().any(|m| type_holds_string(&m.ty, &found)) {
                found.insert(id.clone());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

fn type_holds_string(ty: &TypeRef, stringy: &BTreeSet<ShapeId>) -> bool {
    match ty {
        TypeRef::Prim(Prim::String) => true,
        TypeRef::List { element, .. } => type_holds_string(element, stringy),
        TypeRef::Map { key, value, .. } => type_holds_string(key, stringy) || type_holds_string(value, stringy),
        TypeRef::Named(id) => stringy.contains(id),
        TypeRef::Unit | TypeRef::Prim(_) => false,
    }
}

/// Statements giving the strings of `value` (an owned expression of type
/// `ty`) to `pool`, or `None` when it holds none.
fn give_value(ir: &Ir, ty: &TypeRef, value: TokenStream, stringy: &BTreeSet<ShapeId>) -> Option<TokenStream> {
    match ty {
        TypeRef::Prim(Prim::String) => Some(quote!(pool.give(#value);)),
        TypeRef::Unit | TypeRef::Prim(_) => None,
        TypeRef::List { element, sparse, .. } => {
            let item = give_value(ir, element, quote!(item), stringy)?;
            let items = if *sparse { quote!(#value.into_iter().flatten()) } else { quote!(#value) };
            Some(quote! { for item in #items { #item } })
        }
        TypeRef::Map { key, value: v, sparse, .. } => {
            let key_is_string = matches!(key.as_ref(), TypeRef::Prim(Prim::String));
            let item = give_value(ir, v, quote!(item), stringy);
            if !key_is_string && item.is_none() {
                return None;
            }
            let (k, give_key) = if key_is_string { (quote!(k), quote!(pool.give(k);)) } else { (quote!(_), quote!()) };
            let item = match (item, *sparse) {
                (Some(item), true) => quote! { if let ::std::option::Option::Some(item) = item { #item } },
                (Some(item), false) => item,
                (None, _) => quote!(let _ = item;),
            };
            Some(quote! { for (#k, item) in #value { #give_key #item } })
        }
        TypeRef::Named(id) => match ir.shape(id) {
            Shape::Structure(_) | Shape::Union(_) if stringy.contains(id) => {
                let f = ident(&naming::give_fn(&naming::serde_name(id, ir.shape(id).name())));
                Some(quote!(crate::protocol_serde::#f(#value, pool);))
            }
            _ => None,
        },
    }
}

/// The `give_` function of the structure or union `id`.
fn emit(ir: &Ir, id: &ShapeId, stringy: &BTreeSet<ShapeId>) -> Option<TokenStream> {
    let shape = ir.shape(id);
    let path = named_path(ir, id);
    let f = ident(&naming::give_fn(&naming::serde_name(id, shape.name())));
    let pool = rt::string_pool();
    // A boxed member (one closing a cycle) is given what its box holds.
    let owned = |m: &Member| if m.boxed { quote!(*value) } else { quote!(value) };
    let body = match shape {
        Shape::Structure(s) => {
            let place = naming::place_of(s.role, s.error.is_some());
            let members = s.members.iter().filter_map(|m| {
                let give = give_value(ir, &m.ty, owned(m), stringy)?;
                let field = ident(&naming::member_name(&m.name, place));
                Some(if field_is_optional(m, s.role) {
                    quote! { if let ::std::option::Option::Some(value) = input.#field { #give } }
                } else {
                    quote! { { let value = input.#field; #give } }
                })
            });
            quote!(#(#members)*)
        }
        Shape::Union(u) => {
            let arms = u.members.iter().filter_map(|m| {
                let give = give_value(ir, &m.ty, owned(m), stringy)?;
                let v = ident(&naming::variant_name(&m.name));
                Some(quote!(#path::#v(value) => { #give }))
            });
            quote! {
                #[allow(clippy::single_match)]
                match input {
                    #(#arms)*
                    _ => {}
                }
            }
        }
        Shape::Enum(_) | Shape::IntEnum(_) => return None,
    };
    Some(quote! {
        pub(crate) fn #f(input: #path, pool: &mut #pool) {
            #body
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::tests::{lower_json, service};

    /// `Echo` answers with the `Rec` it was sent; `Count` takes a `Rec` and
    /// answers with a number; `Tally` shares only a structure of numbers.
    fn ir() -> Ir {
        let json = service(
            r#","a#Echo":{"type":"operation","input":{"target":"a#EchoIn"},"output":{"target":"a#EchoOut"}},
            "a#Count":{"type":"operation","input":{"target":"a#CountIn"},"output":{"target":"a#CountOut"}},
            "a#Tally":{"type":"operation","input":{"target":"a#TallyIn"},"output":{"target":"a#TallyOut"}},
            "a#EchoIn":{"type":"structure","members":{"Recs":{"target":"a#Recs"},"Note":{"target":"smithy.api#String"}}},
            "a#EchoOut":{"type":"structure","members":{"Recs":{"target":"a#Recs"}}},
            "a#CountIn":{"type":"structure","members":{"Rec":{"target":"a#Rec"}}},
            "a#CountOut":{"type":"structure","members":{"N":{"target":"smithy.api#Integer"}}},
            "a#TallyIn":{"type":"structure","members":{"T":{"target":"a#Numbers"},"Name":{"target":"smithy.api#String"}}},
            "a#TallyOut":{"type":"structure","members":{"T":{"target":"a#Numbers"},"Name":{"target":"smithy.api#String"}}},
            "a#Numbers":{"type":"structure","members":{"N":{"target":"smithy.api#Integer"}}},
            "a#Recs":{"type":"list","member":{"target":"a#Rec"}},
            "a#Rec":{"type":"structure","members":{"Tags":{"target":"a#Tags"},"N":{"target":"smithy.api#Integer"}}},
            "a#Tags":{"type":"map","key":{"target":"smithy.api#String"},"value":{"target":"smithy.api#Integer"}}"#,
            r#"{"target":"a#Echo"},{"target":"a#Count"},{"target":"a#Tally"}"#,
        );
        lower_json(&json).unwrap()
    }

    #[test]
    fn only_an_output_repeating_a_record_with_strings_echoes() {
        let ir = ir();
        let echoing = Echoing::new(&ir);
        let echoes: Vec<&str> = ir.operations.iter().filter(|op| echoing.echoes(op)).map(|op| op.name.as_str()).collect();
        // Tally's shared structure holds no string, and a string member of
        // the same name in both is not a record the answer repeats.
        assert_eq!(echoes, ["Echo"]);
    }

    #[test]
    fn givers_are_the_echoing_inputs_and_what_they_reach_with_strings() {
        let ir = ir();
        let echoing = Echoing::new(&ir);
        let names: Vec<&str> = echoing.givers.iter().map(|id| id.name.as_str()).collect();
        assert_eq!(names, ["Rec", "EchoInput"]);
        let rec = echoing.givers.iter().find(|id| id.name == "Rec").unwrap();
        let text = echoing.emit(&ir, rec).unwrap().to_string();
        assert!(text.contains("pool . give (k)"), "map keys are given: {text}");
        assert!(text.contains("let _ = item"), "integer values are not: {text}");
    }
}
