//! Emits `examples/<operation>.rs`: one runnable program per operation that
//! loads its configuration from the environment (so it can be pointed at a
//! local endpoint with `AWS_ENDPOINT_URL`) and calls the operation with
//! sample values for its required members: once, or, for a paginated
//! operation, page after page through its paginator.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::{ident, named_path_from};
use crate::ir::{Ir, Operation, Prim, Shape, TypeRef};
use crate::naming::{self, Place};

/// A sample value of `ty`, as an expression (it may use `?`).
pub(crate) fn sample(ir: &Ir, lib: &TokenStream, ty: &TypeRef, depth: usize) -> TokenStream {
    match ty {
        TypeRef::Unit => quote!(()),
        TypeRef::Prim(p) => match p {
            Prim::String => quote!(::std::string::String::from("example")),
            Prim::BigInteger | Prim::BigDecimal => quote!(::std::string::String::from("1")),
            Prim::Boolean => quote!(false),
            Prim::Byte | Prim::Short | Prim::Integer | Prim::Long => quote!(1),
            Prim::Float | Prim::Double => quote!(1.0),
            Prim::Timestamp(_) => quote!(#lib::primitives::DateTime::from(::std::time::SystemTime::now())),
            Prim::Blob => quote!(#lib::primitives::Blob::new(b"example".to_vec())),
            Prim::Document => quote!(#lib::primitives::Document::Null),
            Prim::Stream => quote!(#lib::primitives::ByteStream::from_static(b"example")),
        },
        TypeRef::List { element, sparse, .. } => {
            let el = sample(ir, lib, element, depth + 1);
            // A sparse list holds `Option`s.
            let el = if *sparse { quote!(::std::option::Option::Some(#el)) } else { el };
            quote!(::std::vec![#el])
        }
        TypeRef::Map { .. } => quote!(::std::collections::HashMap::new()),
        TypeRef::Named(id) => {
            let path = named_path_from(ir, id, lib);
            match ir.shape(id) {
                Shape::Enum(e) => {
                    let first = e.variants.first().map(|v| v.value.clone()).unwrap_or_default();
                    quote!(#path::from(#first))
                }
                Shape::IntEnum(e) => {
                    let first = e.variants.first().map(|v| v.value).unwrap_or_default();
                    quote!(#path::from(#first))
                }
                Shape::Union(u) => {
                    let m = &u.members[0];
                    let v = ident(&naming::variant_name(&m.name));
                    if m.ty == TypeRef::Unit {
                        quote!(#path::#v)
                    } else {
                        let inner = sample(ir, lib, &m.ty, depth + 1);
                        let inner = if m.boxed { quote!(::std::boxed::Box::new(#inner)) } else { inner };
                        quote!(#path::#v(#inner))
                    }
                }
                Shape::Structure(s) => {
                    let place = naming::place_of(s.role, s.error.is_some());
                    let setters = s.members.iter().filter(|m| m.required && depth < 4).map(|m| {
                        let set = ident(&naming::set_name(&m.name, place));
                        let value = sample(ir, lib, &m.ty, depth + 1);
                        let value = if m.boxed { quote!(::std::boxed::Box::new(#value)) } else { value };
                        quote!(.#set(::std::option::Option::Some(#value)))
                    });
                    let fallible = s.members.iter().any(|m| m.required && m.default.is_none() && !m.client_optional);
                    let build = if fallible { quote!(.build()?) } else { quote!(.build()) };
                    quote!(#path::builder() #(#setters)* #build)
                }
            }
        }
    }
}

/// The example program of one operation.
pub fn emit(ir: &Ir, op: &Operation, lib: &str) -> TokenStream {
    let lib_ident = ident(lib);
    let lib = quote!(#lib_ident);
    let method = ident(&naming::operation_method(&op.name));
    let input = ir.structure(&op.input);
    let setters = input.members.iter().filter(|m| m.required).map(|m| {
        let set = ident(&naming::set_name(&m.name, Place::Input));
        let value = sample(ir, &lib, &m.ty, 0);
        quote!(.#set(::std::option::Option::Some(#value)))
    });
    let what = if op.paginated.is_some() { "page after page, printing each page" } else { "once and prints the outcome" };
    let doc = format!(
        "Calls `{}` with sample values {what}.\n\nRun it against a local endpoint:\n\n```text\nAWS_ENDPOINT_URL=http://127.0.0.1:8080 AWS_REGION=us-east-1 \\\n  AWS_ACCESS_KEY_ID=AKID AWS_SECRET_ACCESS_KEY=SECRET \\\n  cargo run --example {}\n```",
        op.name,
        naming::example_name(&op.name)
    );
    let docs = super::docs::inner_doc_attrs(&doc);
    let report_error = quote! {
        ::std::eprintln!("{}", #lib::error::DisplayErrorContext(&e));
        ::std::process::exit(1);
    };
    let call = if op.paginated.is_some() {
        quote! {
            #[allow(deprecated)]
            let mut pages = client.#method() #(#setters)* .into_paginator().send();
            while let ::std::option::Option::Some(page) = pages.next().await {
                match page {
                    ::std::result::Result::Ok(output) => ::std::println!("{output:#?}"),
                    ::std::result::Result::Err(e) => { #report_error }
                }
            }
        }
    } else {
        quote! {
            #[allow(deprecated)]
            let result = client.#method() #(#setters)* .send().await;
            match result {
                ::std::result::Result::Ok(output) => ::std::println!("{output:#?}"),
                ::std::result::Result::Err(e) => { #report_error }
            }
        }
    };
    quote! {
        #docs

        #[tokio::main(flavor = "current_thread")]
        async fn main() -> ::std::result::Result<(), ::std::boxed::Box<dyn ::std::error::Error>> {
            let config = #lib::config::load_from_env().await;
            let client = #lib::Client::new(&config);
            #call
            ::std::result::Result::Ok(())
        }
    }
}
