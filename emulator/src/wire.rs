//! The wire: an HTTP request in, an HTTP answer out, as an AWS JSON 1.1
//! service speaks it. Routing by `X-Amz-Target`, SigV4 verification of
//! every service request, the JSON body, and errors as `{"__type", "message"}`
//! with `x-amzn-RequestId` on every answer. The rules themselves are in
//! `rules/`; the emulator's own inspection routes are here too.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::config::{Account, Config};
use crate::decode;
use crate::errors::{Code, ServiceError};
use crate::faults::{Fault, Faults, Plan};
use crate::rules;
use crate::sigv4::{self, Incoming, PathRules};
use crate::state::State;
use crate::time_text::parse_amz_date;

/// The target prefix of the service's operations.
const TARGET_PREFIX: &str = "AWSMPMeteringService.";
/// The signing name of the service.
const SIGNING_NAME: &str = "aws-marketplace";
/// The operations of the service.
const OPERATIONS: [&str; 4] = ["MeterUsage", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage"];
/// How far a request's time may be from the emulator's clock.
const MAX_REQUEST_AGE: Duration = Duration::from_secs(5 * 60);

/// An answer, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The content type.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
    /// Wait this long before answering (an armed fault).
    pub delay: Duration,
    /// Close the connection instead of answering (an armed fault).
    pub drop_connection: bool,
    /// A subscription whose token is still to be sent to the product's fulfilment URL.
    pub follow_up: Option<crate::subscribe::Minted>,
    /// Answer `303 See Other` to the page instead (a form on the page was sent).
    pub back_to_page: bool,
}

impl Answer {
    fn json(status: u16, body: &Value) -> Answer {
        Answer {
            status,
            content_type: "application/x-amz-json-1.1",
            body: body.to_string(),
            delay: Duration::ZERO,
            drop_connection: false,
            follow_up: None,
            back_to_page: false,
        }
    }

    fn error(e: &ServiceError) -> Answer {
        Answer { body: e.body(), ..Answer::json(e.code.wire().1, &Value::Null) }
    }

