//! `metering emulator` as a seller runs it: the one ready line on stdout, a
//! call through the SDK to the URL it printed, then SIGTERM and exit 0;
//! `--print-config` prints a configuration the emulator accepts, and a bad
//! configuration file is refused with the reason.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use marketplacemetering::config::{Credentials, Region};
use marketplacemetering::primitives::DateTime;
use marketplacemetering::Client;

/// A running `metering emulator`, its stdout after the ready line, and its URL.
struct Emulator {
    child: std::process::Child,
    stdout: BufReader<std::process::ChildStdout>,
    url: String,
}

impl Emulator {
    fn start(extra: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_metering"))
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Emulator { child, stdout, url }
    }

    fn client(&self, key: &str, secret: &str) -> Client {
        let config = marketplacemetering::Config::builder()
            .region(Region::from_static("us-east-1"))
            .credentials_provider(Credentials::new(key, secret, None, None, "test"))
            .endpoint_url(&self.url)
            .build();
        Client::from_conf(config)
    }

    /// Sends SIGTERM and checks the clean exit and that nothing followed the ready line.
    fn terminate(mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "exit 0 after SIGTERM");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        assert_eq!(rest, "", "exactly one line on stdout");
    }
}

#[tokio::test]
async fn the_emulator_command_serves_until_sigterm_and_exits_cleanly() {
    let emulator = Emulator::start(&[]);
    let seller = emulator.client("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");
    let out = seller.resolve_customer().registration_token("token-alpha").send().await.unwrap();
    assert_eq!(out.product_code(), Some("prod-saas-1"));
    emulator.terminate();
}

#[tokio::test]
async fn restarted_on_its_data_file_the_emulator_still_refuses_a_changed_quantity() {
    let dir = std::env::temp_dir().join(format!("metering-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("emulator.sqlite");
    let _ = std::fs::remove_file(&data);
    let data_arg = data.to_str().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let timestamp = DateTime::from_secs(now - 60);
    let meter = |client: Client, quantity: &'static str| async move {
        client
            .meter_usage()
            .product_code("prod-container-1")
            .timestamp(timestamp)
            .usage_dimension("vcpu_hours")
            .usage_quantity_as_decimal(quantity)
            .send()
            .await
    };
    let buyer = ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only");

    let first = Emulator::start(&["--data", data_arg]);
    let billed = meter(first.client(buyer.0, buyer.1), "4").await.unwrap();
    first.terminate();

    let second = Emulator::start(&["--data", data_arg]);
    let err = meter(second.client(buyer.0, buyer.1), "5").await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_duplicate_request_exception()), "{err:?}");
    let again = meter(second.client(buyer.0, buyer.1), "4.0").await.unwrap();
    assert_eq!(again.metering_record_id(), billed.metering_record_id(), "the same record, after the restart");
    second.terminate();
    let _ = std::fs::remove_dir_all(dir);
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
