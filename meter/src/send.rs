//! Sealed hours into calls, and each answer into how the hour settles.
//!
//! SaaS hours go by BatchMeterUsage: one product per call (hours known
//! only by licence go with others of the same licence, which is one
//! product), at most 25 records a call; 25 records of the longest members
//! the model allows stay far under the 1 MB limit. A batch-wide refusal
//! (an invalid dimension, licence, timestamp, …) names no record, so the
//! batch is halved and each half sent again, until the bad records stand
//! alone and only they are rejected. EC2 and container hours go by
//! MeterUsage, one call each, with the hour's `ClientToken`.
//!
//! What is worth retrying (throttling, 5xx, timeouts, lost connections,
//! `UnprocessedRecords`) is retried with the same sealed quantity. What an
//! operator can fix (the wrong account or region, credentials that are
//! missing, expired or not allowed) is **held**: retried the same way while
//! the window is open, and shown as needing attention. What the service
//! refused for good is rejected with its reason; `DuplicateRecord` and
//! `DuplicateRequest` are conflicts.

use std::collections::HashMap;

use mpkit_metering::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::types::UsageRecord;
use mpkit_metering::Client;

use crate::observe::{CallOutcome, Operation};
use crate::pace::Wait;
use crate::policy::Policy;
use crate::store::{Hour, Lease, Settle};
use crate::usage::{Customer, Route};

/// The most records in one BatchMeterUsage call.
pub const BATCH_LIMIT: usize = 25;

/// One call's worth of hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    /// BatchMeterUsage of one product.
    Batch(Vec<Hour>),
    /// MeterUsage of one hour.
    Meter(Hour),
}

impl Call {
    /// The hours the call carries.
    pub(crate) fn hours(&self) -> impl Iterator<Item = &Hour> {
        match self {
            Call::Batch(list) => list.iter(),
            Call::Meter(h) => std::slice::from_ref(h).iter(),
        }
    }

    /// The call with only the hours `keep` keeps; `None` when none is left.
    pub(crate) fn keep(self, keep: impl Fn(&Hour) -> bool) -> Option<Call> {
        match self {
            Call::Batch(list) => {
                let list: Vec<Hour> = list.into_iter().filter(|h| keep(h)).collect();
                (!list.is_empty()).then_some(Call::Batch(list))
            }
            Call::Meter(h) => keep(&h).then_some(Call::Meter(h)),
        }
    }
}

/// Groups hours into calls: by product (or licence), 25 at most.
pub(crate) fn plan(hours: Vec<Hour>) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut by_product: Vec<(String, Vec<Hour>)> = Vec::new();
    for h in hours {
        if h.customer.route() == Route::MeterUsage {
            calls.push(Call::Meter(h));
            continue;
        }
        let product = h.product_code.clone().or_else(|| h.customer.license_arn().map(|l| format!("licence {l}"))).unwrap_or_default();
        match by_product.iter_mut().find(|(p, _)| *p == product) {
            Some((_, list)) => list.push(h),
            None => by_product.push((product, vec![h])),
        }
    }
    for (_, list) in by_product {
        let mut list = list.into_iter().peekable();
        while list.peek().is_some() {
            calls.push(Call::Batch(list.by_ref().take(BATCH_LIMIT).collect()));
        }
    }
    calls
}

/// What an error means for the hours of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Send again later.
    Retry(String),
    /// Refused for a reason an operator can fix: send again later, and show it.
    Held(String),
    /// Refused for good.
    Rejected(String),
    /// Billed before with another quantity.
    Conflict(String),
    /// The whole batch was refused for something in one of its records.
    BatchWide(String),
}

