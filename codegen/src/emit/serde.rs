//! Emits `protocol_serde`: the serialiser of every shape an input reaches,
//! and the deserialiser of every shape an output or error reaches, in the
//! service's protocol's format.
//!
//! The runtime's JSON and CBOR writers and readers have the same methods,
//! so one emitter serves both; the protocols differ where the formats do.
//! awsJson: timestamps as epoch seconds unless `@timestampFormat` says
//! otherwise, blobs in base64, NaN and infinities as strings. RPC v2 CBOR:
//! timestamps always tag 1 over epoch seconds (`@timestampFormat` does not
//! apply), blobs as byte strings, lists and maps with their lengths. Both:
//! members only when set, unknown members skipped, nulls dropped from dense
//! collections and kept in sparse ones, unknown union members kept.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::constraints::constraint_checks;
use super::rt;
use super::types::{field_is_optional, ident, named_path, zero_expr};
use crate::error::Error;
use crate::ir::{Binding, Ir, Prim, Protocol, Role, Shape, Structure, TimestampFormat, TypeRef};
use crate::naming;
use crate::shape_id::ShapeId;

/// Named shapes reachable from `roots` through members.
pub fn reachable(ir: &Ir, roots: impl IntoIterator<Item = ShapeId>) -> BTreeSet<ShapeId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<ShapeId> = roots.into_iter().collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let members = match ir.shape(&id) {
            Shape::Structure(s) => &s.members[..],
            Shape::Union(u) => &u.members[..],
            _ => &[],
        };
        for m in members {
            collect_named(&m.ty, &mut stack);
        }
    }
    seen
}

fn collect_named(ty: &TypeRef, out: &mut Vec<ShapeId>) {
    match ty {
        TypeRef::Named(id) => out.push(id.clone()),
        TypeRef::List { element, .. } => collect_named(element, out),
        TypeRef::Map { key, value, .. } => {
            collect_named(key, out);
            collect_named(value, out);
        }
        TypeRef::Unit | TypeRef::Prim(_) => {}
    }
}

/// Whether the crate's bodies are CBOR (RPC v2 CBOR), else JSON. Documents
/// never reach a CBOR serialiser: the protocol has none, and the generator
/// refuses it for a model that has them (`validate::protocol_of`).
fn cbor(ir: &Ir) -> bool {
    ir.service.protocol == Protocol::RpcV2Cbor
}

