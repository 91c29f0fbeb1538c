//! `BlockingRuntime`: what a generated crate's `blocking::Client` runs its
//! calls on, for programs without an async runtime of their own. One
//! current-thread tokio runtime per client runs the same request loop as
//! the async client; nothing about a call differs but who waits for it.

use std::future::Future;

/// A current-thread runtime that runs one call at a time to completion.
#[derive(Debug)]
pub struct BlockingRuntime {
    runtime: tokio::runtime::Runtime,
}

impl BlockingRuntime {
    /// A runtime with timers and sockets; fails only when the operating
    /// system refuses what tokio needs (an event queue).
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(BlockingRuntime { runtime })
    }

    /// Runs `call` to completion and returns its output. Called from inside
    /// an async runtime, where blocking its thread would stall it (and
    /// tokio refuses to nest runtimes), the call runs on a thread of its own
    /// while this one waits.
    pub fn block_on<F>(&self, call: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        if tokio::runtime::Handle::try_current().is_err() {
            return self.runtime.block_on(call);
        }
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| self.runtime.block_on(call));
            match worker.join() {
                Ok(output) => output,
                // The call itself panicked: let that panic go on here.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_futures_with_timers_inside_and_outside_a_runtime() {
        let rt = BlockingRuntime::new().unwrap();
        let slept = async {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            7
        };
        assert_eq!(rt.block_on(slept), 7);
        let outer = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(outer.block_on(async { rt.block_on(async { 8 }) }), 8, "no nested-runtime panic");
    }
}
