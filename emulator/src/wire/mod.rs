//! The wire: an HTTP request in, an HTTP answer out, as the two services
//! speak it. The Metering Service and the Entitlement Service in AWS JSON
//! 1.1 (routing by `X-Amz-Target`, JSON bodies, errors as `{"__type",
//! "message"}`), and the Entitlement Service also in Smithy RPC v2 CBOR
//! (`POST /service/AWSMPEntitlementService/operation/GetEntitlements` with
//! `Smithy-Protocol: rpc-v2-cbor`, CBOR bodies, `__type` an absolute shape
//! id), answering in the protocol the request came in; SigV4 verification
//! of every service request and `x-amzn-RequestId` on every answer.
//! `auth.rs` verifies the caller, `decode.rs` decodes each operation's body
//! (JSON, or CBOR through `cbor.rs`) into its type, `entitlements.rs` writes
//! GetEntitlements' page in either protocol, and `admin_routes.rs` answers
//! the emulator's own inspection routes; the rules themselves are in `rules/`.

use serde_json::Value;

use crate::config::Config;
use crate::errors::{Code, ServiceError};
use crate::faults::Plan;
use crate::rules;
use crate::sigv4::Incoming;

mod admin_routes;
mod answer;
mod auth;
pub mod catalog;
mod cbor;
pub mod decode;
mod entitlements;
mod form;

use answer::header;
pub use answer::{Answer, Context, Protocol};

/// The Metering Service's shape name: its `X-Amz-Target` prefix.
const METERING: &str = "AWSMPMeteringService";
/// The operations of the Metering Service.
const METERING_OPERATIONS: [&str; 4] = ["MeterUsage", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage"];
/// The Entitlement Service's shape name: its `X-Amz-Target` prefix and the service in its RPC v2 CBOR paths.
const ENTITLEMENT: &str = "AWSMPEntitlementService";

/// Answers one request.
pub fn handle(mut ctx: Context<'_>, req: &Incoming<'_>) -> Answer {
    if let Some(answer) = admin_routes::answer(&mut ctx, req) {
        return answer;
    }
    let protocol = protocol_of(req);
    let (result, plan) = service_call(ctx, req, protocol);
    let answer = match result {
        Ok(body) => Answer::bytes(protocol, 200, body),
        Err(e) => Answer::error(protocol, &e),
    };
    answer.planned(&plan)
}

/// The protocol a request speaks: restJson1 when it is sent to a Catalog
/// operation's method and path, RPC v2 CBOR when it says so or is sent to
/// one of the protocol's paths, else AWS JSON.
fn protocol_of(req: &Incoming<'_>) -> Protocol {
    if catalog::operation_of(req).is_some() {
        Protocol::RestJson
    } else if header(req, "smithy-protocol").is_some() || req.path.starts_with("/service/") {
        Protocol::RpcV2Cbor
    } else {
        Protocol::AwsJson
    }
}

/// The operation a request calls (one of either service's), or why it names none.
fn operation_of(req: &Incoming<'_>, protocol: Protocol) -> Result<&'static str, ServiceError> {
    let unknown = |why: String| ServiceError::new(Code::UnknownOperation, why);
    if req.method != "POST" && protocol != Protocol::RestJson {
        return Err(unknown(format!("{} {} is not an operation of this service", req.method, req.path)));
    }
    match protocol {
        Protocol::RestJson => {
            catalog::operation_of(req).ok_or_else(|| unknown(format!("{} {} is not an operation of the Catalog API", req.method, req.path)))
        }
        Protocol::AwsJson => {
            let target = header(req, "x-amz-target").unwrap_or_default();
            match target.split_once('.') {
                Some((METERING, op)) => METERING_OPERATIONS.iter().copied().find(|known| *known == op),
                Some((ENTITLEMENT, "GetEntitlements")) => Some("GetEntitlements"),
                _ => None,
            }
            .ok_or_else(|| unknown(format!("the X-Amz-Target header names no operation of {METERING} or {ENTITLEMENT}")))
        }
        Protocol::RpcV2Cbor => {
            if header(req, "smithy-protocol") != Some("rpc-v2-cbor") {
                return Err(ServiceError::new(Code::Serialization, "an RPC v2 CBOR request must say `Smithy-Protocol: rpc-v2-cbor`"));
            }
            match req.path.strip_prefix("/service/").and_then(|rest| rest.split_once("/operation/")) {
                Some((ENTITLEMENT, "GetEntitlements")) => Ok("GetEntitlements"),
                Some((service, op)) => Err(unknown(format!("{service} has no operation {op} in RPC v2 CBOR"))),
                None => Err(unknown(format!("{} is not /service/{{Service}}/operation/{{Operation}}", req.path))),
            }
        }
    }
}

/// The outcome of a service call (its answer's body, in the request's
/// protocol), and the armed faults' plan for it (what `handle` answers
/// instead, and how).
fn service_call(ctx: Context<'_>, req: &Incoming<'_>, protocol: Protocol) -> (Result<Vec<u8>, ServiceError>, Plan) {
    let operation = match operation_of(req, protocol) {
        Ok(op) => op,
        Err(e) => return (Err(e), Plan::default()),
    };
    let config: &Config = ctx.config;
    let caller = match auth::authenticate(config, req, ctx.now) {
        Ok(c) => c,
        Err(e) => return (Err(e), Plan::default()),
    };
    // An armed fault stands in for the service failing after it authenticated the caller.
    let plan = ctx.faults.plan(operation);
    if plan.stops_before() {
        // Nothing is processed: the plan's error is the answer, or the connection is dropped before one.
        return (Ok(Vec::new()), plan);
    }
    let result = (|| {
        if !ctx.limiter.admit(&caller.id, operation, config.quotas.per_second(operation), ctx.now) {
            return Err(ServiceError::new(
                Code::Throttling,
                format!("Rate exceeded: more than {} {operation} requests per second", config.quotas.per_second(operation)),
            ));
        }
        let body: Value = match protocol {
            Protocol::AwsJson => serde_json::from_slice(req.body)
                .map_err(|e| ServiceError::new(Code::Serialization, format!("the body is not JSON: {e}")))?,
            Protocol::RpcV2Cbor => cbor::request_body(req.body)?,
            Protocol::RestJson => {
                let call = catalog::decode(operation, req)?;
                return rules::catalog::call(config, &mut ctx.state.catalog, &caller.id, call, ctx.now).map(|v| v.to_string().into_bytes());
            }
        };
        // Decoded into the operation's type first; the rules see nothing else of the body.
        if operation == "GetEntitlements" {
            let page = rules::get_entitlements(config, &caller.id, &decode::get_entitlements(&body)?, ctx.now)?;
            return Ok(match protocol {
                Protocol::RpcV2Cbor => entitlements::page_cbor(&page),
                Protocol::AwsJson | Protocol::RestJson => entitlements::page_json(&page).to_string().into_bytes(),
            });
        }
        let answer = match operation {
            "MeterUsage" => rules::meter_usage(config, ctx.state, caller, &decode::meter_usage(&body)?, ctx.now),
            "BatchMeterUsage" => {
                rules::batch_meter_usage(config, ctx.state, caller, &decode::batch_meter_usage(&body)?, ctx.now, &plan.unprocessed)
            }
            "ResolveCustomer" => rules::resolve_customer(config, caller, &decode::resolve_customer(&body)?, ctx.started, ctx.now),
            _ => rules::register_usage(config, caller, &decode::register_usage(&body)?, ctx.now),
        };
        answer.map(|v| v.to_string().into_bytes())
    })();
    (result, plan)
}
