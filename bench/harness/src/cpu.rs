//! CPU time of the process and of the current thread, and the current
//! thread's split between user space and the kernel.

fn timeval(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

/// User + system CPU seconds of the whole process.
pub fn process() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    timeval(usage.ru_utime) + timeval(usage.ru_stime)
}

/// CPU seconds of the calling thread.
pub fn thread() -> f64 {
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// User and system CPU seconds of the calling thread: for a client on the
/// current-thread runtime, what its own code costs and what the kernel
/// spends on its behalf (system calls, the loopback TCP stack).
pub fn thread_split() -> (f64, f64) {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    (timeval(usage.ru_utime), timeval(usage.ru_stime))
}
