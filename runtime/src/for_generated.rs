//! Everything generated crates name, in one place, and the only path by
//! which they reach the runtime.
//!
//! This module is not the runtime's API: it changes whenever the generator
//! and the runtime change together, and a generated crate depends on the
//! runtime release it was generated for. Users reach the same public types
//! through the generated crate's own modules (or through [`config`],
//! [`credentials`], [`error`] and [`primitives`] here).
//!
//! [`config`]: crate::config
//! [`credentials`]: crate::credentials
//! [`error`]: crate::error
//! [`primitives`]: crate::primitives

// What a generated crate's `config` module re-exports.
pub use crate::config::retry::{RetryConfig, RetryMode};
pub use crate::config::timeout::{MinimumThroughput, TimeoutConfig, TimeoutConfigBuilder};
pub use crate::config::{
    from_env, load_from_env, AppName, AsyncSleep, Builder, Config, Region, StaticTimeSource, SystemTimeSource, TimeSource, ToConfig,
    TokioSleep,
};
pub use crate::credentials::{Credentials, CredentialsError, DefaultCredentialsChain, ProvideCredentials};
pub use crate::env::OsEnv;
pub use crate::http::{CaBundle, InvalidCaBundle, InvalidProxy, ProxyConfig};

// Errors: what `error.rs` re-exports and what every operation error is built from.
pub use crate::error::{
    BuildError, CreateUnhandledError, DisplayErrorContext, ErrorKind, ErrorMetadata, ProvideErrorMetadata, RequestId, SdkError, Unhandled,
    UnmodeledError,
};

// The shared surface of every operation error enum.
pub use crate::operation_error_impls;

// Primitive types of members, and the decoding of blob defaults.
pub use crate::primitives::{
    base64_decode, AggregatedBytes, Blob, ByteStream, ByteStreamError, ChunkSender, DateTime, DateTimeFormat, Document, Number,
    StreamClosed, UnknownIntVariantValue, UnknownVariantValue,
};

// The wire: the JSON and CBOR writers of inputs, the readers of outputs and errors.
pub use crate::cbor::{CborCursor, CborReader, CborWriter};
pub use crate::json::{DeserializeError, InvalidNumber, JsonReader, JsonWriter, StringPool};

// Endpoints: the rules interpreter and its inputs and outputs.
pub use crate::endpoint::bdd::resolve as resolve_endpoint_bdd;
pub use crate::endpoint::rules::{is_valid_host_label, resolve as resolve_endpoint};
pub use crate::endpoint::test_case::{assert_case as assert_endpoint_case, check as check_endpoint_case, CaseOutcome};
pub use crate::endpoint::{bdd::Bdd, rules::Ruleset};
pub use crate::endpoint::{Endpoint, EndpointError, EndpointParams, RuleValue};

// What a generated `blocking::Client` runs its calls on.
pub use crate::blocking::BlockingRuntime;

// The request loop and what operations and services tell it.
pub use crate::invoke::{json_body, Handle, OperationMeta, OperationRequest, Parse, Protocol, Route, ServiceMeta};

// Members bound to the path, query and headers (restJson1).
pub use crate::http_binding::{
    header_list, header_value, parse_header, parse_header_timestamp, prefixed_headers, push_header_item, push_label, push_query,
    timestamp_text, BindingText, HeaderValue,
};
pub use crate::primitives::base64_encode;

// Paginators.
pub use crate::http::{BoxFuture, Headers, HttpResponse};
pub use crate::pagination::{PageSource, PaginationStream};