/// A member name as a match pattern: CBOR member names are matched as bytes
/// (`CborReader::next_member`), so they are never checked for UTF-8; JSON
/// names as text (the JSON body is checked once as a whole).
fn member_pattern(ir: &Ir, name: &str) -> TokenStream {
    if cbor(ir) {
        let bytes = proc_macro2::Literal::byte_string(name.as_bytes());
        quote!(#bytes)
    } else {
        quote!(#name)
    }
}

/// The reader call that gives a structure's or union's next member name.
fn next_member(ir: &Ir, at: &str) -> TokenStream {
    if cbor(ir) {
        quote!(r.next_member(#at)?)
    } else {
        quote!(r.next_key(#at)?)
    }
}

/// Statements writing `value` (an expression of type `&T`) to `w`. The
/// elements, keys and values of collections are checked against their
/// constraints as they are written; an error names `label`, the member
/// that holds them.
fn ser_value(ir: &Ir, ty: &TypeRef, value: TokenStream, label: &str) -> TokenStream {
    match ty {
        TypeRef::Unit => quote! { w.begin_object(); w.end_object(); },
        TypeRef::Prim(p) => match p {
            Prim::String => quote!(w.string(#value);),
            Prim::BigInteger | Prim::BigDecimal => {
                let build_error = rt::build_error();
                // CBOR writes the two differently (a bignum, a decimal fraction); JSON writes the text as a number.
                let write = match (cbor(ir), p) {
                    (true, Prim::BigInteger) => quote!(big_integer),
                    (true, _) => quote!(big_decimal),
                    (false, _) => quote!(number_text),
                };
                quote!(w.#write(#value).map_err(|e| #build_error::other(e.to_string()))?;)
            }
            Prim::Boolean => quote!(w.boolean(*#value);),
            Prim::Byte | Prim::Short | Prim::Integer | Prim::Long => {
                quote!(w.integer(::std::convert::Into::<i64>::into(*#value));)
            }
            Prim::Float => quote!(w.float32(*#value);),
            Prim::Double => quote!(w.float(*#value);),
            Prim::Timestamp(_) if cbor(ir) => quote!(w.timestamp(#value);),
            Prim::Timestamp(f) => {
                let f = rt::timestamp_format(f.unwrap_or(TimestampFormat::EpochSeconds));
                quote!(w.timestamp(#value, #f);)
            }
            Prim::Blob => quote!(w.blob(#value);),
            // A stream is a whole body, never a member of one (`validate/http.rs`).
            Prim::Stream => quote!(w.null();),
            Prim::Document => quote!(w.document(#value);),
        },
        TypeRef::List { element, sparse, element_constraints } => {
            let checks = constraint_checks(element, element_constraints, label, "an element ", &quote!(item));
            let item = ser_value(ir, element, quote!(item), label);
            let item = quote! { #checks #item };
            let body = if *sparse {
                quote! { match item { ::std::option::Option::Some(item) => { #item } ::std::option::Option::None => w.null(), } }
            } else {
                item
            };
            if cbor(ir) {
                quote! {
                    w.begin_array(#value.len());
                    for item in #value.iter() { #body }
                }
            } else {
                quote! {
                    w.begin_array();
                    for item in #value.iter() { #body }
                    w.end_array();
                }
            }
        }
        TypeRef::Map { key, value: v, sparse, key_constraints, value_constraints } => {
            // String keys and enum keys both have `as_str`.
            let key_str = quote!(k.as_str());
            let key_checks = constraint_checks(key, key_constraints, label, "a key ", &quote!(k));
            let value_checks = constraint_checks(v, value_constraints, label, "a value ", &quote!(item));
            let item = ser_value(ir, v, quote!(item), label);
            let item = quote! { #value_checks #item };
            let body = if *sparse {
                quote! { match item { ::std::option::Option::Some(item) => { #item } ::std::option::Option::None => w.null(), } }
            } else {
                item
            };
            // Sorted keys make the body, and so the signature, deterministic.
            let (begin, end) = if cbor(ir) {
                (quote!(w.begin_map(entries.len());), quote!())
            } else {
                (quote!(w.begin_object();), quote!(w.end_object();))
            };
            quote! {
                let mut entries: ::std::vec::Vec<_> = #value.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                #begin
                for (k, item) in entries {
                    #key_checks
                    w.key(#key_str);
                    #body
                }
                #end
            }
        }
        TypeRef::Named(id) => match ir.shape(id) {
            Shape::Enum(_) => quote!(w.string(#value.as_str());),
            Shape::IntEnum(_) => quote!(w.integer(::std::convert::Into::<i64>::into(#value.as_i32()));),
            Shape::Structure(s) => {
                let f = ident(&naming::ser_fn(&naming::serde_name(&s.id, &s.name)));
                quote!(crate::protocol_serde::#f(w, #value)?;)
            }
            Shape::Union(u) => {
                let f = ident(&naming::ser_fn(&naming::serde_name(&u.id, &u.name)));
                quote!(crate::protocol_serde::#f(w, #value)?;)
            }
        },
    }
}

/// An expression of type `T` reading the next value of the reader `r`,
/// using `?`. `at` names the place in error messages. `echoed` strings
/// may repeat the request's, so they are looked for in its `StringPool`.
fn de_value(ir: &Ir, ty: &TypeRef, at: &str, echoed: bool) -> TokenStream {
    match ty {
        TypeRef::Unit => quote!(r.skip_value(#at)?),
        TypeRef::Prim(p) => match p {
            Prim::String if echoed => quote!(r.echoed_string(#at)?),
            Prim::String => quote!(r.string(#at)?),
            Prim::BigInteger if cbor(ir) => quote!(r.big_integer(#at)?),
            Prim::BigDecimal if cbor(ir) => quote!(r.big_decimal(#at)?),
            Prim::BigInteger | Prim::BigDecimal => quote!(r.big_number(#at)?),
            Prim::Boolean => quote!(r.boolean(#at)?),
            Prim::Byte => quote!(r.byte(#at)?),
            Prim::Short => quote!(r.short(#at)?),
            Prim::Integer => quote!(r.int(#at)?),
            Prim::Long => quote!(r.long(#at)?),
            Prim::Float => quote!(r.float(#at)?),
            Prim::Double => quote!(r.double(#at)?),
            Prim::Timestamp(_) if cbor(ir) => quote!(r.timestamp(#at)?),
            Prim::Timestamp(f) => {
                let f = rt::timestamp_format(f.unwrap_or(TimestampFormat::EpochSeconds));
                quote!(r.timestamp(#f, #at)?)
            }
            Prim::Blob => quote!(r.blob(#at)?),
            Prim::Stream => {
                let s = rt::byte_stream();
                quote!({ r.skip_value(#at)?; #s::default() })
            }
            Prim::Document => quote!(r.document(#at)?),
        },
        TypeRef::List { element, sparse, .. } => {
            let item = de_value(ir, element, &format!("{at}[]"), echoed);
            // A null item of a dense list is dropped, as the SDKs do.
            let push = if *sparse {
                quote! { if r.take_null()? { out.push(::std::option::Option::None); } else { out.push(::std::option::Option::Some(#item)); } }
            } else {
                quote! { if !r.take_null()? { out.push(#item); } }
            };
            quote! {{
                r.begin_array(#at)?;
                let mut out = ::std::vec::Vec::new();
                while r.next_item(#at)? { #push }
                out
            }}
        }
        TypeRef::Map { key, value: v, sparse, .. } => {
            let k = match key.as_ref() {
                TypeRef::Named(id) => {
                    let p = named_path(ir, id);
                    quote!(#p::from(&*k))
                }
                _ => quote!(k.into_owned()),
            };
            let item = de_value(ir, v, &format!("{at}{{}}"), echoed);
            let insert = if *sparse {
                quote! { if r.take_null()? { out.insert(#k, ::std::option::Option::None); } else { out.insert(#k, ::std::option::Option::Some(#item)); } }
            } else {
                quote! { if !r.take_null()? { out.insert(#k, #item); } }
            };
            quote! {{
                r.begin_object(#at)?;
                let mut out = ::std::collections::HashMap::new();
                while let ::std::option::Option::Some(k) = r.next_key(#at)? { #insert }
                out
            }}
        }
        TypeRef::Named(id) => match ir.shape(id) {
            Shape::Enum(_) => {
                let p = named_path(ir, id);
                quote!(#p::from(&*r.str(#at)?))
            }
            Shape::IntEnum(_) => {
                let p = named_path(ir, id);
                quote!(#p::from(r.int(#at)?))
            }
            Shape::Structure(s) if s.error.is_some() => {
                // An error structure used as a member has no metadata of its own.
                let f = ident(&naming::de_fn(&naming::serde_name(&s.id, &s.name)));
                let meta = rt::error_metadata();
                quote!(crate::protocol_serde::#f(r, #meta::default())?)
            }
            Shape::Structure(s) => {
                let f = ident(&naming::de_fn(&naming::serde_name(&s.id, &s.name)));
                quote!(crate::protocol_serde::#f(r)?)
            }
            Shape::Union(u) => {
                let f = ident(&naming::de_fn(&naming::serde_name(&u.id, &u.name)));
                quote!(crate::protocol_serde::#f(r)?)
            }
        },
    }
}

/// The members of `s` its JSON or CBOR body holds: all of them, but for
/// the members of an input, output or error that restJson1 binds elsewhere.
pub fn body_members(s: &Structure) -> impl Iterator<Item = &crate::ir::Member> {
    s.members.iter().filter(|m| m.binding == Binding::Body)
}

fn ser_structure(ir: &Ir, s: &Structure) -> TokenStream {
    let place = naming::place_of(s.role, s.error.is_some());
    let path = named_path(ir, &s.id);
    let f = ident(&naming::ser_fn(&naming::serde_name(&s.id, &s.name)));
    let build_error = rt::build_error();
    let writer = rt::writer(ir.service.protocol);
    let members = body_members(s).map(|m| {
        let member_name = naming::member_name(&m.name, place);
        let field = ident(&member_name);
        let key = m.wire_name();
        let label = format!("{}.{}", naming::type_name(&s.name), naming::member_label(&m.name, place));
        let checks = constraint_checks(&m.ty, &m.constraints, &label, "", &quote!(value));
        let write = ser_value(ir, &m.ty, quote!(value), &label);
        if field_is_optional(m, s.role) {
            quote! { if let ::std::option::Option::Some(value) = &input.#field { #checks w.member_key(#key); #write } }
        } else {
            quote! { { let value = &input.#field; #checks w.member_key(#key); #write } }
        }
    });
    quote! {
        #[allow(unused_variables)]
        pub(crate) fn #f(w: &mut #writer, input: &#path) -> ::std::result::Result<(), #build_error> {
            w.begin_object();
            #(#members)*
            w.end_object();
            ::std::result::Result::Ok(())
        }
    }
}

fn de_structure(ir: &Ir, s: &Structure, echoed: bool) -> Result<TokenStream, Error> {
    let place = naming::place_of(s.role, s.error.is_some());
    let path = named_path(ir, &s.id);
    let f = ident(&naming::de_fn(&naming::serde_name(&s.id, &s.name)));
    let reader = rt::reader(ir.service.protocol);
    let de_err = rt::deserialize_error();
    let mut locals = Vec::new();
    let mut arms = Vec::new();
    let mut fields = Vec::new();
    for m in &s.members {
        let field = ident(&naming::member_name(&m.name, place));
        let local = ident(&naming::local_var(&m.name, place));
        let at = format!("{}.{}", s.id.name, m.name);
        let read = de_value(ir, &m.ty, &at, echoed);
        let read = if m.boxed { quote!(::std::boxed::Box::new(#read)) } else { read };
        let t = super::types::boxed_type(ir, m);
        if m.binding == Binding::Body {
            locals.push(quote!(let mut #local: ::std::option::Option<#t> = ::std::option::Option::None;));
        } else {
            locals.push(quote!(let #local: ::std::option::Option<#t> = ::std::option::Option::None;));
        }
        // Error messages arrive as `message` or `Message`, whatever the model calls them.
        let pattern = if s.error.is_some() && m.name.eq_ignore_ascii_case("message") {
            let (lower, upper) = (member_pattern(ir, "message"), member_pattern(ir, "Message"));
            quote!(#lower | #upper)
        } else {
            member_pattern(ir, m.wire_name())
        };
        // A member bound elsewhere (restJson1's headers, status, payload) is not the body's.
        if m.binding == Binding::Body {
            arms.push(quote!(#pattern => #local = ::std::option::Option::Some(#read),));
        }
        let value = if field_is_optional(m, s.role) {
            quote!(#local)
        } else if let (Some(d), false) = (&m.default, m.added_default) {
            super::types::with_default(ir, &format!("{}${}", s.id, m.name), m, d, quote!(#local))?
        } else {
            let zero = zero_expr(ir, &m.ty, &at);
            let zero = if m.boxed { quote!(::std::boxed::Box::new((#zero)?)) } else { quote!((#zero)?) };
            quote!(match #local { ::std::option::Option::Some(v) => v, ::std::option::Option::None => #zero })
        };
        fields.push(quote!(#field: #value,));
    }
    let name = s.id.name.as_str();
    let (extra_param, extra_field) = match (&s.role, &s.error) {
        (_, Some(_)) => {
            let meta = rt::error_metadata();
            (quote!(, meta: #meta), quote!(meta,))
        }
        (Role::Output, _) => {
            let resp = rt::http_response();
            (quote!(, response: &#resp), quote!(_request_id: response.request_id().map(::std::borrow::ToOwned::to_owned),))
        }
        _ => (quote!(), quote!()),
    };
    let next = next_member(ir, name);
    let read = if arms.is_empty() {
        // Nothing to read, but the body must still be an object.
        quote! {
            while #next.is_some() {
                r.skip_value(#name)?;
            }
        }
    } else {
        // A null member is an absent one; a member the model does not know
        // (a newer service) is skipped.
        quote! {
            while let ::std::option::Option::Some(key) = #next {
                if r.take_null()? {
                    continue;
                }
                match &*key {
                    #(#arms)*
                    _ => r.skip_value(#name)?,
                }
            }
        }
    };
    // A member bound outside the body (restJson1) is never read here, so
    // its local stays `None` and takes its default, which clippy calls a
    // literal unwrap.
    let allow = if s.members.iter().any(|m| m.binding != crate::ir::Binding::Body) {
        quote!(#[allow(clippy::unnecessary_literal_unwrap)])
    } else {
        quote!()
    };
    Ok(quote! {
        #allow
        pub(crate) fn #f(r: &mut #reader<'_> #extra_param) -> ::std::result::Result<#path, #de_err> {
            #(#locals)*
            r.begin_object(#name)?;
            #read
            ::std::result::Result::Ok(#path { #(#fields)* #extra_field })
        }
    })
}

fn ser_union(ir: &Ir, u: &crate::ir::Union) -> TokenStream {
    let path = named_path(ir, &u.id);
    let f = ident(&naming::ser_fn(&naming::serde_name(&u.id, &u.name)));
    let build_error = rt::build_error();
    let writer = rt::writer(ir.service.protocol);
    let arms = u.members.iter().map(|m| {
        let v = ident(&naming::variant_name(&m.name));
        let key = m.wire_name();
        if m.ty == TypeRef::Unit {
            quote!(#path::#v => { w.member_key(#key); w.begin_object(); w.end_object(); })
        } else {
            let label = format!("{}::{}", naming::type_name(&u.name), naming::variant_name(&m.name));
            let checks = constraint_checks(&m.ty, &m.constraints, &label, "", &quote!(value));
            let write = ser_value(ir, &m.ty, quote!(value), &label);
            quote!(#path::#v(value) => { #checks w.member_key(#key); #write })
        }
    });
    let msg = format!("{} is Unknown, which cannot be sent", u.name);
    quote! {
        pub(crate) fn #f(w: &mut #writer, input: &#path) -> ::std::result::Result<(), #build_error> {
            w.begin_object();
            match input {
                #(#arms)*
                #path::Unknown => return ::std::result::Result::Err(#build_error::other(#msg)),
            }
            w.end_object();
            ::std::result::Result::Ok(())
        }
    }
}

fn de_union(ir: &Ir, u: &crate::ir::Union, echoed: bool) -> TokenStream {
    let path = named_path(ir, &u.id);
    let f = ident(&naming::de_fn(&naming::serde_name(&u.id, &u.name)));
    let reader = rt::reader(ir.service.protocol);
    let de_err = rt::deserialize_error();
    let name = u.id.name.as_str();
    let (next, type_key) = (next_member(ir, name), member_pattern(ir, "__type"));
    let arms = u.members.iter().map(|m| {
        let v = ident(&naming::variant_name(&m.name));
        let key = member_pattern(ir, m.wire_name());
        if m.ty == TypeRef::Unit {
            quote!(#key => { r.skip_value(#name)?; #path::#v })
        } else {
            let at = format!("{}.{}", u.id.name, m.name);
            let read = de_value(ir, &m.ty, &at, echoed);
            let read = if m.boxed { quote!(::std::boxed::Box::new(#read)) } else { read };
            quote!(#key => #path::#v(#read),)
        }
    });
    quote! {
        pub(crate) fn #f(r: &mut #reader<'_>) -> ::std::result::Result<#path, #de_err> {
            let mut variant = ::std::option::Option::None;
            r.begin_object(#name)?;
            while let ::std::option::Option::Some(key) = #next {
                // `__type` names the union's shape, not a member.
                if &*key == #type_key {
                    r.skip_value(#name)?;
                    continue;
                }
                if r.take_null()? {
                    continue;
                }
                if variant.is_some() {
                    return ::std::result::Result::Err(#de_err::new(#name, "more than one union member is set"));
                }
                variant = ::std::option::Option::Some(match &*key {
                    #(#arms)*
                    _ => {
                        r.skip_value(#name)?;
                        #path::Unknown
                    }
                });
            }
            variant.ok_or_else(|| #de_err::new(#name, "no union member is set"))
        }
    }
}

/// The serde code of one named shape, or `None` when no input or output
/// reaches it (which would leave dead code behind). `give` is its `give_`
/// function (`give.rs`), when an echoing operation's input reaches it; its
/// deserialiser then looks for the strings it reads in the request's pool,
/// and others (a record id beside an echoed record) do not.
pub fn emit_shape(ir: &Ir, shape: &Shape, ser: bool, de: bool, give: Option<TokenStream>) -> Result<Option<TokenStream>, Error> {
    let echoed = give.is_some();
    let (s, d) = match shape {
        Shape::Structure(s) => (
            (ser && s.role != Role::Output).then(|| ser_structure(ir, s)),
            if de && s.role != Role::Input {
                // restJson1's outputs and errors are read from the whole response too.
                let http = super::http_response::emit(ir, s)?;
                let body = de_structure(ir, s, echoed)?;
                Some(quote!(#body #http))
            } else {
                None
            },
        ),
        Shape::Union(u) => (ser.then(|| ser_union(ir, u)), de.then(|| de_union(ir, u, echoed))),
        Shape::Enum(_) | Shape::IntEnum(_) => (None, None),
    };
    let what = match (&s, &d) {
        (None, None) => return Ok(None),
        (Some(_), None) => "serialiser",
        (None, Some(_)) => "deserialiser",
        (Some(_), Some(_)) => "serialiser and deserialiser",
    };
    let format = if cbor(ir) { "CBOR" } else { "JSON" };
    let doc = super::docs::inner_doc_attrs(&format!("The {format} {what} of `{}`.", naming::type_name(shape.name())));
    Ok(Some(quote!(#doc #s #give #d)))
}
