//! Every runtime item generated code refers to, named in one place.
//!
//! Generated crates reach the runtime through `::awsjson_runtime`; if the
//! runtime moves an item, only this file changes.

use proc_macro2::TokenStream;
use quote::quote;

/// The runtime crate's package name, for the generated Cargo.toml.
pub const PACKAGE: &str = "awsjson-runtime";

/// `DateTime`.
pub fn date_time() -> TokenStream {
    quote!(::awsjson_runtime::primitives::DateTime)
}

/// `DateTimeFormat`.
pub fn date_time_format() -> TokenStream {
    quote!(::awsjson_runtime::primitives::DateTimeFormat)
}

/// `Blob`.
pub fn blob() -> TokenStream {
    quote!(::awsjson_runtime::primitives::Blob)
}

/// `Document`.
pub fn document() -> TokenStream {
    quote!(::awsjson_runtime::primitives::Document)
}

/// `BuildError`.
pub fn build_error() -> TokenStream {
    quote!(::awsjson_runtime::error::BuildError)
}

/// `ErrorMetadata`.
pub fn error_metadata() -> TokenStream {
    quote!(::awsjson_runtime::error::ErrorMetadata)
}

/// `ProvideErrorMetadata`.
pub fn provide_error_metadata() -> TokenStream {
    quote!(::awsjson_runtime::error::ProvideErrorMetadata)
}

/// `Unhandled`.
pub fn unhandled() -> TokenStream {
    quote!(::awsjson_runtime::error::Unhandled)
}

/// `UnmodeledError`.
pub fn unmodeled_error() -> TokenStream {
    quote!(::awsjson_runtime::error::UnmodeledError)
}

/// `CreateUnhandledError`.
pub fn create_unhandled_error() -> TokenStream {
    quote!(::awsjson_runtime::error::CreateUnhandledError)
}

/// `SdkError`.
pub fn sdk_error() -> TokenStream {
    quote!(::awsjson_runtime::error::SdkError)
}

/// `HttpResponse`.
pub fn http_response() -> TokenStream {
    quote!(::awsjson_runtime::http::HttpResponse)
}

/// `RequestId`.
pub fn request_id() -> TokenStream {
    quote!(::awsjson_runtime::request_id::RequestId)
}

/// `Handle`.
pub fn handle() -> TokenStream {
    quote!(::awsjson_runtime::orchestrator::Handle)
}

/// `OperationMeta`.
pub fn operation_meta() -> TokenStream {
    quote!(::awsjson_runtime::orchestrator::OperationMeta)
}

/// `ServiceMeta`.
pub fn service_meta() -> TokenStream {
    quote!(::awsjson_runtime::orchestrator::ServiceMeta)
}

/// `JsonWriter`.
pub fn json_writer() -> TokenStream {
    quote!(::awsjson_runtime::json::JsonWriter)
}

/// `json::Value`.
pub fn json_value() -> TokenStream {
    quote!(::awsjson_runtime::json::Value)
}

/// The module of typed JSON readers.
pub fn json_de() -> TokenStream {
    quote!(::awsjson_runtime::json::de)
}

/// `DeserializeError`.
pub fn deserialize_error() -> TokenStream {
    quote!(::awsjson_runtime::json::DeserializeError)
}

/// The endpoint module.
pub fn endpoint() -> TokenStream {
    quote!(::awsjson_runtime::endpoint)
}

/// The config module.
pub fn config() -> TokenStream {
    quote!(::awsjson_runtime::config)
}

/// The credentials module.
pub fn credentials() -> TokenStream {
    quote!(::awsjson_runtime::credentials)
}

/// The error module.
pub fn error_module() -> TokenStream {
    quote!(::awsjson_runtime::error)
}

/// The primitives module.
pub fn primitives() -> TokenStream {
    quote!(::awsjson_runtime::primitives)
}

/// The http module.
pub fn http() -> TokenStream {
    quote!(::awsjson_runtime::http)
}

/// `UnknownVariantValue`.
pub fn unknown_variant() -> TokenStream {
    quote!(::awsjson_runtime::primitives::UnknownVariantValue)
}

/// `UnknownIntVariantValue`.
pub fn unknown_int_variant() -> TokenStream {
    quote!(::awsjson_runtime::primitives::UnknownIntVariantValue)
}

/// `ErrorKind`.
pub fn error_kind() -> TokenStream {
    quote!(::awsjson_runtime::error::ErrorKind)
}
