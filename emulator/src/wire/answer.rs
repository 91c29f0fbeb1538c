//! What the wire answers with, what it answers from (the configuration,
//! the state and the armed faults of one request), and reading a header.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::config::Config;
use crate::errors::ServiceError;
use crate::faults::{Faults, Plan};
use crate::sigv4::Incoming;
use crate::state::State;

/// An answer, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The content type.
    pub content_type: &'static str,
    /// The protocol the request came in, which the answer speaks
    /// (RPC v2 CBOR answers carry `Smithy-Protocol: rpc-v2-cbor`).
    pub protocol: Protocol,
    /// The body.
    pub body: Vec<u8>,
    /// Wait this long before answering (an armed fault).
    pub delay: Duration,
    /// Close the connection instead of answering (an armed fault).
    pub drop_connection: bool,
    /// A subscription whose token is still to be sent to the product's fulfilment URL.
    pub follow_up: Option<crate::subscribe::Minted>,
    /// Answer `303 See Other` to the page instead (a form on the page was sent).
    pub back_to_page: bool,
    /// A restJson1 error's type, sent as `X-Amzn-ErrorType`.
    pub error_type: Option<String>,
}

/// The wire protocols the emulator answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// awsJson1_1: `X-Amz-Target`, JSON bodies (both services).
    AwsJson,
    /// Smithy RPC v2 CBOR: the operation in the path, CBOR bodies (the Entitlement Service).
    RpcV2Cbor,
    /// restJson1: the operation in the method and path, JSON bodies, errors
    /// named in `X-Amzn-ErrorType` (the Catalog API).
    RestJson,
}

impl Answer {
    pub(crate) fn json(status: u16, body: &Value) -> Answer {
        Answer::bytes(Protocol::AwsJson, status, body.to_string().into_bytes())
    }

    /// A `status` answer with `body`, already in `protocol`'s format.
    pub(crate) fn bytes(protocol: Protocol, status: u16, body: Vec<u8>) -> Answer {
        Answer {
            status,
            content_type: match protocol {
                Protocol::AwsJson => "application/x-amz-json-1.1",
                Protocol::RpcV2Cbor => "application/cbor",
                Protocol::RestJson => "application/json",
            },
            protocol,
            body,
            delay: Duration::ZERO,
            drop_connection: false,
            follow_up: None,
            back_to_page: false,
            error_type: None,
        }
    }

    /// The error `e`, in `protocol`'s format.
    pub(crate) fn error(protocol: Protocol, e: &ServiceError) -> Answer {
        let (type_name, status) = if protocol == Protocol::RestJson { e.code.rest_wire() } else { e.code.wire() };
        Answer::typed_error(protocol, type_name, status, &e.message)
    }

    fn typed_error(protocol: Protocol, type_name: &str, status: u16, message: &str) -> Answer {
        let body = match protocol {
            Protocol::AwsJson => crate::errors::body(type_name, message).into_bytes(),
            Protocol::RpcV2Cbor => super::cbor::error_body(type_name, message),
            Protocol::RestJson => serde_json::json!({ "message": message }).to_string().into_bytes(),
        };
        let error_type = (protocol == Protocol::RestJson).then(|| type_name.to_owned());
        Answer { error_type, ..Answer::bytes(protocol, status, body) }
    }

    /// This answer as `plan` has it: an armed error instead, a delay, a dropped connection.
    pub(super) fn planned(self, plan: &Plan) -> Answer {
        let answer = match &plan.error {
            Some((type_name, status, message)) => Answer::typed_error(self.protocol, type_name, *status, message),
            None => self,
        };
        Answer { delay: plan.delay, drop_connection: plan.drop_connection.is_some(), ..answer }
    }
}

/// What the handler needs besides the request: configuration, state, clock and start time.
#[derive(Debug)]
pub struct Context<'a> {
    /// The configuration, which subscriptions made at run time extend.
    pub config: &'a mut Config,
    /// How many subscriptions were minted so far.
    pub minted: &'a mut u64,
    /// The state, locked for this request.
    pub state: &'a mut State,
    /// Now.
    pub now: SystemTime,
    /// When the emulator started (registration tokens of the configuration count from then).
    pub started: SystemTime,
    /// The request quotas' buckets.
    pub limiter: &'a mut crate::quota::Limiter,
    /// The armed faults.
    pub faults: &'a mut Faults,
}

/// A header of `req`, by name in any case.
pub(crate) fn header<'a>(req: &Incoming<'a>, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}