/// How a call failed, as far as the meter cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure<'a> {
    /// The service answered with this error code and message.
    Service(&'a str, Option<&'a str>),
    /// The request could not be made (no credentials, a bad setting): nothing was sent.
    NotSent(&'a str),
    /// The SDK refused the input against the model's constraints: nothing was sent.
    Invalid(&'a str),
    /// Sent, but no answer came (timeout, lost connection, a malformed answer).
    NoAnswer(&'a str),
}

fn said(code: &str, message: Option<&str>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!("{code}: {m}"),
        _ => code.to_owned(),
    }
}

/// Codes that say the call came from the wrong place or with the wrong
/// keys: the records are fine, the set-up is not, and fixing it sends them.
const SETUP_ERRORS: &[&str] = &[
    "InvalidProductCodeException",
    "InvalidEndpointRegionException",
    "CustomerNotEntitledException",
    "DisabledApiException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "ExpiredToken",
    "ExpiredTokenException",
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedException",
    "NotAuthorized",
];

/// A failure that says nothing of the records: a set-up error (held), a
/// request that could not be made (held), or no answer (retried).
fn not_the_records(failure: Failure<'_>) -> Verdict {
    match failure {
        Failure::Service(code, message) => Verdict::Held(said(code, message)),
        Failure::NotSent(why) => Verdict::Held(format!("the request could not be made: {why}")),
        Failure::Invalid(why) | Failure::NoAnswer(why) => Verdict::Retry(why.to_owned()),
    }
}

/// A BatchMeterUsage error.
pub(crate) fn batch_verdict(failure: Failure<'_>) -> Verdict {
    match failure {
        Failure::Service(code, message) if !SETUP_ERRORS.contains(&code) => match code {
            "TimestampOutOfBoundsException"
            | "InvalidUsageDimensionException"
            | "InvalidLicenseException"
            | "InvalidTagException"
            | "InvalidUsageAllocationsException"
            | "InvalidCustomerIdentifierException"
            | "ValidationException" => Verdict::BatchWide(said(code, message)),
            c => Verdict::Retry(said(c, message)),
        },
        Failure::Invalid(why) => Verdict::BatchWide(format!("refused before sending: {why}")),
        other => not_the_records(other),
    }
}

/// A MeterUsage error.
pub(crate) fn meter_verdict(failure: Failure<'_>) -> Verdict {
    match failure {
        Failure::Service(code, message) if !SETUP_ERRORS.contains(&code) => match code {
            "DuplicateRequestException" | "IdempotencyConflictException" => Verdict::Conflict(said(code, message)),
            "TimestampOutOfBoundsException"
            | "InvalidUsageDimensionException"
            | "InvalidTagException"
            | "InvalidUsageAllocationsException"
            | "ValidationException" => Verdict::Rejected(said(code, message)),
            c => Verdict::Retry(said(c, message)),
        },
        Failure::Invalid(why) => Verdict::Rejected(format!("refused before sending: {why}")),
        other => not_the_records(other),
    }
}

/// What an SDK error means, as `judge` (one of the two above) reads it.
fn verdict_of<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &SdkError<E>, judge: fn(Failure<'_>) -> Verdict) -> Verdict {
    let text = DisplayErrorContext(e).to_string();
    match e {
        SdkError::ServiceError(s) => match s.err().code() {
            Some(code) => judge(Failure::Service(code, s.err().message())),
            None => judge(Failure::NoAnswer(&text)),
        },
        // The SDK checks the input against the model before anything else: a record it refuses is a bad record, not a bad set-up.
        SdkError::ConstructionFailure(_) if std::error::Error::source(e).is_some_and(|s| s.downcast_ref::<BuildError>().is_some()) => {
            judge(Failure::Invalid(&text))
        }
        SdkError::ConstructionFailure(_) => judge(Failure::NotSent(&text)),
        _ => judge(Failure::NoAnswer(&text)),
    }
}

/// What a call needs besides its hours.
pub(crate) struct Context<'a> {
    pub client: &'a Client,
    pub pace: &'a dyn Wait,
    pub policy: &'a Policy,
    pub now_ms: i64,
    pub jitter: &'a (dyn Fn() -> f64 + Send + Sync),
    /// Told how each call ended.
    pub observe: &'a (dyn Fn(Operation, CallOutcome) + Send + Sync),
}

impl Context<'_> {
    /// When to try `h` again: after its backoff, on the store's clock.
    fn next_attempt(&self, h: &Hour) -> i64 {
        let wait = self.policy.backoff(h.attempts, (self.jitter)());
        self.now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
    }

    fn retry(&self, h: &Hour, reason: String) -> Settle {
        Settle::Retry { at_ms: self.next_attempt(h), reason }
    }

    fn settle(&self, h: &Hour, verdict: Verdict) -> Settle {
        match verdict {
            Verdict::Retry(reason) => self.retry(h, reason),
            Verdict::Held(reason) => Settle::Held { at_ms: self.next_attempt(h), reason },
            Verdict::Rejected(reason) | Verdict::BatchWide(reason) => Settle::Rejected(reason),
            Verdict::Conflict(reason) => Settle::Conflict(reason),
        }
    }
}

/// How a call that failed with `verdict` ended, for whoever watches.
fn outcome_of(verdict: &Verdict) -> CallOutcome {
    match verdict {
        Verdict::Retry(reason) if reason.starts_with("ThrottlingException") || reason.starts_with("Throttling") => CallOutcome::Throttled,
        Verdict::Retry(_) => CallOutcome::Retried,
        Verdict::Held(_) => CallOutcome::Held,
        Verdict::Rejected(_) | Verdict::BatchWide(_) => CallOutcome::Rejected,
        Verdict::Conflict(_) => CallOutcome::Conflict,
    }
}

