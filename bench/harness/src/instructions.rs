//! Instructions per call, counted by callgrind: the one figure of this
//! machine that does not move between runs.
//!
//! Each workload runs in a child process of this harness under
//! `valgrind --tool=callgrind`, twice, with different numbers of calls; the
//! difference of the two totals over the difference of the counts is one
//! call, start-up and warm-up excluded. Loopback workloads talk to a server
//! in a further child process that valgrind does not trace, so the count is
//! the client's alone. Under valgrind, SHA-256 runs its AVX code (valgrind
//! hides the SHA extensions), so hashing weighs more here than on the
//! machine itself.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The workloads, by the name `--profile` takes.
pub const WORKLOADS: [&str; 16] = [
    "ours-meter",
    "official-meter",
    "ours-batch",
    "official-batch",
    "ours-meter-seq",
    "official-meter-seq",
    "bare-meter-seq",
    "ours-meter-64",
    "official-meter-64",
    "bare-meter-64",
    "ours-batch-seq",
    "official-batch-seq",
    "bare-batch-seq",
    "ours-batch-64",
    "official-batch-64",
    "bare-batch-64",
];

/// Whether callgrind can be run here.
pub fn available() -> bool {
    Command::new("valgrind").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Instructions per call of `workload`, or `None` when a run failed.
pub fn per_call(workload: &str, quick: bool) -> Option<f64> {
    let base: u64 = match (workload.ends_with("-meter") || workload.ends_with("-batch"), quick) {
        (true, false) => 400,
        (true, true) => 100,
        (false, false) => 128,
        (false, true) => 64,
    };
    per_call_between(workload, base, base * 3)
}

/// Instructions per call of `workload` from runs of `a` and `b` calls.
pub fn per_call_between(workload: &str, a: u64, b: u64) -> Option<f64> {
    let (ia, ib) = (total(workload, a)?, total(workload, b)?);
    Some((ib as f64 - ia as f64) / (b - a) as f64)
}

/// callgrind's total for `calls` calls of `workload`.
fn total(workload: &str, calls: u64) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .args(["--profile", workload])
        .env("PROFILE_CALLS", calls.to_string())
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        eprintln!("callgrind run of {workload} failed:\n{stderr}");
        return None;
    }
    stderr.lines().find_map(|l| l.split_once("Collected :").and_then(|(_, n)| n.trim().parse().ok()))
}

/// A loopback server in a child process, for a profiled client.
pub struct ChildServer {
    child: std::process::Child,
    pub url: String,
}

impl ChildServer {
    pub fn start() -> ChildServer {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(exe).arg("--serve").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        ChildServer { child, url: line.trim().to_owned() }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // Closing its stdin ends the server; waiting reaps it.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
