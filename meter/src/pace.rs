//! The request rate: calls leave at most `per_second` a second, evenly
//! spaced, however many flush tasks share the pace. On tokio's clock, so
//! tests with paused time step through it without waiting.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Spaces calls out.
#[derive(Debug)]
pub(crate) struct Pace {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pace {
    /// `per_second` calls a second; 0 is unlimited.
    pub(crate) fn new(per_second: u32) -> Pace {
        let interval = if per_second == 0 { Duration::ZERO } else { Duration::from_secs(1) / per_second };
        Pace { interval, next: Mutex::new(None) }
    }

    /// Waits for the next free slot.
    pub(crate) async fn wait(&self) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ten_a_second_means_a_tenth_of_a_second_apart() {
        let pace = Pace::new(10);
        let start = Instant::now();
        for _ in 0..21 {
            pace.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2), "the first goes at once, then one every 100 ms");
        let unlimited = Pace::new(0);
        let start = Instant::now();
        for _ in 0..1000 {
            unlimited.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
