//! `credential_process`: runs the profile's command and reads the JSON it
//! prints (`Version` 1, `AccessKeyId`, `SecretAccessKey`, `SessionToken`,
//! `Expiration`).
//!
//! The command is bounded: it must finish within [`TIMEOUT`] and print at
//! most [`OUTPUT_LIMIT`] bytes on each of stdout and stderr; past either it
//! is killed and the fetch fails saying which limit it hit. (A grandchild
//! the command started and left holding the pipes is not waited for.)

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{json_credentials, Credentials, CredentialsError};
use crate::json::{self, Value};

const NAME: &str = "credential_process";

/// How long the command may run.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// How much the command may print on each of stdout and stderr.
pub const OUTPUT_LIMIT: usize = 1024 * 1024;

/// How the command ended.
enum Ended {
    Exited { status: ExitStatus, stdout: Vec<u8>, stderr: Vec<u8> },
    TimedOut,
    TooMuchOutput(&'static str),
}

/// Runs `command` through the shell and parses its output.
pub async fn run(command: &str) -> Result<Credentials, CredentialsError> {
    run_with(command, TIMEOUT, OUTPUT_LIMIT).await
}

async fn run_with(command: &str, timeout: Duration, limit: usize) -> Result<Credentials, CredentialsError> {
    // The command runs on tokio's blocking pool: no async process support is needed for one short-lived child.
    let owned = command.to_owned();
    let ended = tokio::task::spawn_blocking(move || run_blocking(&owned, timeout, limit))
        .await
        .map_err(|e| CredentialsError::new(NAME, format!("could not run `{command}`: {e}")))?
        .map_err(|e| CredentialsError::new(NAME, format!("could not run `{command}`: {e}")))?;
    let (status, stdout, stderr) = match ended {
        Ended::Exited { status, stdout, stderr } => (status, stdout, stderr),
        Ended::TimedOut => {
            return Err(CredentialsError::new(NAME, format!("`{command}` did not finish within {timeout:?} and was stopped")))
        }
        Ended::TooMuchOutput(stream) => {
            return Err(CredentialsError::new(NAME, format!("`{command}` printed more than {limit} bytes on {stream} and was stopped")))
        }
    };
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        return Err(CredentialsError::new(NAME, format!("`{command}` failed ({status}): {}", stderr.trim())));
    }
    let doc = json::parse(&stdout).map_err(|e| CredentialsError::new(NAME, format!("`{command}` did not print JSON: {e}")))?;
    match doc.get("Version") {
        Some(Value::Number(v)) if v == "1" => {}
        other => return Err(CredentialsError::new(NAME, format!("`{command}` printed Version {other:?}; only version 1 is understood"))),
    }
    json_credentials::parse(NAME, &stdout)
}

/// Runs the command to its end, its deadline or its output limit.
fn run_blocking(command: &str, timeout: Duration, limit: usize) -> std::io::Result<Ended> {
    let deadline = Instant::now() + timeout;
    let mut shell = if cfg!(windows) { Command::new("cmd") } else { Command::new("sh") };
    shell.args(if cfg!(windows) { ["/C", command] } else { ["-c", command] });
    let mut child = shell.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    // Each pipe is drained on its own thread, so a command that fills one while we read the other cannot deadlock.
    let (tx, rx) = mpsc::channel();
    for (index, pipe) in [child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>), child.stderr.take().map(|p| Box::new(p) as _)]
        .into_iter()
        .enumerate()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let result = pipe.map_or(Ok(Vec::new()), |p| read_capped(p, limit));
            let _ = tx.send((index, result));
        });
    }
    let mut outputs: [Option<Vec<u8>>; 2] = [None, None];
    let stop = |child: &mut std::process::Child, ended: Ended| {
        let _ = child.kill();
        let _ = child.wait();
        Ok(ended)
    };
    while outputs.iter().any(Option::is_none) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((index, Ok(bytes))) => outputs[index] = Some(bytes),
            Ok((index, Err(()))) => return stop(&mut child, Ended::TooMuchOutput(["stdout", "stderr"][index])),
            Err(_) => return stop(&mut child, Ended::TimedOut),
        }
    }
    // Both pipes are closed; the command is exiting or has exited.
    loop {
        if let Some(status) = child.try_wait()? {
            let [stdout, stderr] = outputs.map(Option::unwrap_or_default);
            return Ok(Ended::Exited { status, stdout, stderr });
        }
        if Instant::now() >= deadline {
            return stop(&mut child, Ended::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Everything `pipe` yields, or `Err` once it passes `limit` bytes.
fn read_capped(mut pipe: impl Read, limit: usize) -> Result<Vec<u8>, ()> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match pipe.read(&mut chunk) {
            Ok(0) | Err(_) => return Ok(out),
            Ok(n) if out.len() + n > limit => return Err(()),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_the_command_and_reports_failures() {
        let ok =
            r#"echo '{"Version":1,"AccessKeyId":"PROC","SecretAccessKey":"S","SessionToken":"T","Expiration":"2030-01-01T00:00:00Z"}'"#;
        assert_eq!(run(ok).await.unwrap().access_key_id(), "PROC");
        let err = run("echo broken >&2; exit 3").await.unwrap_err().to_string();
        assert!(err.contains("failed") && err.contains("broken"), "{err}");
        assert!(run("echo '{\"Version\":2}'").await.unwrap_err().to_string().contains("only version 1"));
        assert!(run("echo nope").await.unwrap_err().to_string().contains("did not print JSON"));
    }

    #[tokio::test]
    async fn a_command_that_hangs_or_floods_is_stopped() {
        // Before these limits, `sleep` held the call for its whole length and `yes` grew memory until the process died.
        let err = run_with("exec sleep 30", Duration::from_millis(200), OUTPUT_LIMIT).await.unwrap_err().to_string();
        assert!(err.contains("did not finish within 200ms and was stopped"), "{err}");
        let err = run_with("exec yes", Duration::from_secs(20), 64 * 1024).await.unwrap_err().to_string();
        assert!(err.contains("printed more than 65536 bytes on stdout"), "{err}");
        let err = run_with("exec yes >&2", Duration::from_secs(20), 64 * 1024).await.unwrap_err().to_string();
        assert!(err.contains("on stderr"), "{err}");
    }
}
