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

/// Whether `op`'s output can repeat a structure or union of its input that
/// holds strings.
pub fn echoes(ir: &Ir, op: &Operation) -> bool {
    let mut input = reachable(ir, [op.input.clone()]);
    input.remove(&op.input);
    let output = reachable(ir, [op.output.clone()]);
    input.intersection(&output).any(|id| holds_strings(ir, id))
}

/// The shapes that get a `give_` function: those reachable from the input
/// of an echoing operation that hold strings.
pub fn givers(ir: &Ir) -> BTreeSet<ShapeId> {
    let roots = ir.operations.iter().filter(|op| echoes(ir, op)).map(|op| op.input.clone());
    reachable(ir, roots).into_iter().filter(|id| holds_strings(ir, id)).collect()
}

/// Whether a value of the structure or union `id` can hold a string, in it
/// or in anything it reaches. Enums are not counted: their values are
/// written from `as_str`, not given.
fn holds_strings(ir: &Ir, id: &ShapeId) -> bool {
    reachable(ir, [id.clone()]).iter().any(|id| members(ir, id).iter().any(|m| type_has_string(&m.ty)))
}

fn members<'a>(ir: &'a Ir, id: &ShapeId) -> &'a [Member] {
    match ir.shape(id) {
        Shape::Structure(s) => &s.members,
        Shape::Union(u) => &u.members,
        Shape::Enum(_) | Shape::IntEnum(_) => &[],
    }
}

fn type_has_string(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Prim(Prim::String) => true,
        TypeRef::List { element, .. } => type_has_string(element),
        TypeRef::Map { key, value, .. } => type_has_string(key) || type_has_string(value),
        TypeRef::Unit | TypeRef::Prim(_) | TypeRef::Named(_) => false,
    }
}

/// Statements giving the strings of `value` (an owned expression of type
/// `ty`) to `pool`, or `None` when it holds none.
fn give_value(ir: &Ir, ty: &TypeRef, value: TokenStream) -> Option<TokenStream> {
    match ty {
        TypeRef::Prim(Prim::String) => Some(quote!(pool.give(#value);)),
        TypeRef::Unit | TypeRef::Prim(_) => None,
        TypeRef::List { element, sparse, .. } => {
            let item = give_value(ir, element, quote!(item))?;
            let items = if *sparse { quote!(#value.into_iter().flatten()) } else { quote!(#value) };
            Some(quote! { for item in #items { #item } })
        }
        TypeRef::Map { key, value: v, sparse, .. } => {
            let key_is_string = matches!(key.as_ref(), TypeRef::Prim(Prim::String));
            let item = give_value(ir, v, quote!(item));
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
            Shape::Structure(_) | Shape::Union(_) if holds_strings(ir, id) => {
                let f = ident(&naming::give_fn(ir.shape(id).name()));
                Some(quote!(crate::protocol_serde::#f(#value, pool);))
            }
            _ => None,
        },
    }
}

/// The `give_` function of the structure or union `id`.
pub fn emit(ir: &Ir, id: &ShapeId) -> TokenStream {
    let shape = ir.shape(id);
    let path = named_path(ir, id);
    let f = ident(&naming::give_fn(shape.name()));
    let pool = rt::string_pool();
    // A boxed member (one closing a cycle) is given what its box holds.
    let owned = |m: &Member| if m.boxed { quote!(*value) } else { quote!(value) };
    let body = match shape {
        Shape::Structure(s) => {
            let place = naming::place_of(s.role, s.error.is_some());
            let members = s.members.iter().filter_map(|m| {
                let give = give_value(ir, &m.ty, owned(m))?;
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
                let give = give_value(ir, &m.ty, owned(m))?;
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
        Shape::Enum(_) | Shape::IntEnum(_) => unreachable!("givers() holds structures and unions only"),
    };
    quote! {
        pub(crate) fn #f(input: #path, pool: &mut #pool) {
            #body
        }
    }
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
        let echoes: Vec<&str> = ir.operations.iter().filter(|op| echoes(&ir, op)).map(|op| op.name.as_str()).collect();
        // Tally's shared structure holds no string, and a string member of
        // the same name in both is not a record the answer repeats.
        assert_eq!(echoes, ["Echo"]);
    }

    #[test]
    fn givers_are_the_echoing_inputs_and_what_they_reach_with_strings() {
        let ir = ir();
        let givers = givers(&ir);
        let names: Vec<&str> = givers.iter().map(|id| id.name.as_str()).collect();
        assert_eq!(names, ["Rec", "EchoInput"]);
        let rec = givers.iter().find(|id| id.name == "Rec").unwrap();
        let text = emit(&ir, rec).to_string();
        assert!(text.contains("pool . give (k)"), "map keys are given: {text}");
        assert!(text.contains("let _ = item"), "integer values are not: {text}");
    }
}
