//! Emits the statement that gathers an operation's endpoint context
//! parameters from its traits and its input (`endpoint_params`, a
//! `Vec<(&'static str, RuleValue)>`, highest precedence first): the
//! static values as literals, and each input path as an expression that
//! reads the input without copying more than the values themselves.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::rt;
use super::types::{field_is_optional, ident};
use crate::error::Error;
use crate::ir::{ContextSource, InputPath, Ir, Operation, Prim, Shape, TypeRef};
use crate::naming;

/// `let endpoint_params = ...;` for `op`, reading `input`.
pub fn gather(ir: &Ir, op: &Operation) -> Result<TokenStream, Error> {
    let value = rt::rule_value();
    if op.context_params.is_empty() {
        return Ok(quote!(let endpoint_params = ::std::vec::Vec::new();));
    }
    // The static values first (they take precedence), as the vector's literal; then the input's, where set.
    let mut statics = Vec::new();
    let mut pushes = Vec::new();
    for p in &op.context_params {
        let name = p.name.as_str();
        match &p.source {
            ContextSource::Static(v) => {
                let v = literal(&value, v);
                statics.push(quote!((#name, #v)));
            }
            ContextSource::Input(path) => {
                let expr = input_path(ir, op, path, &value)?;
                pushes.push(quote! {
                    if let ::std::option::Option::Some(v) = #expr {
                        endpoint_params.push((#name, v));
                    }
                });
            }
        }
    }
    let binding = if pushes.is_empty() { quote!(let endpoint_params) } else { quote!(let mut endpoint_params) };
    Ok(quote! {
        #binding: ::std::vec::Vec<(&'static str, #value)> = ::std::vec![#(#statics),*];
        #(#pushes)*
    })
}

fn literal(value: &TokenStream, v: &Value) -> TokenStream {
    match v {
        Value::Bool(b) => quote!(#value::Bool(#b)),
        Value::String(s) => quote!(#value::Str(#s.to_owned())),
        Value::Array(items) => {
            let items = items.iter().filter_map(Value::as_str);
            quote!(#value::strings([#(#items),*]))
        }
        // Lowering refused any other value.
        _ => quote!(#value::None),
    }
}

/// Where a path is while its expression is built: one value (`Option<&T>`)
/// or, after a `[*]` or `keys(...)`, many (an iterator of `&T`).
enum At {
    One(TokenStream),
    Many(TokenStream),
}

/// An `Option<RuleValue>` expression for `path` over `input`.
fn input_path(ir: &Ir, op: &Operation, path: &InputPath, value: &TokenStream) -> Result<TokenStream, Error> {
    let fail = |why: String| Error::model(op.id.absolute(), format!("endpoint context parameter path: {why}"));
    let mut at = At::One(quote!(::std::option::Option::Some(&input)));
    let mut current = TypeRef::Named(op.input.clone());
    for step in &path.steps {
        let TypeRef::Named(id) = &current else {
            return Err(fail(format!("{} is reached through a member that is not a structure", step.member)));
        };
        let Shape::Structure(s) = ir.shape(id) else { return Err(fail(format!("{} is not a structure", id.name))) };
        let member =
            s.members.iter().find(|m| m.name == step.member).ok_or_else(|| fail(format!("{} has no member {}", s.name, step.member)))?;
        let field = ident(&naming::member_name(&member.name, naming::place_of(s.role, s.error.is_some())));
        let read = match (field_is_optional(member, s.role), member.boxed) {
            (true, true) => quote!(|v| v.#field.as_deref()),
            (true, false) => quote!(|v| v.#field.as_ref()),
            (false, _) => quote!(|v| ::std::option::Option::Some(&v.#field)),
        };
        at = match at {
            At::One(e) => At::One(quote!(#e.and_then(#read))),
            At::Many(e) => At::Many(quote!(#e.filter_map(#read))),
        };
        current = member.ty.clone();
        if step.each {
            let TypeRef::List { element, sparse, .. } = &current else { return Err(fail(format!("{}[*] is not a list", step.member))) };
            let flatten = if *sparse { quote!(.flatten()) } else { quote!() };
            at = match at {
                At::One(e) => At::Many(quote!(#e.into_iter().flat_map(|l| l.iter() #flatten))),
                At::Many(e) => At::Many(quote!(#e.flat_map(|l| l.iter() #flatten))),
            };
            current = (**element).clone();
        }
    }
    if path.keys {
        let TypeRef::Map { key, .. } = &current else { return Err(fail("keys(...) of something that is not a map".into())) };
        at = match at {
            At::One(e) => At::Many(quote!(#e.into_iter().flat_map(|m| m.keys()))),
            At::Many(e) => At::Many(quote!(#e.flat_map(|m| m.keys()))),
        };
        current = (**key).clone();
    }
    let convert = |ty: &TypeRef| -> Result<TokenStream, Error> {
        Ok(match ty {
            TypeRef::Prim(Prim::String) => quote!(|v| #value::Str(::std::string::ToString::to_string(v))),
            TypeRef::Prim(Prim::Boolean) => quote!(|v| #value::Bool(*v)),
            TypeRef::Named(id) if matches!(ir.shape(id), Shape::Enum(_)) => quote!(|v| #value::Str(v.as_str().to_owned())),
            _ => return Err(fail("a value endpoint rules cannot take (a string, a boolean or a list of strings)".into())),
        })
    };
    Ok(match at {
        At::One(e) => match &current {
            TypeRef::List { element, .. } => {
                let each = convert(element)?;
                quote!(#e.map(|l| #value::Array(l.iter().map(#each).collect())))
            }
            other => {
                let one = convert(other)?;
                quote!(#e.map(#one))
            }
        },
        At::Many(e) => {
            let each = convert(&current)?;
            quote!(::std::option::Option::Some(#value::Array(#e.map(#each).collect())))
        }
    })
}
