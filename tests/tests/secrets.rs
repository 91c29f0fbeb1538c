//! No secret ever appears in a log line or a `Debug` string: every tracing
//! span and event of a call is captured with all its fields, alongside the
//! `Debug` output of the config, the credentials, the signed request as the
//! transport saw it, the output and an error, and none of them may contain
//! the secret key or session token. The same for a profile holding keys, a
//! container credentials request with its token, a web identity request
//! and the STS response that answers it.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use integration_tests::server::{Reply, TestServer};
use mpkit_metering::config::{Credentials, Region};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::{Client, Config};
use mpkit_runtime::test_util::{json_response, ReplayClient};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const SECRET: &str = "wJalrXUtnFEMI-super-secret-key";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEJv-session-token";

/// Records every field of every span and event, at every level.
struct Capture(Arc<Mutex<String>>);

struct Writer<'a>(&'a mut String);

impl Visit for Writer<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut log = self.0.lock().unwrap();
        log.push_str(span.metadata().name());
        span.record(&mut Writer(&mut log));
        log.push('\n');
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Writer(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut log = self.0.lock().unwrap();
        event.record(&mut Writer(&mut log));
        log.push('\n');
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_stay_out_of_logs_and_debug_output() {
    let log = Arc::new(Mutex::new(String::new()));
    let _guard = tracing::subscriber::set_default(Capture(log.clone()));

    let server = TestServer::start(("AKIDSECRETS", SECRET), |_| Reply::json(200, r#"{"MeteringRecordId":"m"}"#)).await;
    let credentials = Credentials::new("AKIDSECRETS", SECRET, Some(TOKEN.into()), None, "test");
    let config =
        Config::builder().region(Region::new("us-east-1")).credentials_provider(credentials.clone()).endpoint_url(server.url()).build();
    let client = Client::from_conf(config.clone());
    let out = client.meter_usage().product_code("p").timestamp(DateTime::from_secs(0)).usage_dimension("d").send().await.unwrap();

    let replay = ReplayClient::new(vec![json_response(400, r#"{"__type":"ThrottlingException","message":"m"}"#)]);
    let failing = Client::from_conf(
        config.to_builder().http_client(replay.clone()).retry_config(mpkit_metering::config::retry::RetryConfig::disabled()).build(),
    );
    let err = failing.resolve_customer().registration_token("t").send().await.unwrap_err();
    let signed = replay.single_request();
    assert_eq!(signed.headers.get("x-amz-security-token"), Some(TOKEN), "the request really carries the token");

    let mut everything = log.lock().unwrap().clone();
    assert!(everything.contains("operation=\"MeterUsage\""), "the capture works: {everything}");
    for debug in [
        format!("{config:?}"),
        format!("{credentials:?}"),
        format!("{client:?}"),
        format!("{out:?}"),
        format!("{err:?}"),
        format!("{signed:?}"),
        format!("{:?}", signed.headers),
    ] {
        everything.push_str(&debug);
    }
    assert!(!everything.contains(SECRET), "the secret key leaked:\n{everything}");
    assert!(!everything.contains(TOKEN), "the session token leaked:\n{everything}");
    assert!(!everything.contains("Signature="), "the signature leaked:\n{everything}");
}

#[tokio::test]
async fn profiles_and_credential_provider_requests_redact_their_secrets() {
    use mpkit_runtime::config::SystemTimeSource;
    use mpkit_runtime::credentials::{ContainerCredentials, ProviderContext, WebIdentityCredentials};
    use mpkit_runtime::env::OsEnv;

    let config = format!("[profile p]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n");
    let env = OsEnv::fake([("HOME", "/h"), ("AWS_PROFILE", "p")], [("/h/.aws/config", config.as_str())]);
    let profile = mpkit_runtime::test_util::internals::load_profile(&env).unwrap().unwrap();
    assert_eq!(profile.get("aws_secret_access_key"), Some(SECRET));
    let mut everything = format!("{profile:?}{:?}", mpkit_runtime::test_util::internals::load_profile_files(&env).unwrap());

    // The container endpoint request carries the authorization token.
    let replay = ReplayClient::new(vec![json_response(
        200,
        &format!(r#"{{"AccessKeyId":"A","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":"2099-01-01T00:00:00Z"}}"#),
    )]);
    let env =
        OsEnv::fake([("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", TOKEN)], []);
    let ctx = ProviderContext::with(env, Arc::new(replay.clone()), Arc::new(SystemTimeSource));
    let creds = ContainerCredentials::new(ctx).load().await.unwrap();
    let request = replay.single_request();
    assert_eq!(request.headers.get("authorization"), Some(TOKEN));
    write!(everything, "{creds:?}{request:?}").unwrap();

    // The web identity request carries the OIDC token in its body, and STS answers with keys.
    let sts = format!("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>");
    let response = mpkit_runtime::http::HttpResponse::new(200, Default::default(), sts.into_bytes());
    let replay = ReplayClient::new(vec![response.clone()]);
    let env = OsEnv::fake(
        [("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"), ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"), ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")],
        [("/t", TOKEN)],
    );
    let ctx = ProviderContext::with(env, Arc::new(replay.clone()), Arc::new(SystemTimeSource));
    let creds = WebIdentityCredentials::new(ctx).load().await.unwrap();
    let request = replay.single_request();
    assert!(request.body_text().contains("WebIdentityToken=IQoJ"), "the body really carries the token");
    write!(everything, "{creds:?}{request:?}{response:?}").unwrap();

    assert!(everything.contains("aws_secret_access_key"), "the key names are shown: {everything}");
    assert!(!everything.contains(SECRET), "the secret key leaked:\n{everything}");
    assert!(!everything.contains(TOKEN), "the token leaked:\n{everything}");
}
