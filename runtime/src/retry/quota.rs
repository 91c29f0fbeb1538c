//! The retry quota: a token bucket that stops a client from storming a
//! failing service. Each retry takes tokens (more after a timeout), each
//! success puts some back. One quota belongs to one configuration, so the
//! clients built from it share it; it is never process-wide.

use std::sync::Mutex;

/// Tokens the bucket starts with and never exceeds.
pub const CAPACITY: u32 = 500;
/// Tokens a retry takes.
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout takes.
pub const TIMEOUT_RETRY_COST: u32 = 10;
/// Tokens a success on the first attempt puts back.
pub const NO_RETRY_INCREMENT: u32 = 1;

/// A retry quota.
#[derive(Debug)]
pub struct RetryQuota {
    tokens: Mutex<u32>,
}

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota { tokens: Mutex::new(CAPACITY) }
    }
}

impl RetryQuota {
    /// Takes `cost` tokens for a retry; `false` when there are not enough.
    pub fn acquire(&self, cost: u32) -> bool {
        let Ok(mut t) = self.tokens.lock() else { return false };
        if *t < cost {
            return false;
        }
        *t -= cost;
        true
    }

    /// Puts tokens back after a success: what the call's retries took, or
    /// the small increment when it needed none.
    pub fn release(&self, spent_on_retries: u32) {
        if let Ok(mut t) = self.tokens.lock() {
            let refund = if spent_on_retries == 0 { NO_RETRY_INCREMENT } else { spent_on_retries };
            *t = (*t + refund).min(CAPACITY);
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.lock().map(|t| *t).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empties_then_refills() {
        let q = RetryQuota::default();
        let mut retries = 0;
        while q.acquire(RETRY_COST) {
            retries += 1;
        }
        assert_eq!(retries, 100);
        assert!(!q.acquire(TIMEOUT_RETRY_COST));
        q.release(10);
        assert_eq!(q.available(), 10);
        q.release(0);
        assert_eq!(q.available(), 11);
        for _ in 0..1000 {
            q.release(5);
        }
        assert_eq!(q.available(), CAPACITY);
    }
}
