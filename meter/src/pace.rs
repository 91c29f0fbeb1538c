//! The request rate, kept by the store: every call first reserves a slot,
//! `1 / requests_per_second` after the last slot anyone reserved on the
//! same store, and waits for it. So meters on one PostgreSQL (or several
//! processes on one SQLite file) share the account's rate instead of each
//! taking all of it. Slots are on the store's clock, and no wait is longer
//! than [`MAX_AHEAD_SLOTS`] intervals: a slot further ahead was left by a
//! clock that ran ahead, and is started again from now.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::meter::Clock;
use crate::store::Store;

/// The most calls that may be queued ahead of one: more would mean a
/// hundred meters reserving at the same instant, so a last slot further
/// ahead than this many intervals is a clock's error, not the rate's.
pub(crate) const MAX_AHEAD_SLOTS: i64 = 100;

/// Something that waits for the next call's turn.
pub(crate) trait Wait: Send + Sync {
    /// Waits until the next call may go.
    fn wait(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Paces calls through a store's slots.
pub(crate) struct Pace<'a, S: Store> {
    pub store: &'a S,
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
            let max_ahead = self.interval_ms.saturating_mul(MAX_AHEAD_SLOTS);
            let reserved = match self.store.now_ms().await {
                Ok(now) => self.store.reserve_call(now, self.interval_ms, max_ahead).await.map(|slot| slot.saturating_sub(now)),
                Err(e) => Err(e),
            };
            let wait = match reserved {
                Ok(wait) => {
                    if wait > max_ahead {
                        tracing::warn!(wait_ms = wait, "the shared call slot lies further ahead than the rate needs; not waiting for it");
                    }
                    wait.clamp(0, max_ahead)
                }
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

/// The system clock, for meters and stores that were given none.
pub(crate) fn system_clock() -> Clock {
    std::sync::Arc::new(SystemTime::now)
}

/// `t` in epoch milliseconds (negative before 1970).
pub(crate) fn epoch_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
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
