//! Emits restJson1's readers of a whole response: for each operation output
//! and error, `response_*` reads the JSON body's members (through the body
//! deserialiser `serde.rs` emits, which skips the bound members), or the
//! `@httpPayload` member from the whole body, and then the members bound
//! to headers, prefixed headers and the status.
//!
//! Header values are read as the HTTP binding specification says: lists
//! split at commas outside quotes (at every second comma for `http-date`
//! timestamps), timestamps `http-date` unless `@timestampFormat` says
//! otherwise, strings with `@mediaType` in base64.

use proc_macro2::TokenStream;
use quote::quote;

use super::rt;
use super::types::{field_is_optional, ident, named_path};
use crate::error::Error;
use crate::ir::{Binding, Ir, Member, Prim, Role, Shape, Structure, TimestampFormat, TypeRef};
use crate::naming;

/// The `response_*` reader of `s`, when it is a restJson1 output or error.
pub fn emit(ir: &Ir, s: &Structure) -> Result<Option<TokenStream>, Error> {
    if !ir.service.protocol.is_rest() || !(s.role == Role::Output || s.error.is_some()) {
        return Ok(None);
    }
    let place = naming::place_of(s.role, s.error.is_some());
    let path = named_path(ir, &s.id);
    let f = ident(&naming::response_fn(&naming::serde_name(&s.id, &s.name)));
    let body_de = ident(&naming::de_fn(&naming::serde_name(&s.id, &s.name)));
    let (reader, de_err, response_ty, pool_ty) = (rt::json_reader(), rt::deserialize_error(), rt::http_response(), rt::string_pool());
    let json_body = rt::json_body();
    let is_error = s.error.is_some();
    // A streaming payload is read by the caller as it arrives: the reader
    // takes it from the transport instead of reading the body.
    let streams = !is_error && s.has_stream();
    let (params, body_args) = if is_error {
        let meta = rt::error_metadata();
        (quote!(meta: #meta, response: &#response_ty), quote!(meta))
    } else if streams {
        let stream = rt::byte_stream();
        (quote!(response: &#response_ty, body: #stream), quote!(response))
    } else {
        (quote!(response: &#response_ty, pool: #pool_ty), quote!(response))
    };
    let payload = s.members.iter().find(|m| m.binding == Binding::Payload);
    // The body's members, or (with a payload) none: the body deserialiser
    // then reads an empty object and gives every member its default.
    let read_body = match payload {
        None => {
            let reader_new = reader_over(is_error, quote!(#json_body(response.body())));
            quote! {
                let mut r = #reader_new;
                let mut out = crate::protocol_serde::#body_de(&mut r, #body_args)?;
                r.finish()?;
            }
        }
        Some(_) => {
            let pool_use = if is_error || streams { quote!() } else { quote!(let _ = &pool;) };
            quote! {
                #pool_use
                let mut out = crate::protocol_serde::#body_de(&mut #reader::new(b"{}"), #body_args)?;
            }
        }
    };
    let mut assigns = Vec::new();
    for m in &s.members {
        let field = ident(&naming::member_name(&m.name, place));
        let at = format!("{}.{}", s.id.name, m.name);
        let optional = field_is_optional(m, s.role);
        let read = match &m.binding {
            Binding::Body | Binding::Label | Binding::Query(_) | Binding::QueryParams => continue,
            Binding::Payload => payload_read(ir, m, &at, is_error),
            Binding::Header(name) => {
                let value = header_read(ir, &m.ty, m.media_type.is_some(), &at);
                let header_value = rt::header_value();
                quote! {
                    match #header_value(response.headers(), #name) {
                        ::std::option::Option::Some(text) => ::std::option::Option::Some({ let text: &str = &text; #value }),
                        ::std::option::Option::None => ::std::option::Option::None,
                    }
                }
            }
            Binding::PrefixHeaders(prefix) => {
                let prefixed = rt::prefixed_headers();
                quote!(::std::option::Option::Some(#prefixed(response.headers(), #prefix)))
            }
            Binding::ResponseCode => quote!(::std::option::Option::Some(i32::from(response.status().as_u16()))),
        };
        let value = if m.boxed { quote!(::std::boxed::Box::new(v)) } else { quote!(v) };
        let store = if optional { quote!(out.#field = ::std::option::Option::Some(#value);) } else { quote!(out.#field = #value;) };
        assigns.push(quote! {
            if let ::std::option::Option::Some(v) = #read {
                #store
            }
        });
    }
    let name = naming::type_name(&s.name);
    let doc = if streams {
        format!("Reads `{name}` from the response's headers and status, with its body as the stream.")
    } else {
        format!("Reads `{name}` from the whole response: its body, headers and status.")
    };
    Ok(Some(quote! {
        #[doc = #doc]
        // A header's reading may fail (`?`), so it is a `match`, not a `map`.
        #[allow(unused_mut, clippy::manual_map)]
        pub(crate) fn #f(#params) -> ::std::result::Result<#path, #de_err> {
            #read_body
            #(#assigns)*
            ::std::result::Result::Ok(out)
        }
    }))
}

/// A JSON reader over `body`: an output's takes the request's string pool
/// (`pool`), an error's does without.
fn reader_over(is_error: bool, body: TokenStream) -> TokenStream {
    let reader = rt::json_reader();
    if is_error {
        quote!(#reader::new(#body))
    } else {
        quote!(#reader::with_pool(#body, pool))
    }
}

/// An expression of type `Option<T>` reading the payload member `m` from
/// the whole body (`None` when it is empty), or taking the stream `body`.
fn payload_read(ir: &Ir, m: &Member, at: &str, is_error: bool) -> TokenStream {
    let de_err = rt::deserialize_error();
    let json = |read: TokenStream| {
        let new_reader = reader_over(is_error, quote!(response.body()));
        quote! {
            if response.body().is_empty() {
                ::std::option::Option::None
            } else {
                let mut r = #new_reader;
                let value = #read;
                r.finish()?;
                ::std::option::Option::Some(value)
            }
        }
    };
    let text = quote! {
        ::std::string::String::from_utf8(response.body().to_vec()).map_err(|_| #de_err::new(#at, "the payload is not UTF-8 text"))?
    };
    match &m.ty {
        TypeRef::Prim(Prim::Blob) => {
            let blob = rt::blob();
            quote!((!response.body().is_empty()).then(|| #blob::new(response.body().to_vec())))
        }
        TypeRef::Prim(Prim::Stream) => quote!(::std::option::Option::Some(body)),
        TypeRef::Prim(Prim::String) => {
            quote!(if response.body().is_empty() { ::std::option::Option::None } else { ::std::option::Option::Some(#text) })
        }
        TypeRef::Prim(Prim::Document) => json(quote!(r.document(#at)?)),
        TypeRef::Named(id) => match ir.shape(id) {
            Shape::Enum(_) => {
                let p = named_path(ir, id);
                quote!(if response.body().is_empty() { ::std::option::Option::None } else { ::std::option::Option::Some(#p::from(#text.as_str())) })
            }
            Shape::Structure(target) => {
                let de = ident(&naming::de_fn(&naming::serde_name(&target.id, &target.name)));
                json(quote!(crate::protocol_serde::#de(&mut r)?))
            }
            Shape::Union(target) => {
                let de = ident(&naming::de_fn(&naming::serde_name(&target.id, &target.name)));
                json(quote!(crate::protocol_serde::#de(&mut r)?))
            }
            Shape::IntEnum(_) => quote!(::std::option::Option::None),
        },
        _ => quote!(::std::option::Option::None),
    }
}

/// An expression of type `T` reading a header's `text` (a `&str`) as `ty`.
fn header_read(ir: &Ir, ty: &TypeRef, media_type: bool, at: &str) -> TokenStream {
    let (parse, de_err) = (rt::parse_header(), rt::deserialize_error());
    match ty {
        TypeRef::Prim(Prim::String) if media_type => {
            let decode = rt::base64_decode();
            quote! {
                #decode(text.trim())
                    .ok()
                    .and_then(|bytes| ::std::string::String::from_utf8(bytes).ok())
                    .ok_or_else(|| #de_err::new(#at, "the header is not base64-encoded UTF-8 text"))?
            }
        }
        TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal) => quote!(text.to_owned()),
        TypeRef::Prim(Prim::Boolean) => quote!(#parse::<bool>(text, #at)?),
        TypeRef::Prim(Prim::Byte) => quote!(#parse::<i8>(text, #at)?),
        TypeRef::Prim(Prim::Short) => quote!(#parse::<i16>(text, #at)?),
        TypeRef::Prim(Prim::Integer) => quote!(#parse::<i32>(text, #at)?),
        TypeRef::Prim(Prim::Long) => quote!(#parse::<i64>(text, #at)?),
        TypeRef::Prim(Prim::Float) => quote!(#parse::<f32>(text, #at)?),
        TypeRef::Prim(Prim::Double) => quote!(#parse::<f64>(text, #at)?),
        TypeRef::Prim(Prim::Timestamp(f)) => {
            let f = rt::timestamp_format(f.unwrap_or(TimestampFormat::HttpDate));
            let parse_ts = rt::parse_header_timestamp();
            quote!(#parse_ts(text, #f, #at)?)
        }
        TypeRef::List { element, .. } => {
            let http_dates = matches!(element.as_ref(), TypeRef::Prim(Prim::Timestamp(None | Some(TimestampFormat::HttpDate))));
            let item = header_read(ir, element, false, at);
            let list = rt::header_list();
            quote! {{
                let mut items = ::std::vec::Vec::new();
                for item in #list(text, #http_dates) {
                    let text: &str = &item;
                    items.push(#item);
                }
                items
            }}
        }
        TypeRef::Named(id) => {
            let p = named_path(ir, id);
            match ir.shape(id) {
                Shape::IntEnum(_) => quote!(#p::from(#parse::<i32>(text, #at)?)),
                _ => quote!(#p::from(text.trim())),
            }
        }
        _ => quote!(::std::default::Default::default()),
    }
}
