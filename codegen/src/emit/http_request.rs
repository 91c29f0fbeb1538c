//! Emits restJson1's request builder of an operation: `http_request`, in
//! the operation's module, turns the input into the method, the path with
//! its labels, the query (the URI's literals, `@httpQuery` members, then an
//! `@httpQueryParams` map's other keys), the bound headers and the body
//! (the `@httpPayload` member, else the body members as a JSON object, else
//! nothing), as the HTTP binding specification says.

use proc_macro2::TokenStream;
use quote::quote;

use super::rt;
use super::types::{ident, named_path};
use crate::http_uri::Segment;
use crate::ir::{Binding, Http, Ir, Member, Operation, Prim, Shape, TimestampFormat, TypeRef};
use crate::naming::{self, Place};

/// The `http_request` function of `op`, whose `@http` is `http`.
pub fn emit(ir: &Ir, op: &Operation, http: &Http) -> TokenStream {
    let input = ir.structure(&op.input);
    let input_ty = named_path(ir, &op.input);
    let (build_error, request_ty) = (rt::build_error(), rt::operation_request());
    let member = |name: &str| input.members.iter().find(|m| m.name == name).expect("validated: every label is an input member");

    let mut path = Vec::new();
    let mut literal = String::new();
    for segment in &http.uri.segments {
        literal.push('/');
        match segment {
            Segment::Literal(text) => literal.push_str(text),
            Segment::Label { name, greedy } => {
                path.push(quote!(uri.push_str(#literal);));
                literal.clear();
                let m = member(name);
                let field = ident(&naming::member_name(&m.name, Place::Input));
                let label = naming::member_label(&m.name, Place::Input);
                let text = scalar_text(ir, &m.ty, quote!(v), &label, TimestampFormat::DateTime, false);
                let push_label = rt::push_label();
                path.push(quote! {
                    let ::std::option::Option::Some(v) = &input.#field else {
                        return ::std::result::Result::Err(#build_error::missing_field(#label, "it is a part of the request's path"));
                    };
                    #push_label(&mut uri, &*(#text), #greedy, #label)?;
                });
            }
        }
    }
    if http.uri.segments.is_empty() || http.uri.trailing_slash {
        literal.push('/');
    }
    path.push(quote!(uri.push_str(#literal);));

    let push_query = rt::push_query();
    let mut query = Vec::new();
    for (key, value) in &http.uri.query {
        let value = match value {
            Some(v) => quote!(::std::option::Option::Some(#v)),
            None => quote!(::std::option::Option::None),
        };
        query.push(quote!(#push_query(&mut uri, #key, #value);));
    }
    // Keys the URI's literals and `@httpQuery` members take, which an `@httpQueryParams` map may not.
    let mut taken: Vec<String> = http.uri.query.iter().map(|(k, _)| k.clone()).collect();
    let mut headers = Vec::new();
    let mut params_map = None;
    let mut payload = None;
    let mut content_type_header = None;
    for m in &input.members {
        let field = ident(&naming::member_name(&m.name, Place::Input));
        let label = naming::member_label(&m.name, Place::Input);
        match &m.binding {
            Binding::Query(key) => {
                taken.push(key.clone());
                let push = match &m.ty {
                    TypeRef::List { element, .. } => {
                        let text = scalar_text(ir, element, quote!(item), &label, TimestampFormat::DateTime, false);
                        quote!(for item in v { #push_query(&mut uri, #key, ::std::option::Option::Some(&*(#text))); })
                    }
                    ty => {
                        let text = scalar_text(ir, ty, quote!(v), &label, TimestampFormat::DateTime, false);
                        quote!(#push_query(&mut uri, #key, ::std::option::Option::Some(&*(#text)));)
                    }
                };
                query.push(quote!(if let ::std::option::Option::Some(v) = &input.#field { #push }));
            }
            Binding::QueryParams => params_map = Some(m),
            Binding::Header(name) => {
                if name.eq_ignore_ascii_case("content-type") {
                    content_type_header = Some(field.clone());
                }
                let value = match &m.ty {
                    TypeRef::List { element, .. } => {
                        let http_dates = matches!(element.as_ref(), TypeRef::Prim(Prim::Timestamp(None | Some(TimestampFormat::HttpDate))));
                        let text = scalar_text(ir, element, quote!(item), &label, TimestampFormat::HttpDate, false);
                        let push_item = rt::push_header_item();
                        let quote_items = !http_dates;
                        quote! {{
                            let mut list = ::std::string::String::new();
                            for item in v { #push_item(&mut list, &*(#text), #quote_items); }
                            list
                        }}
                    }
                    ty => {
                        let text = scalar_text(ir, ty, quote!(v), &label, TimestampFormat::HttpDate, m.media_type.is_some());
                        quote!(::std::convert::Into::<::std::string::String>::into(#text))
                    }
                };
                headers.push(quote!(if let ::std::option::Option::Some(v) = &input.#field { request.header(#name, #value); }));
            }
            Binding::PrefixHeaders(prefix) => {
                // A header another member binds wins over a prefixed entry of the same name.
                let bound: Vec<String> = input
                    .members
                    .iter()
                    .filter_map(|m| match &m.binding {
                        Binding::Header(name) => Some(name.to_ascii_lowercase()),
                        _ => None,
                    })
                    .collect();
                headers.insert(
                    0,
                    quote! {
                        if let ::std::option::Option::Some(map) = &input.#field {
                            let mut entries: ::std::vec::Vec<_> = map.iter().collect();
                            entries.sort();
                            for (k, v) in entries {
                                let name = ::std::format!("{}{}", #prefix, k);
                                if [#(#bound),*].contains(&name.to_ascii_lowercase().as_str()) {
                                    continue;
                                }
                                request.header(name, ::std::string::ToString::to_string(v));
                            }
                        }
                    },
                )
            }
            Binding::Payload => payload = Some(m),
            Binding::Body | Binding::Label | Binding::ResponseCode => {}
        }
    }
    if let Some(m) = params_map {
        let field = ident(&naming::member_name(&m.name, Place::Input));
        let push = match &m.ty {
            TypeRef::Map { value, .. } if matches!(value.as_ref(), TypeRef::List { .. }) => {
                quote!(for item in v { #push_query(&mut uri, k, ::std::option::Option::Some(item.as_str())); })
            }
            _ => quote!(#push_query(&mut uri, k, ::std::option::Option::Some(v.as_str()));),
        };
        query.push(quote! {
            if let ::std::option::Option::Some(map) = &input.#field {
                let mut entries: ::std::vec::Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (k, v) in entries {
                    if [#(#taken),*].contains(&k.as_str()) {
                        continue;
                    }
                    #push
                }
            }
        });
    }

    let body = body(ir, op, payload);
    let content_type = match content_type_header {
        // A Content-Type the input sets itself wins over the body's.
        Some(field) => quote!(let content_type = if input.#field.is_some() { ::std::option::Option::None } else { content_type };),
        None => quote!(),
    };
    let method = http.method.as_str();
    // A streaming payload moves out of the input into the request.
    let (input_param, new_request) = match payload {
        Some(m) if m.ty == TypeRef::Prim(Prim::Stream) => {
            let requires_length = m.requires_length;
            (quote!(&mut #input_ty), quote!(#request_ty::http_stream(#method, uri, content_type, body, #requires_length)))
        }
        _ => (quote!(&#input_ty), quote!(#request_ty::http(#method, uri, content_type, body))),
    };
    quote! {
        /// The HTTP request of `input`: method, path and query, headers and body.
        #[allow(unused_variables, clippy::useless_conversion, clippy::borrow_deref_ref)]
        fn http_request(input: #input_param) -> ::std::result::Result<#request_ty, #build_error> {
            let mut uri = ::std::string::String::new();
            #(#path)*
            #(#query)*
            #body
            #content_type
            #[allow(unused_mut)]
            let mut request = #new_request;
            #(#headers)*
            ::std::result::Result::Ok(request)
        }
    }
}

/// Statements setting `content_type` and `body`: the payload member, else
/// the body members as a JSON object, else no body.
fn body(ir: &Ir, op: &Operation, payload: Option<&Member>) -> TokenStream {
    let input = ir.structure(&op.input);
    let writer = rt::json_writer();
    let none = quote!((::std::option::Option::None, ::std::vec::Vec::new()));
    let Some(m) = payload else {
        if super::serde::body_members(input).next().is_none() {
            return quote!(let (content_type, body): (::std::option::Option<&'static str>, ::std::vec::Vec<u8>) = #none;);
        }
        let ser = ident(&naming::ser_fn(&naming::serde_name(&input.id, &input.name)));
        return quote! {
            let mut w = #writer::new();
            crate::protocol_serde::#ser(&mut w, input)?;
            let (content_type, body) = (::std::option::Option::Some("application/json"), w.finish().into_bytes());
        };
    };
    let field = ident(&naming::member_name(&m.name, Place::Input));
    let media = |default: &str| m.media_type.clone().unwrap_or_else(|| default.to_owned());
    let (ct, bytes) = match &m.ty {
        TypeRef::Prim(Prim::Blob) => (media("application/octet-stream"), quote!(v.as_ref().to_vec())),
        TypeRef::Prim(Prim::Stream) => {
            let (ct, stream) = (media("application/octet-stream"), rt::byte_stream());
            return quote! {
                let (content_type, body): (::std::option::Option<&'static str>, #stream) = match input.#field.take() {
                    ::std::option::Option::Some(v) => (::std::option::Option::Some(#ct), v),
                    ::std::option::Option::None => (::std::option::Option::None, ::std::default::Default::default()),
                };
            };
        }
        TypeRef::Prim(Prim::String) => (media("text/plain"), quote!(v.as_bytes().to_vec())),
        TypeRef::Prim(Prim::Document) => {
            ("application/json".to_owned(), quote!({ let mut w = #writer::new(); w.document(v); w.finish().into_bytes() }))
        }
        TypeRef::Named(id) => match ir.shape(id) {
            Shape::Enum(_) => (media("text/plain"), quote!(v.as_str().as_bytes().to_vec())),
            Shape::Structure(s) => {
                let ser = ident(&naming::ser_fn(&naming::serde_name(&s.id, &s.name)));
                (
                    "application/json".to_owned(),
                    quote!({ let mut w = #writer::new(); crate::protocol_serde::#ser(&mut w, v)?; w.finish().into_bytes() }),
                )
            }
            Shape::Union(u) => {
                let ser = ident(&naming::ser_fn(&naming::serde_name(&u.id, &u.name)));
                (
                    "application/json".to_owned(),
                    quote!({ let mut w = #writer::new(); crate::protocol_serde::#ser(&mut w, v)?; w.finish().into_bytes() }),
                )
            }
            Shape::IntEnum(_) => ("text/plain".to_owned(), quote!(v.as_i32().to_string().into_bytes())),
        },
        _ => return quote!(let (content_type, body): (::std::option::Option<&'static str>, ::std::vec::Vec<u8>) = #none;),
    };
    // An unset structure payload is still an (empty) object; anything else unset is no body.
    let unset = match &m.ty {
        TypeRef::Named(id) if matches!(ir.shape(id), Shape::Structure(_)) => {
            quote!((::std::option::Option::Some("application/json"), b"{}".to_vec()))
        }
        _ => none,
    };
    quote! {
        let (content_type, body): (::std::option::Option<&'static str>, ::std::vec::Vec<u8>) = match &input.#field {
            ::std::option::Option::Some(v) => (::std::option::Option::Some(#ct), #bytes),
            ::std::option::Option::None => #unset,
        };
    }
}

/// An expression of type `String` or `&str` (a string is not copied): the
/// scalar `value` (a `&T` of `ty`) as text in a label, query value or header. Timestamps without a
/// `@timestampFormat` take `default_format`; `base64` is a `@mediaType`
/// string in a header.
fn scalar_text(ir: &Ir, ty: &TypeRef, value: TokenStream, label: &str, default_format: TimestampFormat, base64: bool) -> TokenStream {
    let binding_text = rt::binding_text();
    match ty {
        TypeRef::Prim(Prim::String) if base64 => {
            let encode = rt::base64_encode();
            quote!(#encode(#value.as_bytes()))
        }
        TypeRef::Prim(Prim::Timestamp(f)) => {
            let f = rt::timestamp_format(f.unwrap_or(default_format));
            let timestamp_text = rt::timestamp_text();
            quote!(#timestamp_text(#value, #f, #label)?)
        }
        TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal) => quote!(#value.as_str()),
        TypeRef::Named(id) => match ir.shape(id) {
            Shape::IntEnum(_) => quote!(#value.as_i32().to_string()),
            _ => quote!(#value.as_str()),
        },
        _ => quote!(#binding_text::binding_text(#value)),
    }
}
