//! Emits the crate's fixed files: the root, the client, config, errors,
//! primitives, module indexes, the endpoint resolver, and Cargo.toml.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, markdown_or};
use super::rt;
use super::types::ident;
use crate::ir::Ir;
use crate::naming;
use crate::Options;

/// `src/lib.rs`.
pub fn lib_rs(ir: &Ir, options: &Options, declarations: TokenStream) -> TokenStream {
    let title = ir.service.title.clone().unwrap_or_else(|| ir.service.sdk_id.clone());
    let lib = naming::lib_name(&options.package_name(ir));
    let mut text = format!("A client for {title} (API version {}).\n\n", ir.service.version);
    text.push_str(&markdown_or(ir.service.docs.as_deref(), ""));
    text.push_str(&format!(
        "\n\n# Using the client\n\nBuild a [`Config`], make a [`Client`] from it, and call an operation through its \
         fluent builder:\n\n```no_run\n# async fn example() -> Result<(), {lib}::Error> {{\nuse {lib}::config::{{Credentials, Region}};\n\n\
         let config = {lib}::Config::builder()\n    .region(Region::new(\"us-east-1\"))\n    .credentials_provider(Credentials::new(\"AKID\", \"SECRET\", None, None, \"example\"))\n    .build();\n\
         let client = {lib}::Client::from_conf(config);\n# let _ = client;\n# Ok(())\n# }}\n```\n\n\
         # Checks before sending\n\n`send()` refuses an input, without sending anything, when a member the model \
         marks `@required` is missing or a value breaks its `@length` or `@range` constraint; the error \
         names the member. `@pattern` constraints are documented on each member but not checked."
    ));
    if !ir.service.passed_over_protocols.is_empty() {
        let (implemented, other): (Vec<&String>, Vec<&String>) =
            ir.service.passed_over_protocols.iter().partition(|p| crate::validate::SUPPORTED_PROTOCOLS.contains(&p.as_str()));
        text.push_str(&format!("\n\n# Protocol\n\nThis client speaks `{}`.", ir.service.protocol.trait_id()));
        if !implemented.is_empty() {
            let settings: Vec<String> = implemented.iter().map(|p| format!("`protocol = \"{p}\"`")).collect();
            text.push_str(&format!(
                " The model also lists {}: generated with {} in the crate's `codegen.toml` entry, the client speaks that \
                 instead, with the same API.",
                implemented.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
                settings.join(" or ")
            ));
        }
        if !other.is_empty() {
            text.push_str(&format!(
                " The model also lists {}, which this generator does not implement.",
                other.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        text.push_str(" A service answers in every protocol its model lists.");
    }
    if !ir.left_out.is_empty() {
        text.push_str("\n\n# Operations left out\n\nThe service has operations this crate does not:\n");
        for l in &ir.left_out {
            text.push_str(&format!("\n- `{}`: {}.", l.name, l.reason));
        }
    }
    let docs = super::docs::inner_doc_attrs(&text);
    quote! {
        #docs
        #![warn(missing_docs)]
        #![forbid(unsafe_code)]
        // Deprecated members are still serialised, deserialised and copied by the crate itself.
        #![allow(deprecated)]

        #declarations
    }
}

/// `src/client.rs`.
pub fn client_rs(ir: &Ir) -> TokenStream {
    let handle = rt::handle();
    let to_config = rt::to_config();
    let methods = ir.operations.iter().map(|op| {
        let method = ident(&naming::operation_method(&op.name));
        let module = ident(&naming::operation_module(&op.name));
        let fluent = ident(&naming::fluent_builder(&op.name));
        let docs = doc_attrs(&markdown_or(op.docs.as_deref(), &format!("Starts a `{}` call.", op.name)));
        let dep = super::docs::deprecated_attr(op.deprecated.as_ref());
        quote! {
            #docs
            #dep
            pub fn #method(&self) -> crate::operation::#module::builders::#fluent {
                crate::operation::#module::builders::#fluent::new(self.handle.clone())
            }
        }
    });
    let title = ir.service.title.clone().unwrap_or_else(|| ir.service.sdk_id.clone());
    let client_doc = doc_attrs(&format!("A client for {title}. Cloning it is cheap: clones share the configuration and connection pool."));
    quote! {
        //! The service client.

        #client_doc
        #[derive(::std::clone::Clone, ::std::fmt::Debug)]
        pub struct Client {
            handle: #handle,
        }

        impl Client {
            /// A client from a shared configuration: a [`Config`](crate::Config), or,
            /// with the `aws-config` feature, the `aws_types::SdkConfig` that
            /// `aws_config::load_from_env()` returns.
            pub fn new(config: &(impl #to_config + ?Sized)) -> Self {
                Self::from_conf(#to_config::to_config(config))
            }

            /// A client from its configuration.
            pub fn from_conf(config: crate::Config) -> Self {
                Client { handle: #handle::new(config, &crate::config::SERVICE) }
            }

            /// The client's configuration.
            pub fn config(&self) -> &crate::Config {
                self.handle.config()
            }

            #(#methods)*
        }
    }
}

/// `src/blocking.rs`: the client for programs without an async runtime.
pub fn blocking_rs(ir: &Ir) -> TokenStream {
    let runtime = rt::blocking_runtime();
    let to_config = rt::to_config();
    let first = ir.operations.first().map(|op| naming::operation_method(&op.name)).unwrap_or_else(|| "an_operation".to_owned());
    let doc = format!(
        "A client for programs without an async runtime (feature `blocking`).\n\n\
         It dereferences to the async [`Client`](crate::Client), so calls are built the same way, and \
         [`block_on`](Client::block_on) runs one to completion on the client's own current-thread runtime, \
         through the same request loop (retries, timeouts, signing):\n\n\
         ```ignore\nlet client = blocking::Client::new(&config)?;\nlet out = client.block_on(client.{first}()/* setters */.send())?;\n```"
    );
    let client_doc = doc_attrs(&doc);
    quote! {
        //! A client that blocks the calling thread instead of returning futures.

        #client_doc
        #[derive(::std::fmt::Debug)]
        pub struct Client {
            inner: crate::Client,
            runtime: #runtime,
        }

        impl Client {
            /// A blocking client from a shared configuration; fails only when the
            /// operating system refuses the runtime's event queue.
            pub fn new(config: &(impl #to_config + ?Sized)) -> ::std::io::Result<Self> {
                ::std::result::Result::Ok(Client { inner: crate::Client::new(config), runtime: #runtime::new()? })
            }

            /// Runs `call` (a fluent builder's `send()`) to completion and returns
            /// its outcome. Inside an async runtime the call runs on a thread of its
            /// own, so it neither stalls nor nests that runtime.
            pub fn block_on<F>(&self, call: F) -> F::Output
            where
                F: ::std::future::Future + ::std::marker::Send,
                F::Output: ::std::marker::Send,
            {
                self.runtime.block_on(call)
            }
        }

        impl ::std::ops::Deref for Client {
            type Target = crate::Client;

            fn deref(&self) -> &crate::Client {
                &self.inner
            }
        }
    }
}

/// `src/config.rs`.
pub fn config_rs(ir: &Ir) -> TokenStream {
    let rt = rt::root();
    let service_meta = rt::service_meta();
    let service_name = ir.service.id.name.as_str();
    let env_name = naming::endpoint_env_name(&ir.service.sdk_id);
    let protocol_ty = rt::protocol();
    let variant = ident(ir.service.protocol.runtime_variant());
    let query_compatible = ir.service.query_compatible;
    let signing = match &ir.service.signing_name {
        Some(n) => quote!(::std::option::Option::Some(#n)),
        None => quote!(::std::option::Option::None),
    };
    quote! {
        //! Client configuration: region, credentials, endpoint, transport, retries and timeouts.

        pub use #rt::{AppName, AsyncSleep, Builder, Config, Region, StaticTimeSource, SystemTimeSource, TimeSource, TokioSleep};
        pub use #rt::{Credentials, CredentialsError, DefaultCredentialsChain, ProvideCredentials};
        pub use #rt::{from_env, load_from_env};
        pub use #rt::OsEnv;
        pub use #rt::{CaBundle, InvalidCaBundle, InvalidProxy, ProxyConfig};

        /// Retry settings.
        pub mod retry {
            pub use #rt::{RetryConfig, RetryMode};
        }

        /// Timeout settings.
        pub mod timeout {
            pub use #rt::{MinimumThroughput, TimeoutConfig, TimeoutConfigBuilder};
        }

        /// What the runtime needs to know about this service.
        pub(crate) static SERVICE: #service_meta = #service_meta {
            service_name: #service_name,
            protocol: #protocol_ty::#variant,
            signing_name: #signing,
            crate_name: ::std::env!("CARGO_PKG_NAME"),
            crate_version: ::std::env!("CARGO_PKG_VERSION"),
            resolve_endpoint: crate::endpoint::resolve,
            env_name: #env_name,
            query_compatible: #query_compatible,
        };
    }
}

/// `src/endpoint.rs`: the model's rule set, evaluated by the runtime, and
/// its `smithy.rules#endpointTests` as unit tests.
pub fn endpoint_rs(ir: &Ir) -> Result<TokenStream, crate::Error> {
    let (endpoint, params_type, endpoint_error) = (rt::endpoint(), rt::endpoint_params(), rt::endpoint_error());
    // The diagram when the model has one (smaller and faster to walk), else the rule set.
    let (trait_value, trait_name, resolve) = match (&ir.service.endpoint_bdd, &ir.service.endpoint_rules) {
        (Some(bdd), _) => (bdd, "smithy.rules#endpointBdd", rt::resolve_endpoint_bdd()),
        (None, Some(rules)) => (rules, "smithy.rules#endpointRuleSet", rt::resolve_endpoint()),
        (None, None) => {
            // Without rules the only endpoint is one the user gives.
            let message = format!("the {} model has no endpoint rules: set an endpoint URL", ir.service.sdk_id);
            return Ok(quote! {
                //! The endpoint resolver: the model has no `smithy.rules#endpointRuleSet`, so an endpoint URL must be set.

                /// Resolves the endpoint of a call.
                pub(crate) fn resolve(params: &#params_type) -> ::std::result::Result<#endpoint, #endpoint_error> {
                    match &params.endpoint {
                        ::std::option::Option::Some(url) => ::std::result::Result::Ok(#endpoint::from_url(url.clone())),
                        ::std::option::Option::None => ::std::result::Result::Err(#endpoint_error(#message.to_owned())),
                    }
                }
            });
        }
    };
    let text = trait_value.to_string();
    let tests = endpoint_tests(ir, trait_value)?;
    let module_doc = format!("The endpoint resolver, from the model's `{trait_name}`.");
    let const_doc = format!("The `{trait_name}` trait as written in the model.");
    Ok(quote! {
        #![doc = #module_doc]

        #[doc = #const_doc]
        const RULES: &str = #text;

        /// Resolves the endpoint of a call.
        pub(crate) fn resolve(params: &#params_type) -> ::std::result::Result<#endpoint, #endpoint_error> {
            #resolve(RULES, params)
        }

        #tests
    })
}

/// One `#[test]` per case of the model's `smithy.rules#endpointTests`: the
/// case's parameters (the four built-ins the configuration sets by field,
/// every other by its name), and its expectation checked by the runtime
/// (URL, properties and headers, or the error message).
fn endpoint_tests(ir: &Ir, rules: &serde_json::Value) -> Result<TokenStream, crate::Error> {
    use serde_json::Value;
    let service = ir.service.id.absolute();
    let Some(cases) = ir.service.endpoint_tests.as_ref().and_then(|t| t.get("testCases")).and_then(Value::as_array) else {
        return Ok(quote!());
    };
    let (params_type, assert_case, rule_value) = (rt::endpoint_params(), rt::assert_endpoint_case(), rt::rule_value());
    let builtin = |param: &str| rules.get("parameters").and_then(|p| p.get(param)).and_then(|p| p.get("builtIn")).and_then(Value::as_str);
    let mut tests = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = ident(&naming::endpoint_test(i + 1));
        let doc = doc_attrs(case.get("documentation").and_then(Value::as_str).unwrap_or("An endpoint test case."));
        let mut region = quote!(::std::option::Option::None);
        let mut endpoint_url = quote!(::std::option::Option::None);
        let mut fips = false;
        let mut dual = false;
        let mut extra = Vec::new();
        if let Some(Value::Object(params)) = case.get("params") {
            for (k, v) in params {
                match (builtin(k), v) {
                    (Some("AWS::Region"), Value::String(s)) => region = quote!(::std::option::Option::Some(#s.to_owned())),
                    (Some("SDK::Endpoint"), Value::String(s)) => endpoint_url = quote!(::std::option::Option::Some(#s.to_owned())),
                    (Some("AWS::UseFIPS"), Value::Bool(b)) => fips = *b,
                    (Some("AWS::UseDualStack"), Value::Bool(b)) => dual = *b,
                    (Some("AWS::Region" | "SDK::Endpoint" | "AWS::UseFIPS" | "AWS::UseDualStack"), _) => {
                        return Err(crate::Error::model(
                            service,
                            format!("endpoint test case {} gives {k} a value of the wrong type", i + 1),
                        ))
                    }
                    (_, v) => {
                        let v = rule_value_tokens(&rule_value, v).ok_or_else(|| {
                            crate::Error::model(
                                service.clone(),
                                format!("endpoint test case {} gives {k} a value rules cannot take", i + 1),
                            )
                        })?;
                        extra.push(quote!((#k, #v)));
                    }
                }
            }
        }
        let expect = case.get("expect").unwrap_or(&Value::Null);
        if expect.get("endpoint").and_then(|e| e.get("url")).and_then(Value::as_str).is_none()
            && expect.get("error").and_then(Value::as_str).is_none()
        {
            return Err(crate::Error::model(service, format!("endpoint test case {} expects neither an endpoint nor an error", i + 1)));
        }
        let expect = expect.to_string();
        tests.push(quote! {
            #doc
            #[test]
            fn #name() {
                let params = #params_type {
                    region: #region,
                    use_fips: #fips,
                    use_dual_stack: #dual,
                    endpoint: #endpoint_url,
                    extra: ::std::vec![#(#extra),*],
                };
                #assert_case(super::resolve, &params, #expect);
            }
        });
    }
    Ok(quote! {
        #[cfg(test)]
        mod tests {
            #(#tests)*
        }
    })
}

/// A `RuleValue` literal of an endpoint test's parameter value.
fn rule_value_tokens(rule_value: &TokenStream, v: &serde_json::Value) -> Option<TokenStream> {
    use serde_json::Value;
    Some(match v {
        Value::Bool(b) => quote!(#rule_value::Bool(#b)),
        Value::String(s) => quote!(#rule_value::Str(#s.to_owned())),
        Value::Number(n) => {
            let n = n.as_i64()?;
            quote!(#rule_value::Int(#n))
        }
        Value::Array(items) => {
            let items = items.iter().map(|i| rule_value_tokens(rule_value, i)).collect::<Option<Vec<_>>>()?;
            quote!(#rule_value::Array(::std::vec![#(#items),*]))
        }
        Value::Null | Value::Object(_) => return None,
    })
}

/// `src/error.rs`.
pub fn error_rs() -> TokenStream {
    let e = rt::root();
    quote! {
        //! Error types shared by every operation.

        pub use #e::{BuildError, DisplayErrorContext, ErrorKind, ErrorMetadata, ProvideErrorMetadata, SdkError, Unhandled};

        /// A boxed error that can cross threads.
        pub type BoxError = ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Send + ::std::marker::Sync + 'static>;
    }
}

/// `src/error_meta.rs`: the crate-level `Error` over every modeled error.
pub fn error_meta_rs(ir: &Ir) -> TokenStream {
    let meta = rt::error_metadata();
    let provide = rt::provide_error_metadata();
    let unhandled = rt::unhandled();
    let sdk_error = rt::sdk_error();
    let request_id = rt::request_id();
    let errors: Vec<_> = ir.errors().collect();
    let variants: Vec<_> = errors.iter().map(|e| ident(&naming::type_name(&e.name))).collect();
    let docs: Vec<_> = errors.iter().map(|e| doc_attrs(&markdown_or(e.docs.as_deref(), &format!("The `{}` error.", e.id.name)))).collect();
    let conversions = ir.operations.iter().map(|op| {
        let module = ident(&naming::operation_module(&op.name));
        let op_error = ident(&naming::operation_error(&op.name));
        let vs: Vec<_> = op.errors.iter().map(|e| ident(&naming::type_name(ir.shape(e).name()))).collect();
        quote! {
            impl ::std::convert::From<crate::operation::#module::#op_error> for Error {
                fn from(err: crate::operation::#module::#op_error) -> Self {
                    match err {
                        #( crate::operation::#module::#op_error::#vs(e) => Error::#vs(e), )*
                        crate::operation::#module::#op_error::Unhandled(e) => Error::Unhandled(e),
                    }
                }
            }

        }
    });
    quote! {
        //! `Error`: every error any operation of the service can return.

        /// Any error of the service, for code that handles all operations alike.
        #[non_exhaustive]
        #[derive(::std::fmt::Debug)]
        pub enum Error {
            #( #docs #variants(crate::types::error::#variants), )*
            /// An error the model does not describe, or a failure before the service answered.
            #[deprecated(note = "matching Unhandled is not forward compatible: match with a wildcard arm and check code()")]
            Unhandled(#unhandled),
        }

        impl ::std::fmt::Display for Error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    #( Error::#variants(e) => ::std::fmt::Display::fmt(e, f), )*
                    Error::Unhandled(e) => ::std::fmt::Display::fmt(e, f),
                }
            }
        }

        impl ::std::error::Error for Error {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    #( Error::#variants(e) => ::std::option::Option::Some(e), )*
                    Error::Unhandled(e) => ::std::option::Option::Some(e),
                }
            }
        }

        impl #provide for Error {
            fn meta(&self) -> &#meta {
                match self {
                    #( Error::#variants(e) => #provide::meta(e), )*
                    Error::Unhandled(e) => e.meta(),
                }
            }
        }

        impl #request_id for Error {
            fn request_id(&self) -> ::std::option::Option<&str> {
                #provide::meta(self).request_id()
            }
        }

        #(#conversions)*

        // One conversion from the `SdkError` of every operation: the service's
        // error becomes its variant, anything else `Unhandled`.
        impl<E, R> ::std::convert::From<#sdk_error<E, R>> for Error
        where
            E: ::std::convert::Into<Error> + ::std::error::Error + #provide + ::std::marker::Send + ::std::marker::Sync + 'static,
            R: ::std::fmt::Debug + ::std::marker::Send + ::std::marker::Sync + 'static,
        {
            fn from(err: #sdk_error<E, R>) -> Self {
                match err {
                    #sdk_error::ServiceError(context) => context.into_err().into(),
                    other => Error::Unhandled(#unhandled::new(::std::boxed::Box::new(other), #meta::default())),
                }
            }
        }
    }
}

/// `src/primitives.rs`; the streaming body types only where an operation streams.
pub fn primitives_rs(streams: bool) -> TokenStream {
    let p = rt::root();
    let stream =
        if streams { quote!(pub use #p::{AggregatedBytes, ByteStream, ByteStreamError, ChunkSender, StreamClosed};) } else { quote!() };
    quote! {
        //! Primitive types: timestamps, blobs and documents.

        pub use #p::{Blob, DateTime, DateTimeFormat, Document, Number, UnknownVariantValue};
        #stream
    }
}

/// `src/types/mod.rs`.
pub fn types_mod(declarations: TokenStream) -> TokenStream {
    quote! {
        //! The data types of the service: structures, unions and enums.

        #declarations
    }
}

/// `src/types/error/mod.rs`.
pub fn error_types_mod(declarations: TokenStream) -> TokenStream {
    quote! {
        //! The modeled errors of the service.

        #declarations
    }
}

/// `src/operation/mod.rs`.
pub fn operation_mod(declarations: TokenStream) -> TokenStream {
    let request_id = rt::request_id();
    quote! {
        //! One module per operation.

        pub use #request_id;

        #declarations
    }
}

/// `src/protocol_serde/mod.rs`.
pub fn protocol_serde_mod(declarations: TokenStream) -> TokenStream {
    quote! {
        //! awsJson serialisers and deserialisers.

        #declarations
    }
}
