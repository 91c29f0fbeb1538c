//! What the meter's command-line tests share: `metering` run with a clean
//! environment, its own HOME, the given keys, and the emulator as the
//! service's endpoint, as the AWS CLI's variables say it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `metering`, ready for its arguments.
pub fn metering(home: &Path, keys: (&str, &str), endpoint: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_metering"));
    cmd.env_clear()
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", keys.0)
        .env("AWS_SECRET_ACCESS_KEY", keys.1)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_MARKETPLACE_METERING", endpoint);
    cmd
}

/// A fresh, empty folder for one test (named after it and this process),
/// and the URL of a SQLite store inside it.
#[allow(dead_code)] // not every test binary that shares this module uses it
pub fn scratch(name: &str) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("metering-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("sqlite:{}", dir.join("meter.db").display());
    (dir, store)
}

/// Starts a server command (the agent) and waits for its ready line: the child and the address it listens on.
#[allow(dead_code)] // not every test binary that shares this module uses it
pub fn start(cmd: &mut Command) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    (child, addr)
}
