//! The emulator's own routes beside the service's: what it billed
//! (`/emulator/v1/records`), its page, subscribing a buyer, the public key
//! RegisterUsage signs with, and the armed faults.

use serde_json::{json, Value};

use super::answer::{header, Answer, Context, Protocol};
use crate::admin::{Billed, BilledList};
use crate::errors::{Code, ServiceError};
use crate::faults::Fault;
use crate::rules;
use crate::sigv4::Incoming;
use crate::state::State;

/// The answer of an inspection route, or `None` for a service request.
pub(super) fn answer(ctx: &mut Context<'_>, req: &Incoming<'_>) -> Option<Answer> {
    Some(match (req.method, req.path) {
        ("GET", "/emulator/v1/records") => match records(ctx.state) {
            Ok(list) => Answer::json(200, &list),
            Err(e) => Answer::error(Protocol::AwsJson, &crate::errors::unavailable(e)),
        },
        ("GET", "/emulator/" | "/emulator") => {
            let html = crate::page::render(ctx.config, ctx.state, ctx.faults);
            Answer { content_type: "text/html; charset=utf-8", body: html.into_bytes(), ..Answer::json(200, &Value::Null) }
        }
        ("POST", "/emulator/v1/subscribe") => subscribe(ctx, req),
        ("GET", "/emulator/v1/public-key") => Answer {
            content_type: "application/x-pem-file",
            body: rules::PUBLIC_KEY_PEM.as_bytes().to_vec(),
            ..Answer::json(200, &Value::Null)
        },
        ("GET", "/emulator/v1/faults") => Answer::json(200, &json!({ "faults": ctx.faults.armed() })),
        ("POST", "/emulator/v1/faults") => {
            let armed = serde_json::from_slice::<Fault>(req.body).map_err(|e| e.to_string()).and_then(|f| ctx.faults.arm(f));
            match armed {
                Ok(()) => Answer::json(200, &json!({ "faults": ctx.faults.armed() })),
                Err(e) => Answer::error(Protocol::AwsJson, &ServiceError::new(Code::Validation, format!("the fault cannot be armed: {e}"))),
            }
        }
        _ => return None,
    })
}

/// `POST /emulator/v1/subscribe`, with a JSON body or the page's form: `product` and `account`.
fn subscribe(ctx: &mut Context<'_>, req: &Incoming<'_>) -> Answer {
    let form = header(req, "content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let fields: Vec<(String, String)> = if form {
        String::from_utf8_lossy(req.body)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (super::form::form_decode(k), super::form::form_decode(v)))
            .collect()
    } else {
        match serde_json::from_slice::<Value>(req.body) {
            Ok(Value::Object(o)) => o.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect(),
            _ => {
                return Answer::error(
                    Protocol::AwsJson,
                    &ServiceError::new(Code::Serialization, "the body must be a JSON object with product and account"),
                )
            }
        }
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    *ctx.minted += 1;
    match crate::subscribe::subscribe(ctx.config, field("product"), field("account"), *ctx.minted, ctx.now) {
        Ok(minted) => {
            let body = json!({ "product": minted.product, "account": minted.account, "registrationToken": minted.token });
            Answer { follow_up: Some(minted), back_to_page: form, ..Answer::json(200, &body) }
        }
        Err(e) => Answer::error(Protocol::AwsJson, &e),
    }
}

/// `GET /emulator/v1/records`: every accepted record.
fn records(state: &mut State) -> Result<Value, String> {
    let records = state
        .records()?
        .into_iter()
        .map(|r| Billed {
            operation: r.operation.to_owned(),
            product_code: r.product,
            customer_identifier: r.customer_identifier,
            customer_account: r.customer_account,
            license_arn: r.license_arn,
            dimension: r.dimension,
            hour: r.hour,
            quantity: r.quantity.to_string(),
            record_id: r.record_id,
        })
        .collect();
    serde_json::to_value(BilledList { records }).map_err(|e| e.to_string())
}
