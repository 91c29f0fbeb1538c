//! The wire: an HTTP request in, an HTTP answer out, as an AWS JSON 1.1
//! service speaks it. Routing by `X-Amz-Target`, SigV4 verification of
//! every service request, the JSON body, and errors as `{"__type", "message"}`
//! with `x-amzn-RequestId` on every answer. `auth.rs` verifies the caller,
//! `decode.rs` decodes each operation's body into its type, and
//! `admin_routes.rs` answers the emulator's own inspection routes; the
//! rules themselves are in `rules/`.

use serde_json::Value;

use crate::config::Config;
use crate::errors::{Code, ServiceError};
use crate::faults::Plan;
use crate::rules;
use crate::sigv4::Incoming;

mod admin_routes;
mod answer;
mod auth;
pub mod decode;

use answer::header;
pub use answer::{Answer, Context};

/// The target prefix of the service's operations.
const TARGET_PREFIX: &str = "AWSMPMeteringService.";
/// The operations of the service.
const OPERATIONS: [&str; 4] = ["MeterUsage", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage"];

/// Answers one request.
pub fn handle(mut ctx: Context<'_>, req: &Incoming<'_>) -> Answer {
    if let Some(answer) = admin_routes::answer(&mut ctx, req) {
        return answer;
    }
    let (result, plan) = service_call(ctx, req);
    let answer = match result {
        Ok(body) => Answer::json(200, &body),
        Err(e) => Answer::error(&e),
    };
    answer.planned(&plan)
}

/// The outcome of a service call, and the armed faults' plan for it (what `handle` answers instead, and how).
fn service_call(ctx: Context<'_>, req: &Incoming<'_>) -> (Result<Value, ServiceError>, Plan) {
    if req.method != "POST" {
        let e = ServiceError::new(Code::UnknownOperation, format!("{} {} is not an operation of this service", req.method, req.path));
        return (Err(e), Plan::default());
    }
    let operation = header(req, "x-amz-target")
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .and_then(|op| OPERATIONS.iter().copied().find(|known| *known == op));
    let Some(operation) = operation else {
        let e = ServiceError::new(Code::UnknownOperation, "the X-Amz-Target header names no operation of AWSMPMeteringService");
        return (Err(e), Plan::default());
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
        return (Ok(Value::Object(Default::default())), plan);
    }
    let result = (|| {
        if !ctx.limiter.admit(&caller.id, operation, config.quotas.per_second(operation), ctx.now) {
            return Err(ServiceError::new(
                Code::Throttling,
                format!("Rate exceeded: more than {} {operation} requests per second", config.quotas.per_second(operation)),
            ));
        }
        let body: Value =
            serde_json::from_slice(req.body).map_err(|e| ServiceError::new(Code::Serialization, format!("the body is not JSON: {e}")))?;
        // Decoded into the operation's type first; the rules see nothing else of the body.
        match operation {
            "MeterUsage" => rules::meter_usage(config, ctx.state, caller, &decode::meter_usage(&body)?, ctx.now),
            "BatchMeterUsage" => {
                rules::batch_meter_usage(config, ctx.state, caller, &decode::batch_meter_usage(&body)?, ctx.now, &plan.unprocessed)
            }
            "ResolveCustomer" => rules::resolve_customer(config, caller, &decode::resolve_customer(&body)?, ctx.started, ctx.now),
            _ => rules::register_usage(config, caller, &decode::register_usage(&body)?, ctx.now),
        }
    })();
    (result, plan)
}
