//! `credential_process`: runs the profile's command and reads the JSON it
//! prints (`Version` 1, `AccessKeyId`, `SecretAccessKey`, `SessionToken`,
//! `Expiration`).

use super::{json_credentials, Credentials, CredentialsError};
use crate::json::{self, Value};

const NAME: &str = "credential_process";

/// Runs `command` through the shell and parses its output.
pub async fn run(command: &str) -> Result<Credentials, CredentialsError> {
    // The command runs on tokio's blocking pool: no async process support is needed for one short-lived child.
    let owned = command.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        if cfg!(windows) {
            std::process::Command::new("cmd").args(["/C", &owned]).output()
        } else {
            std::process::Command::new("sh").args(["-c", &owned]).output()
        }
    })
    .await
    .map_err(|e| CredentialsError::new(NAME, format!("could not run `{command}`: {e}")))?
    .map_err(|e| CredentialsError::new(NAME, format!("could not run `{command}`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(CredentialsError::new(NAME, format!("`{command}` failed ({}): {}", output.status, stderr.trim())));
    }
    let doc = json::parse(&output.stdout).map_err(|e| CredentialsError::new(NAME, format!("`{command}` did not print JSON: {e}")))?;
    match doc.get("Version") {
        Some(Value::Number(v)) if v == "1" => {}
        other => {
            return Err(CredentialsError::new(NAME, format!("`{command}` printed Version {other:?}; only version 1 is understood")))
        }
    }
    json_credentials::parse(NAME, &output.stdout)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_the_command_and_reports_failures() {
        let ok = r#"echo '{"Version":1,"AccessKeyId":"PROC","SecretAccessKey":"S","SessionToken":"T","Expiration":"2030-01-01T00:00:00Z"}'"#;
        assert_eq!(run(ok).await.unwrap().access_key_id(), "PROC");
        let err = run("echo broken >&2; exit 3").await.unwrap_err().to_string();
        assert!(err.contains("failed") && err.contains("broken"), "{err}");
        assert!(run("echo '{\"Version\":2}'").await.unwrap_err().to_string().contains("only version 1"));
        assert!(run("echo nope").await.unwrap_err().to_string().contains("did not print JSON"));
    }
}
