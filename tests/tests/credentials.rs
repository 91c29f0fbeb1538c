//! Each credentials provider against a fake endpoint on 127.0.0.1: instance
//! metadata (IMDSv2), the container endpoint, STS for roles and web
//! identity, and `credential_process`; their happy paths and their failures.

use std::sync::Arc;

use integration_tests::server::{Received, Reply, TestServer};
use mpkit_runtime::config::load_with;
use mpkit_runtime::config::SystemTimeSource;
use mpkit_runtime::credentials::{DefaultCredentialsChain, ProvideCredentials, ProviderContext};
use mpkit_runtime::env::OsEnv;
use mpkit_runtime::http::HyperClient;

const CREDS_JSON: &str = r#"{"Code":"Success","AccessKeyId":"ASIAMETA","SecretAccessKey":"meta-secret","Token":"meta-token","Expiration":"2099-01-01T00:00:00Z"}"#;

fn context(env: OsEnv) -> ProviderContext {
    let http = HyperClient::new(&Default::default()).unwrap();
    ProviderContext::with(env, Arc::new(http), Arc::new(SystemTimeSource))
}

fn imds(r: &Received) -> Reply {
    let token_ok = r.header("x-aws-ec2-metadata-token") == Some("imds-token");
    match (r.method.as_str(), r.target.as_str()) {
        ("PUT", "/latest/api/token") if r.header("x-aws-ec2-metadata-token-ttl-seconds").is_some() => Reply::json(200, "imds-token"),
        (_, _) if !token_ok => Reply::json(401, ""),
        ("GET", "/latest/meta-data/iam/security-credentials/") => Reply::json(200, "metering-role\n"),
        ("GET", "/latest/meta-data/iam/security-credentials/metering-role") => Reply::json(200, CREDS_JSON),
        ("GET", "/latest/meta-data/placement/region") => Reply::json(200, "ap-southeast-2"),
        _ => Reply::json(404, ""),
    }
}

