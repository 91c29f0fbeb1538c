//! The HTTP binding traits in the IR (restJson1): an operation's `@http`
//! and where each member of its input, output and errors travels.

/// An operation's `@http` trait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Http {
    /// The method (`GET`, `POST`, ...).
    pub method: String,
    /// The URI pattern, parsed.
    pub uri: crate::http_uri::UriPattern,
    /// The status of a success (200 unless the trait says).
    pub code: u16,
}

/// Where a member of an operation's input or output, or of an error,
/// travels under the HTTP binding traits. Members of other structures, and
/// every member under the RPC protocols, are [`Binding::Body`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A member of the JSON body.
    Body,
    /// `@httpLabel`: a `{label}` of the URI pattern.
    Label,
    /// `@httpQuery`: a query parameter of this name.
    Query(String),
    /// `@httpQueryParams`: a map of query parameters.
    QueryParams,
    /// `@httpHeader`: a header of this name.
    Header(String),
    /// `@httpPrefixHeaders`: a map of the headers whose names start with this prefix.
    PrefixHeaders(String),
    /// `@httpPayload`: the whole body.
    Payload,
    /// `@httpResponseCode`: the response's status.
    ResponseCode,
}