fn timestamp(hour_ms: i64) -> DateTime {
    DateTime::from_secs(hour_ms.div_euclid(1000))
}

/// Sends one call and settles each of its hours.
pub(crate) async fn send(ctx: &Context<'_>, call: Call) -> Vec<(Lease, Settle)> {
    match call {
        Call::Meter(h) => {
            ctx.pace.wait().await;
            let verdict = meter_usage(ctx, &h).await;
            (ctx.observe)(Operation::MeterUsage, verdict.as_ref().map_or_else(outcome_of, |_| CallOutcome::Success));
            vec![(h.lease(), verdict.map_or_else(|v| ctx.settle(&h, v), Settle::Sent))]
        }
        Call::Batch(hours) => {
            let mut out = Vec::new();
            let mut queue = vec![hours];
            while let Some(batch) = queue.pop() {
                ctx.pace.wait().await;
                let answered = batch_meter_usage(ctx, &batch).await;
                (ctx.observe)(Operation::BatchMeterUsage, answered.as_ref().map_or_else(outcome_of, |_| CallOutcome::Success));
                match answered {
                    Ok(settled) => out.extend(settled),
                    Err(Verdict::BatchWide(reason)) if batch.len() > 1 => {
                        tracing::info!(records = batch.len(), %reason, "a batch was refused as a whole; sending its halves apart");
                        let mut first = batch;
                        let second = first.split_off(first.len() / 2);
                        queue.push(second);
                        queue.push(first);
                    }
                    Err(verdict) => out.extend(batch.iter().map(|h| (h.lease(), ctx.settle(h, verdict.clone())))),
                }
            }
            out
        }
    }
}

async fn meter_usage(ctx: &Context<'_>, h: &Hour) -> Result<String, Verdict> {
    let mut call = ctx
        .client
        .meter_usage()
        .product_code(h.product_code.clone().unwrap_or_default())
        .timestamp(timestamp(h.hour))
        .usage_dimension(&h.dimension)
        .usage_quantity_as_decimal(h.total.to_string());
    if let Some(token) = &h.client_token {
        call = call.client_token(token);
    }
    match call.send().await {
        Ok(out) => Ok(out.metering_record_id().unwrap_or_default().to_owned()),
        Err(e) => Err(verdict_of(&e, meter_verdict)),
    }
}

/// What identifies a record in the answer: customer, licence, dimension and hour.
type Echo = (String, String, String, i64);

fn echo_of_hour(h: &Hour) -> Echo {
    let (customer, licence) = match &h.customer {
        Customer::Identifier(id) => (id.clone(), String::new()),
        Customer::Account { account_id, license_arn } => (account_id.clone(), license_arn.clone().unwrap_or_default()),
        Customer::Caller => (String::new(), String::new()),
    };
    (customer, licence, h.dimension.clone(), h.hour)
}

fn echo_of_record(r: &UsageRecord) -> Echo {
    // The getter answers the model's default ("") when the identifier is unset; the field says whether it was sent.
    let customer = r.customer_identifier.as_deref().or(r.customer_aws_account_id()).unwrap_or_default().to_owned();
    let millis = r.timestamp().to_millis().unwrap_or(i64::MIN);
    (customer, r.license_arn().unwrap_or_default().to_owned(), r.dimension().to_owned(), millis)
}

fn record_of(h: &Hour) -> Result<UsageRecord, String> {
    crate::usage::usage_record(
        &h.customer,
        timestamp(h.hour),
        &h.dimension,
        UsageRecord::builder().quantity_as_decimal(h.total.to_string()),
    )
}

