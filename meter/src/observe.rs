//! What a meter tells whoever watches it (the agent's metrics) as it
//! happens: each call to the service and how it ended. The meter keeps no
//! counts of its own; the watcher does.

use std::sync::Arc;

/// The service operation a call made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    MeterUsage,
    BatchMeterUsage,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::MeterUsage => "MeterUsage",
            Operation::BatchMeterUsage => "BatchMeterUsage",
        }
    }
}

/// How a call ended, for the call as a whole (a batch's records settle one by one, as the flush report counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallOutcome {
    /// The service answered with success.
    Success,
    /// The service throttled it; sent again later.
    Throttled,
    /// Any other failure worth sending again (5xx, a timeout, a lost connection).
    Retried,
    /// A set-up error an operator can fix; sent again later.
    Held,
    /// Refused for good (a batch refused as a whole included: it is halved and sent again).
    Rejected,
    /// Billed before with another quantity.
    Conflict,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Success => "success",
            CallOutcome::Throttled => "throttled",
            CallOutcome::Retried => "retried",
            CallOutcome::Held => "held",
            CallOutcome::Rejected => "rejected",
            CallOutcome::Conflict => "conflict",
        }
    }
}

/// Called after each call to the service.
pub type CallObserver = Arc<dyn Fn(Operation, CallOutcome) + Send + Sync>;

/// An observer that does nothing.
pub fn ignore() -> CallObserver {
    Arc::new(|_, _| {})
}
