//! `metering emulator` as a seller runs it: the one ready line on stdout, a
//! call through the SDK to the URL it printed, then SIGTERM and exit 0;
//! `--print-config` prints a configuration the emulator accepts, and a bad
//! configuration file is refused with the reason.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn the_emulator_command_serves_until_sigterm_and_exits_cleanly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_metering"))
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let config = marketplacemetering::Config::builder()
        .region(marketplacemetering::config::Region::from_static("us-east-1"))
        .credentials_provider(marketplacemetering::config::Credentials::new(
            "AKIAEXAMPLESELLER001",
            "seller-secret-key-for-the-emulator-only",
            None,
            None,
            "test",
        ))
        .endpoint_url(&url)
        .build();
    let out = marketplacemetering::Client::from_conf(config).resolve_customer().registration_token("token-alpha").send().await.unwrap();
    assert_eq!(out.product_code(), Some("prod-saas-1"));

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exit 0 after SIGTERM");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "exactly one line on stdout");
}

#[test]
fn the_printed_demo_configuration_is_accepted_and_mistakes_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_metering")).args(["emulator", "--print-config"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[[accounts]]") && text.contains("region = \"us-east-1\""));
    let dir = std::env::temp_dir().join(format!("metering-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, text.replace("seller = \"111122223333\"", "seller = \"999\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_metering")).args(["emulator", "--config"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("seller 999 is not in [[accounts]]"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