async fn batch_meter_usage(ctx: &Context<'_>, batch: &[Hour]) -> Result<Vec<(Lease, Settle)>, Verdict> {
    let mut call = ctx.client.batch_meter_usage();
    if let Some(p) = batch.first().and_then(|h| h.product_code.clone()) {
        call = call.product_code(p);
    }
    let mut ids: HashMap<Echo, &Hour> = HashMap::new();
    for h in batch {
        // The record was checked before it was stored, so this fails only if the model changed under it.
        let record = record_of(h).map_err(Verdict::Rejected)?;
        call = call.usage_records(record);
        ids.insert(echo_of_hour(h), h);
    }
    let out = match call.send().await {
        Ok(out) => out,
        Err(e) => return Err(verdict_of(&e, batch_verdict)),
    };
    let mut settled = Vec::with_capacity(batch.len());
    for result in out.results() {
        let Some(h) = result.usage_record().and_then(|r| ids.remove(&echo_of_record(r))) else { continue };
        let settle = match result.status().map(|s| s.as_str()) {
            Some("Success") => Settle::Sent(result.metering_record_id().unwrap_or_default().to_owned()),
            Some("CustomerNotSubscribed") => {
                Settle::Rejected("CustomerNotSubscribed: the customer has no subscription to the product".into())
            }
            Some("DuplicateRecord") => Settle::Conflict("DuplicateRecord: the hour was billed before with another quantity".into()),
            other => ctx.retry(h, format!("the service answered status {other:?}")),
        };
        settled.push((h.lease(), settle));
    }
    for r in out.unprocessed_records() {
        if let Some(h) = ids.remove(&echo_of_record(r)) {
            settled.push((h.lease(), ctx.retry(h, "the service left it in UnprocessedRecords".into())));
        }
    }
    for h in ids.into_values() {
        settled.push((h.lease(), ctx.retry(h, "the service's answer did not mention it".into())));
    }
    Ok(settled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantity::Quantity;
    use crate::store::HourState;

    fn hour(id: i64, product: Option<&str>, customer: Customer) -> Hour {
        Hour {
            id,
            product_code: product.map(str::to_owned),
            customer,
            dimension: "users".into(),
            hour: 0,
            total: Quantity::units(1),
            state: HourState::Sealed,
            client_token: None,
            attempts: 1,
            generation: 1,
            record_id: None,
            reason: None,
        }
    }

    #[test]
    fn calls_hold_one_product_and_at_most_25_records() {
        let mut hours: Vec<Hour> = (0..30).map(|i| hour(i, Some("a"), Customer::Identifier(format!("c{i}")))).collect();
        hours.push(hour(100, Some("b"), Customer::Identifier("c".into())));
        hours.push(hour(101, Some("a"), Customer::Caller));
        let licence = || Customer::Account { account_id: "123456789012".into(), license_arn: Some("arn:l".into()) };
        hours.push(hour(102, None, licence()));
        hours.push(hour(103, None, licence()));
        let calls = plan(hours);
        let shapes: Vec<(char, usize)> = calls
            .iter()
            .map(|c| match c {
                Call::Meter(_) => ('m', 1),
                Call::Batch(list) => (list[0].product_code.as_deref().map_or('l', |p| p.chars().next().unwrap()), list.len()),
            })
            .collect();
        assert_eq!(shapes, [('m', 1), ('a', 25), ('a', 5), ('b', 1), ('l', 2)]);
    }

    #[test]
    fn what_each_error_means() {
        use Failure::*;
        assert_eq!(
            batch_verdict(Service("InvalidUsageDimensionException", Some("d"))),
            Verdict::BatchWide("InvalidUsageDimensionException: d".into())
        );
        assert_eq!(
            batch_verdict(Service("ValidationException", Some("m"))),
            Verdict::BatchWide("ValidationException: m".into()),
            "bisected like the others"
        );
        assert_eq!(batch_verdict(Service("ThrottlingException", None)), Verdict::Retry("ThrottlingException".into()));
        assert_eq!(batch_verdict(NoAnswer("timed out")), Verdict::Retry("timed out".into()));
        // Set-up errors never reject usage: the wrong profile, region, keys or permissions are held until fixed.
        for code in [
            "InvalidProductCodeException",
            "InvalidEndpointRegionException",
            "UnrecognizedClientException",
            "ExpiredTokenException",
            "AccessDeniedException",
        ] {
            assert_eq!(batch_verdict(Service(code, None)), Verdict::Held(code.into()), "{code}");
            assert_eq!(meter_verdict(Service(code, None)), Verdict::Held(code.into()), "{code}");
        }
        assert_eq!(
            meter_verdict(Service("CustomerNotEntitledException", None)),
            Verdict::Held("CustomerNotEntitledException".into()),
            "seller keys used for MeterUsage"
        );
        assert!(matches!(batch_verdict(NotSent("no credentials")), Verdict::Held(r) if r.contains("no credentials")));
        assert!(
            matches!(batch_verdict(Invalid("LicenseArn: pattern")), Verdict::BatchWide(r) if r.contains("LicenseArn")),
            "bisected to the bad record"
        );
        assert!(matches!(meter_verdict(Invalid("Dimension: length")), Verdict::Rejected(_)));
        assert_eq!(meter_verdict(Service("DuplicateRequestException", None)), Verdict::Conflict("DuplicateRequestException".into()));
        assert_eq!(
            meter_verdict(Service("TimestampOutOfBoundsException", None)),
            Verdict::Rejected("TimestampOutOfBoundsException".into())
        );
        assert_eq!(meter_verdict(Service("InternalServiceErrorException", None)), Verdict::Retry("InternalServiceErrorException".into()));
    }
}
