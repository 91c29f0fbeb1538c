//! The request rate, kept by the store: every call first reserves a slot,
//! `1 / requests_per_second` after the last slot anyone reserved on the
//! same store, and waits for it. So meters on one PostgreSQL (or several
//! processes on one SQLite file) share the account's rate instead of each
//! taking all of it.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::meter::Clock;
use crate::store::Store;

/// Something that waits for the next call's turn.
pub(crate) trait Wait: Send + Sync {
    /// Waits until the next call may go.
    fn wait(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Paces calls through a store's slots.
pub(crate) struct Pace<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a Clock,
    /// Milliseconds between calls; 0 is unlimited.
    pub interval_ms: i64,
}

/// Milliseconds between calls at `per_second`; 0 for unlimited.
pub(crate) fn interval_ms(per_second: u32) -> i64 {
    if per_second == 0 {
        0
    } else {
        (1000 / i64::from(per_second)).max(1)
    }
}

impl<S: Store> Wait for Pace<'_, S> {
    fn wait(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            if self.interval_ms == 0 {
                return;
            }
            let now = (self.clock)().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            let wait = match self.store.reserve_call(now, self.interval_ms).await {
                Ok(slot) => slot.saturating_sub(now).max(0),
                Err(e) => {
                    // Without the store's slots, one interval each keeps this meter under the rate on its own.
                    tracing::warn!(error = %e, "the store could not reserve a call slot; waiting one interval");
                    self.interval_ms
                }
            };
            if wait > 0 {
                tokio::time::sleep(Duration::from_millis(wait as u64)).await;
            }
        })
    }
}

/// The system clock, for meters that were given none.
pub(crate) fn system_clock() -> Clock {
    std::sync::Arc::new(SystemTime::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_a_second_is_a_tenth_of_a_second_apart() {
        assert_eq!(interval_ms(10), 100);
        assert_eq!(interval_ms(0), 0);
        assert_eq!(interval_ms(5000), 1);
    }
}
