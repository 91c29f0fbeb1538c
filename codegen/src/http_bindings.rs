//! Lowering of the HTTP binding traits (restJson1): an operation's `@http`
//! and where each member of an input, output or error travels. Validation
//! (`validate/http.rs`) checked every value read here.

use serde_json::Value;

use crate::ast::Traits;
use crate::ir::{Binding, Http, Member};

/// An operation's `@http`, parsed.
pub fn http(traits: &Traits) -> Option<Http> {
    let t = traits.get("smithy.api#http")?;
    let method = t.get("method").and_then(Value::as_str)?.to_owned();
    let uri = crate::http_uri::parse(t.get("uri").and_then(Value::as_str)?).ok()?;
    let code = t.get("code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()).unwrap_or(200);
    Some(Http { method, uri, code })
}

/// Where a member with `traits` travels.
pub fn binding(traits: &Traits) -> Binding {
    let name = |t: &str| traits.get(t).and_then(Value::as_str).unwrap_or_default().to_owned();
    if traits.contains_key("smithy.api#httpLabel") {
        Binding::Label
    } else if traits.contains_key("smithy.api#httpQuery") {
        Binding::Query(name("smithy.api#httpQuery"))
    } else if traits.contains_key("smithy.api#httpQueryParams") {
        Binding::QueryParams
    } else if traits.contains_key("smithy.api#httpHeader") {
        Binding::Header(name("smithy.api#httpHeader"))
    } else if traits.contains_key("smithy.api#httpPrefixHeaders") {
        Binding::PrefixHeaders(name("smithy.api#httpPrefixHeaders"))
    } else if traits.contains_key("smithy.api#httpPayload") {
        Binding::Payload
    } else if traits.contains_key("smithy.api#httpResponseCode") {
        Binding::ResponseCode
    } else {
        Binding::Body
    }
}

/// Drops the bindings that mean nothing where the members are: a response
/// has no path or query (its label and query members travel in the body),
/// and a request has no status.
pub fn keep_meaningful(members: &mut [Member], request: bool) {
    for m in members {
        let meaningless = if request {
            m.binding == Binding::ResponseCode
        } else {
            matches!(m.binding, Binding::Label | Binding::Query(_) | Binding::QueryParams)
        };
        if meaningless {
            m.binding = Binding::Body;
        }
    }
}
