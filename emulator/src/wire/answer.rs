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
    pub(crate) fn json(status: u16, body: &Value) -> Answer {
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

    pub(crate) fn error(e: &ServiceError) -> Answer {
        Answer { body: e.body(), ..Answer::json(e.code.wire().1, &Value::Null) }
    }

    /// This answer as `plan` has it: an armed error instead, a delay, a dropped connection.
    pub(super) fn planned(self, plan: &Plan) -> Answer {
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

/// A header of `req`, by name in any case.
pub(crate) fn header<'a>(req: &Incoming<'a>, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}