    /// This answer as `plan` has it: an armed error instead, a delay, a dropped connection.
    fn planned(self, plan: &Plan) -> Answer {
        let answer = match &plan.error {
            Some((type_name, status, message)) => {
                Answer { body: crate::errors::body(type_name, message), ..Answer::json(*status, &Value::Null) }
            }
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

/// Answers one request.
pub fn handle(ctx: Context<'_>, req: &Incoming<'_>) -> Answer {
    match (req.method, req.path) {
        ("GET", "/emulator/v1/records") => {
            return match records(ctx.state) {
                Ok(list) => Answer::json(200, &list),
                Err(e) => Answer::error(&rules::unavailable(e)),
            }
        }
        ("GET", "/emulator/" | "/emulator") => {
            let html = crate::page::render(ctx.config, ctx.state, ctx.faults);
            return Answer { content_type: "text/html; charset=utf-8", body: html, ..Answer::json(200, &Value::Null) };
        }
        ("POST", "/emulator/v1/subscribe") => return subscribe(ctx, req),
        ("GET", "/emulator/v1/public-key") => {
            return Answer {
                content_type: "application/x-pem-file",
                body: rules::PUBLIC_KEY_PEM.to_owned(),
                ..Answer::json(200, &Value::Null)
            }
        }
        ("GET", "/emulator/v1/faults") => return Answer::json(200, &json!({ "faults": ctx.faults.armed() })),
        ("POST", "/emulator/v1/faults") => {
            let armed = serde_json::from_slice::<Fault>(req.body).map_err(|e| e.to_string()).and_then(|f| ctx.faults.arm(f));
            return match armed {
                Ok(()) => Answer::json(200, &json!({ "faults": ctx.faults.armed() })),
                Err(e) => Answer::error(&ServiceError::new(Code::Validation, format!("the fault cannot be armed: {e}"))),
            };
        }
        _ => {}
    }
    let (result, plan) = service_call(ctx, req);
    let answer = match result {
        Ok(body) => Answer::json(200, &body),
        Err(e) => Answer::error(&e),
    };
    answer.planned(&plan)
}

fn header<'a>(req: &Incoming<'a>, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `POST /emulator/v1/subscribe`, with a JSON body or the page's form: `product` and `account`.
fn subscribe(ctx: Context<'_>, req: &Incoming<'_>) -> Answer {
    let form = header(req, "content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let fields: Vec<(String, String)> = if form {
        String::from_utf8_lossy(req.body)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (form_decode(k), form_decode(v)))
            .collect()
    } else {
        match serde_json::from_slice::<Value>(req.body) {
            Ok(Value::Object(o)) => o.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect(),
            _ => return Answer::error(&ServiceError::new(Code::Serialization, "the body must be a JSON object with product and account")),
        }
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    *ctx.minted += 1;
    match crate::subscribe::subscribe(ctx.config, field("product"), field("account"), *ctx.minted, ctx.now) {
        Ok(minted) => {
            let body = json!({ "product": minted.product, "account": minted.account, "registrationToken": minted.token });
            Answer { follow_up: Some(minted), back_to_page: form, ..Answer::json(200, &body) }
        }
        Err(e) => Answer::error(&e),
    }
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    let caller = match authenticate(config, req, ctx.now) {
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

/// The account that signed `req`, or why the signature is refused.
fn authenticate<'a>(config: &'a Config, req: &Incoming<'_>, now: SystemTime) -> Result<&'a Account, ServiceError> {
    let invalid = |m: String| ServiceError::new(Code::InvalidSignature, m);
    let auth =
        header(req, "authorization").ok_or_else(|| ServiceError::new(Code::MissingAuthenticationToken, "Missing Authentication Token"))?;
    let auth = sigv4::parse_authorization(auth).map_err(invalid)?;
    let account = config
        .account_by_key(&auth.access_key_id)
        .ok_or_else(|| ServiceError::new(Code::UnrecognizedClient, "The security token included in the request is invalid."))?;
    if header(req, "x-amz-security-token") != account.session_token.as_deref() {
        return Err(ServiceError::new(Code::UnrecognizedClient, "The security token included in the request is invalid."));
    }
    let amz_date = header(req, "x-amz-date").ok_or_else(|| invalid("the request has no X-Amz-Date".into()))?;
    let time = parse_amz_date(amz_date).ok_or_else(|| invalid(format!("X-Amz-Date `{amz_date}` is not YYYYMMDDTHHMMSSZ")))?;
    let age = now.duration_since(time).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or_default();
    if age > MAX_REQUEST_AGE {
        return Err(invalid(format!("Signature expired: {amz_date} is more than 5 minutes from the service's time")));
    }
    if !amz_date.starts_with(&auth.date) || auth.date.len() != 8 {
        return Err(invalid(format!("the credential scope date {} is not the date of X-Amz-Date {amz_date}", auth.date)));
    }
    if auth.region != config.region {
        return Err(invalid(format!(
            "Credential should be scoped to a valid region, not '{}' (this service is in {})",
            auth.region, config.region
        )));
    }
    if auth.service != SIGNING_NAME {
        return Err(invalid(format!("Credential should be scoped to correct service: '{SIGNING_NAME}', not '{}'", auth.service)));
    }
    for required in ["host", "x-amz-date"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(invalid(format!("the signed headers must include {required}")));
        }
    }
    let expected = sigv4::expected_signature(req, &auth, &account.secret_access_key, amz_date, PathRules::SERVICE).map_err(invalid)?;
    if !sigv4::same_signature(&expected, &auth.signature) {
        return Err(invalid(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
                .into(),
        ));
    }
    Ok(account)
}

/// `GET /emulator/v1/records`: every accepted record.
fn records(state: &mut State) -> Result<Value, String> {
    let list: Vec<Value> = state
        .records()?
        .into_iter()
        .map(|r| {
            json!({
                "operation": r.operation,
                "productCode": r.product,
                "customerIdentifier": r.customer_identifier,
                "customerAWSAccountId": r.customer_account,
                "licenseArn": r.license_arn,
                "dimension": r.dimension,
                "hour": r.hour,
                "quantity": r.quantity.to_string(),
                "meteringRecordId": r.record_id,
            })
        })
        .collect();
    Ok(json!({ "records": list }))
}
