//! Emits one operation's module: its marker type and request glue (`mod.rs`,
//! with the error enum from `operation_error.rs`), and its fluent builder
//! (`builders.rs`). The input and output structures come from the structure
//! emitter.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{deprecated_attr, doc_attrs, markdown_or};
use super::rt;
use super::structure::{plain_setter, SetterShape};
use super::types::{boxed_type, ident, plain_ident};
use crate::ir::{Ir, Operation, Protocol};
use crate::naming::{self, Place};

/// The operation's `mod.rs`, after `declarations` of the files emitted
/// under it. An `echoes` operation's output can repeat part of its input
/// (`give.rs`), so its input's strings are given to the answer's reader.
pub fn emit_mod(ir: &Ir, op: &Operation, echoes: bool, declarations: TokenStream) -> Result<TokenStream, crate::Error> {
    let Operation {
        id: _,
        name,
        input,
        output,
        errors,
        docs,
        deprecated,
        paginated: _,
        host_prefix,
        compress_request,
        has_input,
        context_params: _,
        http,
        checksum_required,
    } = op;
    // The paginator itself is emitted by paginator.rs; here only its module is declared.
    let marker = ident(&naming::operation_type(name));
    let error_ty = ident(&naming::operation_error(name));
    let input_ty = ident(&naming::type_name(ir.shape(input).name()));
    let output_ty = ident(&naming::type_name(ir.shape(output).name()));
    let handle = rt::handle();
    let sdk_error = rt::sdk_error();
    let http_response = rt::http_response();
    let op_meta = rt::operation_meta();
    let build_error = rt::build_error();
    let op_name = name.as_str();

    let retryable: Vec<TokenStream> = errors
        .iter()
        .filter_map(|e| {
            let s = ir.structure(e);
            let throttling = s.error.as_ref()?.retryable?;
            let code = s.id.name.as_str();
            Some(quote!((#code, #throttling)))
        })
        .collect();

    // Checks the service would otherwise answer with a validation error.
    let input_shape = ir.structure(input);
    let required_checks = input_shape.members.iter().filter(|m| m.required).map(|m| {
        let field = ident(&naming::member_name(&m.name, Place::Input));
        let label = naming::member_label(&m.name, Place::Input);
        let details = format!("{} requires it", op_name);
        quote! {
            if input.#field.is_none() {
                return ::std::result::Result::Err(#sdk_error::construction_failure(#build_error::missing_field(#label, #details)));
            }
        }
    });
    let token_fill = input_shape.members.iter().filter(|m| m.idempotency_token).map(|m| {
        let field = ident(&naming::member_name(&m.name, Place::Input));
        quote! {
            if input.#field.is_none() {
                input.#field = ::std::option::Option::Some(handle.idempotency_token());
            }
        }
    });
    let host_prefix_expr = host_prefix_expr(host_prefix.as_deref());
    let gather_endpoint_params = super::context_params::gather(ir, op)?;
    let route = rt::route();
    let de_output = ident(&naming::de_fn(&naming::serde_name(output, ir.shape(output).name())));
    let pool = rt::string_pool();
    // An echoing operation's input gives its strings to the reader of the
    // answer once written; any other's is dropped and its pool stays empty.
    let pool_arg = if echoes { quote!(pool) } else { quote!(#pool::default()) };

    let parse = rt::parse();
    let parse = match ir.service.protocol {
        Protocol::RpcV2Cbor => quote!(#parse::Cbor),
        // A streaming output's reader takes the body as it arrives.
        Protocol::RestJson1 if ir.structure(output).has_stream() => quote!(#parse::RestJsonStream),
        Protocol::RestJson1 => quote!(#parse::RestJson),
        Protocol::AwsJson1_0 | Protocol::AwsJson1_1 => quote!(#parse::Json),
    };
    // restJson1 builds the whole request in `http_request` (`http_request.rs`).
    let (write_body, pool_arg, http_request) = if let Some(http) = http {
        let f = super::http_request::emit(ir, op, http);
        // A streaming payload moves out of the input into the request.
        let input_arg = if ir.structure(&op.input).has_stream() { quote!(&mut input) } else { quote!(&input) };
        (quote!(let request = http_request(#input_arg).map_err(#sdk_error::construction_failure)?;), quote!(#pool::default()), f)
    } else {
        (write_body_rpc(ir, op, echoes), pool_arg, quote!())
    };
    let de_output =
        if http.is_some() { ident(&naming::response_fn(&naming::serde_name(output, ir.shape(output).name()))) } else { de_output };
    let op_docs = doc_attrs(&markdown_or(docs.as_deref(), &format!("The `{op_name}` operation.")));
    let op_deprecated = deprecated_attr(deprecated.as_ref());
    let error_enum = super::operation_error::emit(ir, op);
    let mod_doc = super::docs::inner_doc_attrs(&format!("The `{op_name}` operation: its input, output, errors and fluent builder."));

    Ok(quote! {
        #mod_doc

        #declarations

        #op_docs
        #op_deprecated
        #[non_exhaustive]
        #[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug, ::std::default::Default)]
        pub struct #marker;

        static OPERATION: #op_meta = #op_meta {
            name: #op_name,
            retryable_errors: &[#(#retryable),*],
            compress_request: #compress_request,
            has_input: #has_input,
            content_md5: #checksum_required,
        };

        impl #marker {
            /// Checks, serialises and sends `input`, then parses the outcome.
            pub(crate) async fn orchestrate(
                handle: &#handle,
                input: #input_ty,
            ) -> ::std::result::Result<#output_ty, #sdk_error<#error_ty, #http_response>> {
                #[allow(unused_mut)]
                let mut input = input;
                #(#required_checks)*
                #(#token_fill)*
                let host_prefix: ::std::option::Option<::std::string::String> = #host_prefix_expr;
                #gather_endpoint_params
                let route = #route { host_prefix, endpoint_params };
                #write_body
                handle.invoke(&OPERATION, request, route, #pool_arg, #parse(crate::protocol_serde::#de_output, de_error)).await
            }
        }

        #http_request

        #error_enum
    })
}

/// The body of an RPC protocol's request, as `request`: the input
/// serialised, or nothing for an RPC v2 CBOR operation without input.
fn write_body_rpc(ir: &Ir, op: &Operation, echoes: bool) -> TokenStream {
    let (input, has_input) = (&op.input, op.has_input);
    let sdk_error = rt::sdk_error();
    let writer = rt::writer(ir.service.protocol);
    let operation_request = rt::operation_request();
    let ser_input = ident(&naming::ser_fn(&naming::serde_name(input, ir.shape(input).name())));
    let pool = rt::string_pool();
    let pool_let = if echoes {
        let give_input = ident(&naming::give_fn(&naming::serde_name(input, ir.shape(input).name())));
        quote! {
            let mut pool = #pool::with_capacity(w.strings_written());
            crate::protocol_serde::#give_input(input, &mut pool);
        }
    } else {
        quote!()
    };
    // RPC v2 CBOR sends no body at all for an operation without input.
    if ir.service.protocol.is_cbor() && !has_input {
        quote! {
            let _ = &input;
            let request = #operation_request::rpc(::std::vec::Vec::new());
        }
    } else {
        // The JSON writer finishes with text, the CBOR writer with bytes.
        let finish = if ir.service.protocol.is_cbor() { quote!(w.finish()) } else { quote!(w.finish().into_bytes()) };
        quote! {
            let mut w = #writer::new();
            crate::protocol_serde::#ser_input(&mut w, &input).map_err(#sdk_error::construction_failure)?;
            #pool_let
            let request = #operation_request::rpc(#finish);
        }
    }
}

/// The `@endpoint` host prefix of a call as an expression over `input`:
/// `foo.{label}.` becomes a format string and one argument per label, each
/// label checked to be a valid host label first.
fn host_prefix_expr(template: Option<&str>) -> TokenStream {
    let sdk_error = rt::sdk_error();
    let build_error = rt::build_error();
    match template {
        None => quote!(::std::option::Option::None),
        Some(template) => {
            let mut format = String::new();
            let mut labels = Vec::new();
            let mut rest = template;
            while let Some(start) = rest.find('{') {
                let end = start + rest[start..].find('}').expect("checked while lowering");
                format.push_str(&rest[..start]);
                format.push_str("{}");
                labels.push(rest[start + 1..end].to_owned());
                rest = &rest[end + 1..];
            }
            format.push_str(rest);
            let checks = labels.iter().map(|label| {
                let field = ident(&naming::member_name(label, Place::Input));
                let name = naming::member_label(label, Place::Input);
                let is_valid_host_label = rt::is_valid_host_label();
                quote! {
                    let #field = input.#field.as_deref().unwrap_or_default();
                    if !#is_valid_host_label(#field, false) {
                        return ::std::result::Result::Err(#sdk_error::construction_failure(#build_error::invalid_field(
                            #name,
                            ::std::format!("`{}` cannot be part of a host name", #field),
                        )));
                    }
                }
            });
            let args = labels.iter().map(|label| ident(&naming::member_name(label, Place::Input)));
            quote! {{
                #(#checks)*
                ::std::option::Option::Some(::std::format!(#format, #(#args),*))
            }}
        }
    }
}

/// The operation's `builders.rs`: the fluent builder.
pub fn emit_builders(ir: &Ir, op: &Operation) -> TokenStream {
    let name = &op.name;
    let fluent = ident(&naming::fluent_builder(name));
    let marker = ident(&naming::operation_type(name));
    let error_ty = ident(&naming::operation_error(name));
    let input_shape = ir.structure(&op.input);
    let input_ty = ident(&naming::type_name(&input_shape.name));
    let output_ty = ident(&naming::type_name(ir.shape(&op.output).name()));
    let input_builder = ident(&naming::builder_name(&input_shape.name));
    let output_builder = ident(&naming::builder_name(ir.shape(&op.output).name()));
    let input_mod = ident(&naming::type_module(&input_shape.name));
    let output_mod = ident(&naming::type_module(ir.shape(&op.output).name()));
    let handle = rt::handle();
    let sdk_error = rt::sdk_error();
    let http_response = rt::http_response();

    let setters = input_shape.members.iter().map(|m| {
        let field = ident(&naming::member_name(&m.name, Place::Input));
        let set = plain_ident(&naming::set_name(&m.name, Place::Input));
        let get = plain_ident(&naming::get_name(&m.name, Place::Input));
        let docs = doc_attrs(&markdown_or(m.docs.as_deref(), &format!("The `{}` member.", m.name)));
        let dep = deprecated_attr(m.deprecated.as_ref());
        let stored = boxed_type(ir, m);
        let (_, shape) = plain_setter(ir, m, &field);
        let plain = match shape {
            SetterShape::Append(el) => quote! {
                pub fn #field(mut self, input: #el) -> Self { self.inner = self.inner.#field(input); self }
            },
            SetterShape::Insert(k, v) => quote! {
                pub fn #field(mut self, k: impl ::std::convert::Into<#k>, v: #v) -> Self { self.inner = self.inner.#field(k.into(), v); self }
            },
            SetterShape::Into(t) => quote! {
                pub fn #field(mut self, input: impl ::std::convert::Into<#t>) -> Self { self.inner = self.inner.#field(input.into()); self }
            },
            SetterShape::Value(t) => quote! {
                pub fn #field(mut self, input: #t) -> Self { self.inner = self.inner.#field(input); self }
            },
        };
        quote! {
            #docs #dep #plain
            #docs #dep
            pub fn #set(mut self, input: ::std::option::Option<#stored>) -> Self { self.inner = self.inner.#set(input); self }
            #docs #dep
            pub fn #get(&self) -> &::std::option::Option<#stored> { self.inner.#get() }
        }
    });
    let into_paginator = if let Some(p) = &op.paginated {
        let paginator = ident(&naming::paginator(name));
        let doc = if p.items.is_some() {
            "Fetches every page of results instead of one: see the paginator's `send` and `items`."
        } else {
            "Fetches every page of results instead of one: see the paginator's `send`."
        };
        let doc = doc_attrs(doc);
        quote! {
            #doc
            pub fn into_paginator(self) -> super::paginator::#paginator {
                super::paginator::#paginator::new(self.handle, self.inner)
            }
        }
    } else {
        quote!()
    };
    let fluent_doc = doc_attrs(&format!("Sets up and sends a `{name}` call; start one with `Client::{}`.", naming::operation_method(name)));
    let clone = if input_shape.has_stream() { quote!() } else { quote!(::std::clone::Clone,) };
    let mod_doc = super::docs::inner_doc_attrs(&format!("Builders of `{name}` inputs and outputs, and its fluent builder."));
    quote! {
        #mod_doc

        pub use super::#input_mod::#input_builder;
        pub use super::#output_mod::#output_builder;

        #fluent_doc
        #[derive(#clone ::std::fmt::Debug)]
        pub struct #fluent {
            handle: #handle,
            inner: #input_builder,
        }

        impl #fluent {
            pub(crate) fn new(handle: #handle) -> Self {
                #fluent { handle, inner: ::std::default::Default::default() }
            }

            /// The input built so far.
            pub fn as_input(&self) -> &#input_builder {
                &self.inner
            }

            /// Sends the call. Required members are checked first; nothing is
            /// sent when one is missing.
            pub async fn send(self) -> ::std::result::Result<super::#output_ty, #sdk_error<super::#error_ty, #http_response>> {
                let input: super::#input_ty = self.inner.build().map_err(#sdk_error::construction_failure)?;
                super::#marker::orchestrate(&self.handle, input).await
            }

            #into_paginator

            #(#setters)*
        }
    }
}
