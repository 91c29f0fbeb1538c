//! Every runtime item generated code refers to, named in one place.
//!
//! Generated crates reach the runtime only through its `for_generated`
//! module; if the runtime moves an item, that module and this file change
//! and nothing else. Test-only helpers come from the runtime's `test_util`
//! (behind its `test-util` feature).

use proc_macro2::TokenStream;
use quote::quote;

/// The runtime crate's package name, for the generated Cargo.toml.
pub const PACKAGE: &str = "mpkit-runtime";

/// The runtime version generated crates depend on (`runtime/Cargo.toml`'s;
/// a test keeps them equal).
pub const VERSION: &str = "0.1.0";

/// The Rust version generated crates need: the runtime's (the workspace's
/// `rust-version`; a test keeps them equal).
pub const RUST_VERSION: &str = "1.94.1";

/// The module of the runtime meant for generated code.
pub fn root() -> TokenStream {
    quote!(::mpkit_runtime::for_generated)
}

/// One function per runtime item: `name() -> ::mpkit_runtime::for_generated::Item`.
macro_rules! items {
    ($($name:ident => $item:ident,)*) => {
        $(
            #[doc = concat!("`", stringify!($item), "`.")]
            pub fn $name() -> TokenStream {
                let root = root();
                quote!(#root::$item)
            }
        )*
    };
}

items! {
    // Primitive types.
    date_time => DateTime,
    date_time_format => DateTimeFormat,
    blob => Blob,
    byte_stream => ByteStream,
    base64_encode => base64_encode,
    base64_decode => base64_decode,
    document => Document,
    document_number => Number,
    unknown_variant => UnknownVariantValue,
    unknown_int_variant => UnknownIntVariantValue,
    // Errors.
    build_error => BuildError,
    error_metadata => ErrorMetadata,
    provide_error_metadata => ProvideErrorMetadata,
    unhandled => Unhandled,
    unmodeled_error => UnmodeledError,
    create_unhandled_error => CreateUnhandledError,
    sdk_error => SdkError,
    error_kind => ErrorKind,
    request_id => RequestId,
    operation_error_impls => operation_error_impls,
    // The wire.
    json_writer => JsonWriter,
    json_reader => JsonReader,
    cbor_writer => CborWriter,
    cbor_reader => CborReader,
    deserialize_error => DeserializeError,
    string_pool => StringPool,
    http_response => HttpResponse,
    headers => Headers,
    box_future => BoxFuture,
    // Endpoints.
    endpoint => Endpoint,
    endpoint_params => EndpointParams,
    endpoint_error => EndpointError,
    rule_value => RuleValue,
    route => Route,
    assert_endpoint_case => assert_endpoint_case,
    resolve_endpoint => resolve_endpoint,
    resolve_endpoint_bdd => resolve_endpoint_bdd,
    is_valid_host_label => is_valid_host_label,
    // The request loop.
    handle => Handle,
    operation_meta => OperationMeta,
    service_meta => ServiceMeta,
    protocol => Protocol,
    parse => Parse,
    operation_request => OperationRequest,
    json_body => json_body,
    // Members bound to the path, query and headers.
    push_label => push_label,
    push_query => push_query,
    push_header_item => push_header_item,
    header_list => header_list,
    header_value => header_value,
    prefixed_headers => prefixed_headers,
    parse_header => parse_header,
    parse_header_timestamp => parse_header_timestamp,
    timestamp_text => timestamp_text,
    binding_text => BindingText,
    to_config => ToConfig,
    blocking_runtime => BlockingRuntime,
    // Paginators.
    page_source => PageSource,
    pagination_stream => PaginationStream,
}

/// The writer of request bodies in `protocol`'s format.
pub fn writer(protocol: crate::ir::Protocol) -> TokenStream {
    if protocol.is_cbor() {
        cbor_writer()
    } else {
        json_writer()
    }
}

/// The reader of response bodies in `protocol`'s format.
pub fn reader(protocol: crate::ir::Protocol) -> TokenStream {
    if protocol.is_cbor() {
        cbor_reader()
    } else {
        json_reader()
    }
}

/// A byte-string expression of an empty structure in `protocol`'s format.
pub fn empty_structure(protocol: crate::ir::Protocol) -> TokenStream {
    if protocol.is_cbor() {
        quote!(&[0xa0u8])
    } else {
        quote!(b"{}")
    }
}

/// `format` as the runtime's `DateTimeFormat`.
pub fn timestamp_format(format: crate::ir::TimestampFormat) -> TokenStream {
    let fmt = date_time_format();
    match format {
        crate::ir::TimestampFormat::EpochSeconds => quote!(#fmt::EpochSeconds),
        crate::ir::TimestampFormat::DateTime => quote!(#fmt::DateTime),
        crate::ir::TimestampFormat::HttpDate => quote!(#fmt::HttpDate),
    }
}

/// The runtime's test helpers module.
pub fn test_util() -> TokenStream {
    quote!(::mpkit_runtime::test_util)
}
