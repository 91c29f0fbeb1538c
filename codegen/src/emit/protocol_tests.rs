//! Protocol tests: the model's `smithy.test#httpRequestTests` and
//! `smithy.test#httpResponseTests` (lowered into [`Ir::protocol_tests`]) as
//! Rust tests of the generated crate (`tests/protocol_tests.rs`), emitted
//! only when [`crate::Options::protocol_tests`] asks for them.
//!
//! Request cases build the input from `params` through the generated
//! builders, send it through the runtime's replaying client, and compare
//! method, path, host, headers and body. Response and error cases answer
//! with the case's status, headers and body and compare what the caller gets
//! with a value built from `params`, through the runtime's canonical form
//! (floats by class and value, so NaN, Infinity and -Infinity stay apart;
//! map order does not matter).

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::examples::sample;
use super::rt;
use super::structure::build_is_fallible;
use super::types::{ident, named_path_from};
use crate::error::Error;
use crate::ir::{Ir, Operation, Prim, ProtocolTest, ProtocolTestKind, Shape, TypeRef};
use crate::naming::{self, Place};
use crate::shape_id::ShapeId;

/// A value of `ty` built from its JSON form in `params`.
fn value(ir: &Ir, lib: &TokenStream, ty: &TypeRef, v: &Value) -> Result<TokenStream, String> {
    let p = quote!(#lib::primitives);
    Ok(match (ty, v) {
        (TypeRef::Unit, _) => quote!(()),
        (TypeRef::Prim(prim), v) => match (prim, v) {
            (Prim::String, Value::String(s)) => quote!(::std::string::String::from(#s)),
            (Prim::BigInteger | Prim::BigDecimal, Value::Number(n)) => {
                let s = n.to_string();
                quote!(::std::string::String::from(#s))
            }
            (Prim::Boolean, Value::Bool(b)) => quote!(#b),
            (Prim::Byte, Value::Number(n)) => {
                let l = proc_macro2::Literal::i8_suffixed(n.as_i64().ok_or("byte")? as i8);
                quote!(#l)
            }
            (Prim::Short, Value::Number(n)) => {
                let l = proc_macro2::Literal::i16_suffixed(n.as_i64().ok_or("short")? as i16);
                quote!(#l)
            }
            (Prim::Integer, Value::Number(n)) => {
                let l = proc_macro2::Literal::i32_suffixed(n.as_i64().ok_or("integer")? as i32);
                quote!(#l)
            }
            (Prim::Long, Value::Number(n)) => {
                let l = proc_macro2::Literal::i64_suffixed(n.as_i64().ok_or("long")?);
                quote!(#l)
            }
            (Prim::Float, Value::Number(n)) => {
                let l = proc_macro2::Literal::f32_suffixed(n.as_f64().ok_or("float")? as f32);
                quote!(#l)
            }
            (Prim::Double, Value::Number(n)) => {
                let l = proc_macro2::Literal::f64_suffixed(n.as_f64().ok_or("double")?);
                quote!(#l)
            }
            (Prim::Float, Value::String(s)) => special_float(quote!(f32), s)?,
            (Prim::Double, Value::String(s)) => special_float(quote!(f64), s)?,
            (Prim::Timestamp(_), Value::Number(n)) => match n.as_i64() {
                Some(secs) => quote!(#p::DateTime::from_secs(#secs)),
                None => {
                    let f = n.as_f64().ok_or("timestamp")?;
                    quote!(#p::DateTime::from_secs_f64(#f))
                }
            },
            (Prim::Blob, Value::String(s)) => quote!(#p::Blob::new(#s.as_bytes().to_vec())),
            (Prim::Stream, Value::String(s)) => quote!(#p::ByteStream::from_static(#s.as_bytes())),
            (Prim::Document, v) => document(&p, v),
            (prim, v) => return Err(format!("{v} is not a {prim:?}")),
        },
        (TypeRef::List { element, sparse, .. }, Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                out.push(match (sparse, item) {
                    (true, Value::Null) => quote!(::std::option::Option::None),
                    (true, item) => {
                        let v = value(ir, lib, element, item)?;
                        quote!(::std::option::Option::Some(#v))
                    }
                    (false, item) => value(ir, lib, element, item)?,
                });
            }
            quote!(::std::vec![#(#out),*])
        }
        (TypeRef::Map { key, value: val, sparse, .. }, Value::Object(entries)) => {
            let mut out = Vec::new();
            for (k, item) in entries {
                let key = value(ir, lib, key, &Value::String(k.clone()))?;
                let v = match (sparse, item) {
                    (true, Value::Null) => quote!(::std::option::Option::None),
                    (true, item) => {
                        let v = value(ir, lib, val, item)?;
                        quote!(::std::option::Option::Some(#v))
                    }
                    (false, item) => value(ir, lib, val, item)?,
                };
                out.push(quote!((#key, #v)));
            }
            quote!(::std::collections::HashMap::from([#(#out),*]))
        }
        (TypeRef::Named(id), v) => named_value(ir, lib, id, v)?,
        (ty, v) => return Err(format!("{v} does not fit {ty:?}")),
    })
}

fn special_float(t: TokenStream, s: &str) -> Result<TokenStream, String> {
    Ok(match s {
        "NaN" => quote!(#t::NAN),
        "Infinity" => quote!(#t::INFINITY),
        "-Infinity" => quote!(#t::NEG_INFINITY),
        other => return Err(format!("`{other}` is not a float")),
    })
}

fn document(p: &TokenStream, v: &Value) -> TokenStream {
    match v {
        Value::Null => quote!(#p::Document::Null),
        Value::Bool(b) => quote!(#p::Document::Bool(#b)),
        Value::String(s) => quote!(#p::Document::String(::std::string::String::from(#s))),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                quote!(#p::Document::Number(#p::Number::PosInt(#u)))
            } else if let Some(i) = n.as_i64() {
                quote!(#p::Document::Number(#p::Number::NegInt(#i)))
            } else {
                let f = n.as_f64().unwrap_or_default();
                quote!(#p::Document::Number(#p::Number::Float(#f)))
            }
        }
        Value::Array(items) => {
            let items = items.iter().map(|i| document(p, i));
            quote!(#p::Document::Array(::std::vec![#(#items),*]))
        }
        Value::Object(entries) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = document(p, v);
                quote!((::std::string::String::from(#k), #v))
            });
            quote!(#p::Document::Object(::std::collections::HashMap::from([#(#entries),*])))
        }
    }
}

/// Builder calls setting each member present in `params`.
fn setters(ir: &Ir, lib: &TokenStream, s: &crate::ir::Structure, params: &Value) -> Result<Vec<TokenStream>, String> {
    let place = naming::place_of(s.role, s.error.is_some());
    let Value::Object(entries) = params else { return Err(format!("params of {} are not an object", s.name)) };
    let mut out = Vec::new();
    for (k, v) in entries {
        if v.is_null() {
            continue;
        }
        let m = s.members.iter().find(|m| &m.name == k).ok_or_else(|| format!("{} has no member {k}", s.name))?;
        let set = ident(&naming::set_name(&m.name, place));
        let v = value(ir, lib, &m.ty, v)?;
        let v = if m.boxed { quote!(::std::boxed::Box::new(#v)) } else { v };
        out.push(quote!(.#set(::std::option::Option::Some(#v))));
    }
    Ok(out)
}

fn named_value(ir: &Ir, lib: &TokenStream, id: &ShapeId, v: &Value) -> Result<TokenStream, String> {
    let path = named_path_from(ir, id, lib);
    Ok(match (ir.shape(id), v) {
        (Shape::Enum(_), Value::String(s)) => quote!(#path::from(#s)),
        (Shape::IntEnum(_), Value::Number(n)) => {
            let n = n.as_i64().ok_or("intEnum")? as i32;
            quote!(#path::from(#n))
        }
        (Shape::Structure(s), v) => {
            let calls = setters(ir, lib, s, v)?;
            let unwrap = if build_is_fallible(s) { quote!(.unwrap()) } else { quote!() };
            quote!(#path::builder() #(#calls)* .build() #unwrap)
        }
        (Shape::Union(u), Value::Object(entries)) if entries.len() == 1 => {
            let (k, v) = entries.iter().next().expect("one entry");
            let m = u.members.iter().find(|m| &m.name == k).ok_or_else(|| format!("{} has no member {k}", u.name))?;
            let variant = ident(&naming::variant_name(&m.name));
            if m.ty == TypeRef::Unit {
                quote!(#path::#variant)
            } else {
                let inner = value(ir, lib, &m.ty, v)?;
                let inner = if m.boxed { quote!(::std::boxed::Box::new(#inner)) } else { inner };
                quote!(#path::#variant(#inner))
            }
        }
        (shape, v) => return Err(format!("{v} does not fit {}", shape.name())),
    })
}

/// The fluent call of `op` with its required members filled with samples,
/// then `params` applied.
fn call(ir: &Ir, lib: &TokenStream, op: &crate::ir::Operation, params: Option<&Value>) -> Result<TokenStream, String> {
    let method = ident(&naming::operation_method(&op.name));
    let input = ir.structure(&op.input);
    let provided: Vec<String> = params.and_then(Value::as_object).map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let mut calls = Vec::new();
    for m in input.members.iter().filter(|m| m.required && !provided.contains(&m.name)) {
        let set = ident(&naming::set_name(&m.name, Place::Input));
        let v = sample(ir, lib, &m.ty, 0);
        calls.push(quote!(.#set(::std::option::Option::Some(#v))));
    }
    if let Some(p) = params {
        calls.extend(setters(ir, lib, input, p)?);
    }
    Ok(quote!(client.#method() #(#calls)* .send().await))
}

fn str_map(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|o| o.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned()))).collect())
        .unwrap_or_default()
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn setup(lib: &TokenStream, host: &str, response: TokenStream) -> TokenStream {
    let endpoint = format!("https://{host}");
    let test_util = rt::test_util();
    quote! {
        let replay = #test_util::ReplayClient::new(::std::vec![#response]);
        let config = #lib::Config::builder()
            .region(#lib::config::Region::new("us-east-1"))
            .credentials_provider(#lib::config::Credentials::for_tests())
            .endpoint_url(#endpoint)
            .idempotency_token_provider(|| ::std::string::String::from("00000000-0000-4000-8000-000000000000"))
            .retry_config(#lib::config::retry::RetryConfig::disabled())
            .http_client(replay.clone())
            .build();
        let client = #lib::Client::from_conf(config);
    }
}

fn request_test(ir: &Ir, lib: &TokenStream, op: &crate::ir::Operation, case: &Value) -> Result<TokenStream, String> {
    let host = case.get("host").and_then(Value::as_str).unwrap_or("example.com");
    let http_response = rt::http_response();
    let setup = setup(lib, host, quote!(#http_response::new(200, ::std::default::Default::default(), b"{}".to_vec())));
    let call = call(ir, lib, op, case.get("params"))?;
    let method = case.get("method").and_then(Value::as_str).unwrap_or("POST");
    let uri = case.get("uri").and_then(Value::as_str).unwrap_or("/");
    let resolved = case.get("resolvedHost").and_then(Value::as_str).unwrap_or(host.split('/').next().unwrap_or(host));
    let headers = str_map(case.get("headers"))
        .into_iter()
        .map(|(k, v)| quote!(::std::assert_eq!(request.headers.get(#k), ::std::option::Option::Some(#v), "header {}", #k);));
    let required = str_list(case.get("requireHeaders"))
        .into_iter()
        .map(|k| quote!(::std::assert!(request.headers.get(#k).is_some(), "header {} is required", #k);));
    let forbidden = str_list(case.get("forbidHeaders"))
        .into_iter()
        .map(|k| quote!(::std::assert!(request.headers.get(#k).is_none(), "header {} is forbidden", #k);));
    // Query parameters: each expected `key=value` (as encoded) present, in any order.
    let mut query_checks: Vec<TokenStream> = str_list(case.get("queryParams"))
        .into_iter()
        .map(|p| quote!(::std::assert!(query.contains(&#p), "query parameter {} is missing from {:?}", #p, query);))
        .collect();
    query_checks.extend(str_list(case.get("forbidQueryParams")).into_iter().map(|k| {
        quote!(::std::assert!(!query.iter().any(|p| p.split('=').next() == ::std::option::Option::Some(#k)), "query parameter {} is forbidden", #k);)
    }));
    query_checks.extend(str_list(case.get("requireQueryParams")).into_iter().map(|k| {
        quote!(::std::assert!(query.iter().any(|p| p.split('=').next() == ::std::option::Option::Some(#k)), "query parameter {} is required", #k);)
    }));
    let body = match (case.get("body").and_then(Value::as_str), case.get("bodyMediaType").and_then(Value::as_str)) {
        (None, _) => quote!(),
        (Some(expected), Some("application/cbor")) if !expected.is_empty() => {
            let test_util = rt::test_util();
            quote!(#test_util::cbor_diff::assert_same_cbor(request.body.bytes().expect("the body is in memory"), #expected);)
        }
        (Some(expected), Some("application/json")) if !expected.is_empty() => quote! {
            let expected: ::serde_json::Value = ::serde_json::from_str(#expected).unwrap();
            let actual: ::serde_json::Value = ::serde_json::from_slice(request.body.bytes().expect("the body is in memory")).expect("the request body is JSON");
            ::std::assert!(super::same_json(&actual, &expected), "the request body differs:\n{actual}\n--- expected\n{expected}");
        },
        (Some(expected), _) => quote!(::std::assert_eq!(request.body_text(), #expected);),
    };
    Ok(quote! {
        #setup
        // A request case checks what was sent; the canned answer's parse is not its business.
        let _ = #call;
        let request = replay.single_request();
        ::std::assert_eq!(request.method, #method);
        let after_scheme = request.uri.split_once("://").map(|(_, rest)| rest).unwrap_or(&request.uri);
        let (authority, path) = after_scheme.split_at(after_scheme.find('/').unwrap_or(after_scheme.len()));
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let query: ::std::vec::Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
        let _ = &query;
        ::std::assert_eq!(path, #uri);
        ::std::assert_eq!(authority, #resolved);
        #(#query_checks)*
        #(#headers)*
        #(#required)*
        #(#forbidden)*
        #body
    })
}

fn response_setup(lib: &TokenStream, case: &Value) -> TokenStream {
    let code = case.get("code").and_then(Value::as_u64).unwrap_or(200) as u16;
    let body = case.get("body").and_then(Value::as_str).unwrap_or("");
    // A CBOR case's body is written in base64.
    let body = if case.get("bodyMediaType").and_then(Value::as_str) == Some("application/cbor") {
        let base64_decode = rt::base64_decode();
        quote!(#base64_decode(#body).expect("the case's body is base64"))
    } else {
        quote!(#body.as_bytes().to_vec())
    };
    let headers = str_map(case.get("headers")).into_iter().map(|(k, v)| quote!(headers.append(#k, #v);));
    let (headers_type, http_response) = (rt::headers(), rt::http_response());
    let response = quote!({
        let mut headers = #headers_type::new();
        #(#headers)*
        #http_response::new(#code, headers, #body)
    });
    setup(lib, "example.com", response)
}

fn response_test(ir: &Ir, lib: &TokenStream, op: &crate::ir::Operation, case: &Value) -> Result<TokenStream, String> {
    let setup = response_setup(lib, case);
    let call = call(ir, lib, op, None)?;
    let test_util = rt::test_util();
    let expected = named_value(ir, lib, &op.output, case.get("params").unwrap_or(&Value::Object(Default::default())))?;
    Ok(quote! {
        #setup
        let actual = #call.expect("the response parses");
        let expected = #expected;
        ::std::assert_eq!(#test_util::canonical::canonical(&actual), #test_util::canonical::canonical(&expected));
    })
}

fn error_test(ir: &Ir, lib: &TokenStream, op: &crate::ir::Operation, error: &ShapeId, case: &Value) -> Result<TokenStream, String> {
    let setup = response_setup(lib, case);
    let call = call(ir, lib, op, None)?;
    let module = ident(&naming::operation_module(&op.name));
    let op_error = ident(&naming::operation_error(&op.name));
    let variant = ident(&naming::type_name(ir.shape(error).name()));
    let test_util = rt::test_util();
    let expected = named_value(ir, lib, error, case.get("params").unwrap_or(&Value::Object(Default::default())))?;
    // An awsQueryCompatible case says, in its vendor parameters, which code the caller sees.
    let code_check = match case.get("vendorParams").and_then(|v| v.get("code")).and_then(Value::as_str) {
        Some(code) => quote! {
            ::std::assert_eq!(#lib::error::ProvideErrorMetadata::code(&error), ::std::option::Option::Some(#code));
        },
        None => quote!(),
    };
    Ok(quote! {
        #setup
        let error = #call.expect_err("the response is an error").into_service_error();
        #code_check
        let #lib::operation::#module::#op_error::#variant(actual) = error else {
            ::std::panic!("expected {}, got {error:?}", ::std::stringify!(#variant));
        };
        let expected = #expected;
        ::std::assert_eq!(#test_util::canonical::canonical(&actual), #test_util::canonical::canonical(&expected));
    })
}

/// `tests/protocol_tests.rs`, or `None` when the model has no cases.
pub fn emit(ir: &Ir, lib: &str) -> Result<Option<TokenStream>, Error> {
    let lib_ident = ident(lib);
    let lib = quote!(#lib_ident);
    // Requests, responses and errors live in their own modules: a case id may name both a request and a response.
    let (mut requests, mut responses, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for test in &ir.protocol_tests {
        let ProtocolTest { kind, owner, id, case } = test;
        let operation = |pred: &dyn Fn(&Operation) -> bool| ir.operations.iter().find(|o| pred(o));
        let (body, into) = match kind {
            ProtocolTestKind::Request => {
                let op = operation(&|o| &o.id == owner).expect("lowered from an operation");
                (request_test(ir, &lib, op, case), &mut requests)
            }
            ProtocolTestKind::Response => {
                let op = operation(&|o| &o.id == owner).expect("lowered from an operation");
                (response_test(ir, &lib, op, case), &mut responses)
            }
            ProtocolTestKind::Error => {
                // The first operation that can return the error runs its cases.
                let Some(op) = operation(&|o| o.errors.contains(owner)) else { continue };
                (error_test(ir, &lib, op, owner, case), &mut errors)
            }
        };
        let body = body.map_err(|e| Error::model(owner.absolute(), format!("protocol test {id}: {e}")))?;
        let name = ident(&naming::protocol_test(id));
        into.push(quote! {
            // A required member the case leaves out is filled with a sample, whose building may use `?`.
            #[tokio::test]
            async fn #name() -> ::std::result::Result<(), ::std::boxed::Box<dyn ::std::error::Error>> {
                #body
                ::std::result::Result::Ok(())
            }
        });
    }
    if requests.is_empty() && responses.is_empty() && errors.is_empty() {
        return Ok(None);
    }
    Ok(Some(quote! {
        //! The model's protocol compliance cases, one test each.
        #![cfg(feature = "serde")]
        #![allow(deprecated, unused_mut, clippy::all)]

        /// Whether two JSON values are the same as JSON means them: numbers by value (`1` and `1.0`
        /// are one number), objects whatever the order of their members.
        #[allow(dead_code)]
        fn same_json(a: &::serde_json::Value, b: &::serde_json::Value) -> bool {
            use ::serde_json::Value;
            match (a, b) {
                (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                    (Some(x), Some(y), _, _) => x == y,
                    (_, _, Some(x), Some(y)) => x == y,
                    _ => x.as_f64() == y.as_f64(),
                },
                (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b)),
                (Value::Object(x), Value::Object(y)) => {
                    x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
                }
                _ => a == b,
            }
        }

        /// `smithy.test#httpRequestTests` of operations.
        mod requests {
            #(#requests)*
        }

        /// `smithy.test#httpResponseTests` of operations.
        mod responses {
            #(#responses)*
        }

        /// `smithy.test#httpResponseTests` of errors.
        mod errors {
            #(#errors)*
        }
    }))
}