#[tokio::test]
async fn instance_metadata_gives_credentials_and_region_with_a_session_token() {
    let server = TestServer::start_open(imds).await;
    let url = server.url();
    let env = OsEnv::fake([("HOME", "/nowhere"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", url.as_str())], []);
    let creds = DefaultCredentialsChain::new(context(env.clone())).provide_credentials().await.unwrap();
    assert_eq!((creds.access_key_id(), creds.session_token()), ("ASIAMETA", Some("meta-token")));
    assert!(creds.expiry().is_some());
    let config = load_with(env).await;
    assert_eq!(config.region().map(|r| r.to_string()).as_deref(), Some("ap-southeast-2"));
    let puts = server.received().iter().filter(|r| r.method == "PUT").count();
    assert!(puts >= 2, "IMDSv2: every lookup starts with a token PUT");
}

#[tokio::test]
async fn metadata_server_down_is_named_in_the_chain_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let env = OsEnv::fake([("HOME", "/nowhere"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.as_str())], []);
    let err = DefaultCredentialsChain::new(context(env)).provide_credentials().await.unwrap_err().to_string();
    assert!(err.contains("then EC2 instance metadata (http://127.0.0.1:"), "{err}");
    assert!(err.contains("is unreachable"), "{err}");
}

#[tokio::test]
async fn the_container_endpoint_sends_the_token_from_its_file() {
    let server = TestServer::start_open(|r| {
        if r.header("authorization") == Some("Bearer eks-token") {
            Reply::json(200, r#"{"AccessKeyId":"ASIACONT","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#)
        } else {
            Reply::json(401, "{}")
        }
    })
    .await;
    let uri = format!("{}/v1/credentials", server.url());
    let env = OsEnv::fake(
        [
            ("HOME", "/nowhere"),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/token"),
        ],
        [("/var/token", "Bearer eks-token\n")],
    );
    let creds = DefaultCredentialsChain::new(context(env)).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIACONT");

    let wrong =
        OsEnv::fake([("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer nope")], []);
    let err = DefaultCredentialsChain::new(context(wrong)).provide_credentials().await.unwrap_err().to_string();
    assert!(err.contains("the container credentials endpoint") && err.contains("HTTP 401"), "{err}");

    let outside = OsEnv::fake([("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.5/creds")], []);
    let err = DefaultCredentialsChain::new(context(outside)).provide_credentials().await.unwrap_err().to_string();
    assert!(err.contains("must be https, loopback, or an ECS or EKS link-local address"), "{err}");
}

fn sts(r: &Received) -> Reply {
    let body = String::from_utf8_lossy(&r.body).into_owned();
    let ok = |key: &str| {
        Reply::json(
            200,
            &format!(
                "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId>\
                 <SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>\
                 <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
            ),
        )
    };
    if body.contains("Action=AssumeRoleWithWebIdentity") {
        return if body.contains("WebIdentityToken=oidc-token") && r.header("authorization").is_none() {
            ok("ASIAWEBID")
        } else {
            Reply::json(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad token</Message></Error></ErrorResponse>")
        };
    }
    if body.contains("Action=AssumeRole&") && body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fmetering") {
        return ok("ASIAROLE");
    }
    Reply::json(403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not for you</Message></Error></ErrorResponse>")
}

#[tokio::test]
async fn a_profile_role_is_assumed_through_sts_with_its_source_profile() {
    // The STS fake verifies the AssumeRole signature made with the source profile's keys.
    let server = TestServer::start(("AKIDSOURCE", "source-secret"), sts).await;
    let config = "[profile metering]\nrole_arn = arn:aws:iam::123456789012:role/metering\nsource_profile = base\nregion = us-west-2\n\
                  [profile denied]\nrole_arn = arn:aws:iam::123456789012:role/other\nsource_profile = base\n";
    let credentials = "[base]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = source-secret\n";
    let url = server.url();
    let env = |profile: &'static str| {
        OsEnv::fake(
            [("HOME", "/h"), ("AWS_PROFILE", profile), ("AWS_ENDPOINT_URL_STS", url.as_str())],
            [("/h/.aws/config", config), ("/h/.aws/credentials", credentials)],
        )
    };
    let creds = DefaultCredentialsChain::new(context(env("metering"))).provide_credentials().await.unwrap();
    assert_eq!((creds.access_key_id(), creds.session_token()), ("ASIAROLE", Some("role-token")));
    let r = &server.received()[0];
    assert_eq!(r.signature, Ok(()));
    assert!(r.header("authorization").unwrap().contains("/us-west-2/sts/aws4_request"));

    let err = DefaultCredentialsChain::new(context(env("denied"))).provide_credentials().await.unwrap_err().to_string();
    assert_eq!(err, "no credentials from STS: AssumeRole failed: AccessDenied: not for you (HTTP 403)");
}

#[tokio::test]
async fn web_identity_from_the_environment_is_exchanged_unsigned() {
    let server = TestServer::start_open(sts).await;
    let url = server.url();
    let env = |token: &'static str| {
        OsEnv::fake(
            [
                ("HOME", "/nowhere"),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
                ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa"),
                ("AWS_ENDPOINT_URL_STS", url.as_str()),
            ],
            [("/var/run/secrets/token", token)],
        )
    };
    let creds = DefaultCredentialsChain::new(context(env("oidc-token\n"))).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAWEBID");
    let err = DefaultCredentialsChain::new(context(env("expired"))).provide_credentials().await.unwrap_err().to_string();
    assert!(err.contains("InvalidIdentityToken: bad token"), "{err}");
    let missing = OsEnv::fake([("AWS_WEB_IDENTITY_TOKEN_FILE", "/absent"), ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r")], []);
    let err = DefaultCredentialsChain::new(context(missing)).provide_credentials().await.unwrap_err().to_string();
    assert!(err.contains("the token file /absent does not exist"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn credential_process_runs_from_the_profile() {
    let config = "[default]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"s\"}'\n";
    let env = OsEnv::fake([("HOME", "/h")], [("/h/.aws/config", config)]);
    let creds = DefaultCredentialsChain::new(context(env)).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAPROC");
}

#[tokio::test]
async fn a_slow_or_endless_credentials_endpoint_is_cut_off() {
    use integration_tests::chaos::{Behaviour, ChaosServer};
    // A byte every 300 ms keeps the read timeout and stalled-stream protection
    // satisfied; before the fetch deadline it held the chain for 30 s.
    let dripping = ChaosServer::start(vec![Behaviour::Drip(std::time::Duration::from_millis(300))]).await;
    let endless = ChaosServer::start(vec![Behaviour::Endless]).await;
    for (server, expected) in [(&dripping, "did not arrive in full within 5s"), (&endless, "larger than the limit of 4194304 bytes")] {
        let uri = format!("{}/creds", server.url());
        let env = OsEnv::fake([("HOME", "/nowhere"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())], []);
        // The providers' own context, with the transport and limits load_from_env uses.
        let ctx = ProviderContext::new(env).unwrap();
        let err = DefaultCredentialsChain::new(ctx).provide_credentials().await.unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
        assert_eq!(server.requests(), 1);
    }
}
