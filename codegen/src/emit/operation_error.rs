//! Emits one operation's error enum: a variant per modeled error and
//! `Unhandled`, the parser that picks the variant by error code, and the
//! traits every error enum implements (`Display`, `Error`,
//! `ProvideErrorMetadata`, `RequestId`, `CreateUnhandledError`) through the
//! runtime's `operation_error_impls!`, which says them once.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, markdown_or};
use super::rt;
use super::types::{ident, named_path, plain_ident};
use crate::ir::{Ir, Operation};
use crate::naming;

/// The error enum of `op` and its `de_error` parser, for the operation's `mod.rs`.
pub fn emit(ir: &Ir, op: &Operation) -> TokenStream {
    let Operation { name, errors, .. } = op;
    let op_name = name.as_str();
    let error_ty = ident(&naming::operation_error(name));
    let meta = rt::error_metadata();
    let unhandled = rt::unhandled();
    let impls = rt::operation_error_impls();
    let reader = rt::reader(ir.service.protocol);
    let de_err = rt::deserialize_error();
    let variants: Vec<_> = errors.iter().map(|e| ident(&naming::type_name(ir.shape(e).name()))).collect();
    let paths: Vec<_> = errors.iter().map(|e| named_path(ir, e)).collect();
    // An awsQueryCompatible service may name an error by its awsQuery code
    // (which the runtime reads from `x-amzn-query-error`) instead of its
    // shape name: either picks the variant.
    let codes: Vec<TokenStream> = errors
        .iter()
        .map(|e| {
            let shape_code = e.name.as_str();
            match ir.structure(e).error.as_ref().and_then(|i| i.query_code.as_deref()) {
                Some(q) if ir.service.query_compatible && q != shape_code => {
                    quote!(::std::option::Option::Some(#shape_code) | ::std::option::Option::Some(#q))
                }
                _ => quote!(::std::option::Option::Some(#shape_code)),
            }
        })
        .collect();
    // restJson1 reads an error from the whole response (members in headers too).
    let rest = ir.service.protocol.is_rest();
    let de_name = if rest { naming::response_fn } else { naming::de_fn };
    let de_fns: Vec<_> = errors.iter().map(|e| ident(&de_name(&naming::serde_name(e, ir.shape(e).name())))).collect();
    let (params, args) = if rest {
        let response = rt::http_response();
        (quote!(meta: #meta, response: &#response), quote!(meta, response))
    } else {
        (quote!(meta: #meta, r: &mut #reader<'_>), quote!(r, meta))
    };
    let predicates: Vec<_> = errors.iter().map(|e| plain_ident(&naming::error_predicate(ir.shape(e).name()))).collect();
    let variant_docs: Vec<_> =
        errors.iter().map(|e| doc_attrs(&markdown_or(ir.structure(e).docs.as_deref(), &format!("The `{}` error.", e.name)))).collect();
    let predicate_docs: Vec<_> = variants.iter().map(|v| doc_attrs(&format!("True when this is `{error_ty}::{v}`."))).collect();

    let error_doc = doc_attrs(&format!("The errors `{op_name}` can return."));

    quote! {
        #[allow(unused_variables)]
        fn de_error(#params) -> ::std::result::Result<#error_ty, #de_err> {
            let code = meta.code().map(::std::borrow::ToOwned::to_owned);
            #[allow(clippy::match_single_binding)]
            ::std::result::Result::Ok(match code.as_deref() {
                #( #codes => #error_ty::#variants(crate::protocol_serde::#de_fns(#args)?), )*
                _ => #error_ty::generic(meta),
            })
        }

        #error_doc
        #[non_exhaustive]
        #[derive(::std::fmt::Debug)]
        pub enum #error_ty {
            #( #variant_docs #variants(#paths), )*
            /// An error the model does not describe; read it with `code()` and `message()`.
            #[deprecated(note = "matching Unhandled is not forward compatible: match with a wildcard arm and check code()")]
            Unhandled(#unhandled),
        }

        #impls!(#error_ty { #(#variants),* });

        impl #error_ty {
            #(
                #predicate_docs
                pub fn #predicates(&self) -> bool {
                    ::std::matches!(self, #error_ty::#variants(_))
                }
            )*
        }
    }
}
