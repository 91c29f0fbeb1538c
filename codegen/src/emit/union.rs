//! Emits a union: an enum with one variant per member, plus `Unknown` for
//! members added after generation.

use quote::quote;

use super::docs::{deprecated_attr, doc_attrs, markdown_or};
use super::types::{boxed_type, ident, plain_ident};
use crate::ir::{Ir, TypeRef, Union};
use crate::naming;

/// Emits the file of one union.
pub fn emit(ir: &Ir, u: &Union) -> proc_macro2::TokenStream {
    let Union { id, name, members, docs, deprecated, sensitive } = u;
    let ty = ident(&naming::type_name(name));
    let type_docs = doc_attrs(&markdown_or(docs.as_deref(), &format!("The `{}` union.", id.name)));
    let type_deprecated = deprecated_attr(deprecated.as_ref());
    let mut variants = Vec::new();
    let mut accessors = Vec::new();
    for m in members {
        let v = ident(&naming::variant_name(&m.name));
        let d = doc_attrs(&markdown_or(m.docs.as_deref(), &format!("The `{}` member.", m.name)));
        let dep = deprecated_attr(m.deprecated.as_ref());
        let is = plain_ident(&naming::union_is(&m.name));
        let is_doc = doc_attrs(&format!("True when this is [`{ty}::{v}`]."));
        let wire = m.name.as_str();
        let rename = quote!(#[cfg_attr(feature = "serde", serde(rename = #wire))]);
        if m.ty == TypeRef::Unit {
            variants.push(quote!(#d #dep #rename #v,));
            accessors.push(quote! {
                #is_doc
                pub fn #is(&self) -> bool { ::std::matches!(self, #ty::#v) }
            });
        } else {
            let t = boxed_type(ir, m);
            let inner = super::types::rust_type(ir, &m.ty);
            let as_fn = plain_ident(&naming::union_as(&m.name));
            let as_doc = doc_attrs(&format!("The value when this is [`{ty}::{v}`], else `Err(self)`."));
            let body = if m.boxed { quote!(::std::result::Result::Ok(val.as_ref())) } else { quote!(::std::result::Result::Ok(val)) };
            variants.push(quote!(#d #dep #rename #v(#t),));
            accessors.push(quote! {
                #as_doc
                pub fn #as_fn(&self) -> ::std::result::Result<&#inner, &Self> {
                    if let #ty::#v(val) = self { #body } else { ::std::result::Result::Err(self) }
                }
                #is_doc
                pub fn #is(&self) -> bool { self.#as_fn().is_ok() }
            });
        }
    }
    let debug_derive = if *sensitive { quote!() } else { quote!(::std::fmt::Debug,) };
    let debug_impl = if *sensitive {
        quote! {
            impl ::std::fmt::Debug for #ty {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str("*** Sensitive Data Redacted ***")
                }
            }
        }
    } else {
        quote!()
    };
    let file_doc = super::docs::inner_doc_attrs(&format!("The `{ty}` union."));
    quote! {
        #file_doc
        #type_docs
        #type_deprecated
        #[non_exhaustive]
        #[derive(::std::clone::Clone, ::std::cmp::PartialEq, #debug_derive)]
        #[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
        // Variants hold the members' own types, as users match on them; boxing the large ones would change the API.
        #[allow(clippy::large_enum_variant)]
        pub enum #ty {
            #(#variants)*
            /// A member this version of the crate does not know. It cannot be sent.
            #[non_exhaustive]
            #[cfg_attr(feature = "serde", serde(skip))]
            Unknown,
        }

        impl #ty {
            #(#accessors)*
            /// True when the member is one this version does not know.
            pub fn is_unknown(&self) -> bool { ::std::matches!(self, #ty::Unknown) }
        }

        #debug_impl
    }
}
