//! Faults a seller arms to see how their code copes: for the next N calls
//! (of one operation, or of any), answer with an error code and status,
//! drop the connection before or after the request was processed, wait
//! first, or leave chosen BatchMeterUsage records unprocessed. Armed from
//! the configuration (`[[faults]]`) or at run time with
//! `POST /emulator/v1/faults`; `GET /emulator/v1/faults` lists what is armed.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// When a dropped connection is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DropConnection {
    /// Before anything is processed: nothing was billed.
    Before,
    /// After the request was processed and billed: the client never hears.
    After,
}

/// One armed fault.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The operation it applies to; every operation when absent.
    #[serde(default)]
    pub operation: Option<String>,
    /// How many calls it applies to.
    #[serde(default = "one")]
    pub count: u32,
    /// Answer with this error code (`__type`) instead of processing.
    #[serde(default)]
    pub error: Option<String>,
    /// The HTTP status of that error (default 400, or 500 for `InternalServiceErrorException`).
    #[serde(default)]
    pub status: Option<u16>,
    /// The message of that error.
    #[serde(default)]
    pub message: Option<String>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop_connection: Option<DropConnection>,
    /// Wait this long before answering.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// For BatchMeterUsage: leave the records at these positions (from 0) unprocessed.
    #[serde(default)]
    pub unprocessed: Vec<usize>,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// The wait before answering.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.unwrap_or(0))
    }

    /// The error answer's status.
    pub fn error_status(&self) -> u16 {
        self.status.unwrap_or(if self.error.as_deref() == Some("InternalServiceErrorException") { 500 } else { 400 })
    }

    /// Why it cannot be armed, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if let Some(op) = &self.operation {
            if !["MeterUsage", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage", "GetEntitlements"].contains(&op.as_str()) {
                return Err(format!("fault for unknown operation `{op}`"));
            }
        }
        if self.count == 0 {
            return Err("a fault's count must be at least 1".into());
        }
        if self.error.is_some() && self.drop_connection.is_some() {
            return Err("a fault either answers with an error or drops the connection, not both".into());
        }
        if let Some(status) = self.status {
            if !(400..=599).contains(&status) {
                return Err(format!("fault status {status} is not an error status"));
            }
        }
        Ok(())
    }
}

/// What the armed faults do to one call, decided once when the call is
/// authenticated: the wire answers from it and the server applies its delay
/// and dropped connection, each in one place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Answer with this error instead of processing: its `__type`, status and message.
    pub error: Option<(String, u16, String)>,
    /// Close the connection without answering: before processing (nothing billed) or after.
    pub drop_connection: Option<DropConnection>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// BatchMeterUsage records, by position, to leave unprocessed.
    pub unprocessed: Vec<usize>,
}

impl Plan {
    /// The plan of `fault` for one call.
    fn of(fault: &Fault) -> Plan {
        let error = fault.error.as_ref().map(|code| {
            let message = fault.message.clone().unwrap_or_else(|| format!("{code} (a fault armed in the emulator)"));
            (code.clone(), fault.error_status(), message)
        });
        Plan { error, drop_connection: fault.drop_connection, delay: fault.delay(), unprocessed: fault.unprocessed.clone() }
    }

    /// Whether the call stops before anything is processed (an error, or a connection dropped before).
    pub fn stops_before(&self) -> bool {
        self.error.is_some() || self.drop_connection == Some(DropConnection::Before)
    }
}

/// The armed faults, in the order they were armed.
#[derive(Debug, Default, Clone)]
pub struct Faults {
    armed: Vec<Fault>,
}

impl Faults {
    /// Arms `fault` after those already armed.
    pub fn arm(&mut self, fault: Fault) -> Result<(), String> {
        fault.check()?;
        self.armed.push(fault);
        Ok(())
    }

    /// The fault for this call of `operation`, used up by one: the first armed one that applies.
    pub fn take(&mut self, operation: &str) -> Option<Fault> {
        let i = self.armed.iter().position(|f| f.operation.as_deref().is_none_or(|o| o == operation))?;
        let fault = self.armed[i].clone();
        self.armed[i].count -= 1;
        if self.armed[i].count == 0 {
            self.armed.remove(i);
        }
        Some(fault)
    }

    /// The plan for this call of `operation`: the first armed fault that applies, used up by one; nothing otherwise.
    pub fn plan(&mut self, operation: &str) -> Plan {
        self.take(operation).map(|f| Plan::of(&f)).unwrap_or_default()
    }

    /// What is armed, with the calls left.
    pub fn armed(&self) -> &[Fault] {
        &self.armed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(operation: Option<&str>, count: u32) -> Fault {
        Fault {
            operation: operation.map(str::to_owned),
            count,
            error: Some("ThrottlingException".into()),
            status: None,
            message: None,
            drop_connection: None,
            delay_ms: None,
            unprocessed: Vec::new(),
        }
    }

    #[test]
    fn faults_apply_in_order_for_their_count() {
        let mut faults = Faults::default();
        faults.arm(fault(Some("BatchMeterUsage"), 2)).unwrap();
        faults.arm(fault(None, 1)).unwrap();
        assert!(faults.take("BatchMeterUsage").is_some());
        assert_eq!(faults.take("MeterUsage").map(|f| f.operation), Some(None), "the any-operation fault");
        assert!(faults.take("MeterUsage").is_none());
        assert!(faults.take("BatchMeterUsage").is_some());
        assert!(faults.take("BatchMeterUsage").is_none());
        assert!(faults.arm(fault(Some("Nope"), 1)).is_err());
        assert!(faults.arm(fault(None, 0)).is_err());
        assert_eq!(fault(None, 1).error_status(), 400);
    }

    #[test]
    fn a_plan_says_what_a_call_gets() {
        let mut faults = Faults::default();
        faults
            .arm(Fault {
                error: None,
                drop_connection: Some(DropConnection::After),
                delay_ms: Some(5),
                unprocessed: vec![1],
                ..fault(None, 1)
            })
            .unwrap();
        faults.arm(fault(Some("MeterUsage"), 1)).unwrap();
        let after = faults.plan("BatchMeterUsage");
        assert!(!after.stops_before(), "a connection dropped after processing lets the call be billed");
        assert_eq!((after.delay, after.unprocessed.as_slice()), (Duration::from_millis(5), &[1][..]));
        let error = faults.plan("MeterUsage");
        assert!(error.stops_before());
        assert_eq!(error.error, Some(("ThrottlingException".into(), 400, "ThrottlingException (a fault armed in the emulator)".into())));
        assert_eq!(faults.plan("MeterUsage"), Plan::default(), "nothing left armed");
    }
}
