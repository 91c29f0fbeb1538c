//! Proxies: a loopback proxy that speaks `CONNECT` and absolute-form HTTP
//! carries a MeterUsage call to an HTTPS endpoint (a tunnel, TLS end to end
//! with the service, whose certificate a test authority signed) and to a
//! plain-HTTP one, with the proxy's credentials; `no_proxy` goes direct, and
//! a proxy that refuses the tunnel ends the call with its answer.

mod common;

use std::sync::{Arc, Mutex};

use integration_tests::tls::{authority_and_server_certificate, tls_server};
use mpkit_runtime::env::OsEnv;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy saw: each request line and its `Proxy-Authorization`.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A forwarding proxy on loopback; with `refuse`, it answers every CONNECT with 407.
async fn proxy(refuse: bool) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        for _ in 0..16 {
            let Ok((mut client, _)) = listener.accept().await else { return };
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let line = text.lines().next().unwrap_or_default().to_owned();
                let auth = text.lines().find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("proxy-authorization").then(|| value.trim().to_owned())
                });
                log.lock().unwrap().push((line.clone(), auth));
                let mut parts = line.split_whitespace();
                let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
                if method == "CONNECT" {
                    if refuse {
                        let _ = client.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n").await;
                        return;
                    }
                    let Ok(mut upstream) = TcpStream::connect(target).await else { return };
                    let _ = client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                } else {
                    // Absolute form: forward the head as it came and then the rest.
                    let authority = target.trim_start_matches("http://").split('/').next().unwrap_or_default().to_owned();
                    let Ok(mut upstream) = TcpStream::connect(&authority).await else { return };
                    let _ = upstream.write_all(&head).await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (port, seen)
}

/// A plain-HTTP loopback server answering one MeterUsage success per connection.
async fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        for _ in 0..4 {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 65536];
            let mut got = 0;
            loop {
                let Ok(n) = s.read(&mut buf[got..]).await else { return };
                if n == 0 {
                    return;
                }
                got += n;
                let text = String::from_utf8_lossy(&buf[..got]).to_ascii_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length: usize =
                        text.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
                    if got >= end + 4 + length {
                        break;
                    }
                }
            }
            let body = r#"{"MeteringRecordId":"plain-through-proxy"}"#;
            let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            let _ = s.write_all(answer.as_bytes()).await;
        }
    });
    port
}

async fn meter(vars: &[(&str, &str)], files: &[(&str, &str)], endpoint: String) -> Result<Option<String>, String> {
    let mut all: Vec<(&str, &str)> = common::ISOLATED_ENV.to_vec();
    all.extend_from_slice(vars);
    common::meter_from_env(OsEnv::fake(all, files.iter().copied()), endpoint).await
}

#[tokio::test]
async fn calls_go_through_the_proxies_the_environment_names() {
    let (ca_pem, cert, key) = authority_and_server_certificate();
    let tls_port = tls_server(cert, key).await;
    let (proxy_port, seen) = proxy(false).await;
    let proxy_url = format!("http://seller:s%3Acret@127.0.0.1:{proxy_port}");
    let files = [("/ca.pem", ca_pem.as_str())];
    let https_endpoint = format!("https://127.0.0.1:{tls_port}");

    // HTTPS: a CONNECT tunnel with the proxy's credentials, TLS inside it.
    let out = meter(&[("https_proxy", &proxy_url), ("AWS_CA_BUNDLE", "/ca.pem")], &files, https_endpoint.clone()).await;
    assert_eq!(out, Ok(Some("through-the-proxy-ca".to_owned())));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].0, format!("CONNECT 127.0.0.1:{tls_port} HTTP/1.1"));
        assert_eq!(seen[0].1.as_deref(), Some("Basic c2VsbGVyOnM6Y3JldA=="), "seller:s:cret");
    }

    // no_proxy reaches the endpoint directly.
    let out = meter(
        &[("HTTPS_PROXY", &proxy_url), ("NO_PROXY", "localhost,127.0.0.1"), ("AWS_CA_BUNDLE", "/ca.pem")],
        &files,
        https_endpoint.clone(),
    )
    .await;
    assert_eq!(out, Ok(Some("through-the-proxy-ca".to_owned())));
    assert_eq!(seen.lock().unwrap().len(), 1, "nothing more went through the proxy");

    // Plain HTTP: the request itself goes to the proxy, in absolute form, with the credentials.
    let http_port = http_server().await;
    let out = meter(&[("http_proxy", &proxy_url)], &[], format!("http://127.0.0.1:{http_port}")).await;
    assert_eq!(out, Ok(Some("plain-through-proxy".to_owned())));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen[1].0, format!("POST http://127.0.0.1:{http_port}/ HTTP/1.1"));
        assert_eq!(seen[1].1.as_deref(), Some("Basic c2VsbGVyOnM6Y3JldA=="));
    }
}

#[tokio::test]
async fn a_refused_tunnel_and_a_bad_proxy_url_say_so() {
    let (refusing_port, _) = proxy(true).await;
    let err = meter(&[("https_proxy", &format!("http://127.0.0.1:{refusing_port}"))], &[], "https://127.0.0.1:9".to_owned())
        .await
        .expect_err("the proxy refuses");
    assert!(err.contains("the proxy refused the tunnel to 127.0.0.1:9: HTTP/1.1 407 Proxy Authentication Required"), "{err}");

    let err = meter(&[("https_proxy", "socks5://user:secret@127.0.0.1:1080")], &[], "https://127.0.0.1:9".to_owned())
        .await
        .expect_err("not an http proxy");
    assert!(err.contains("https_proxy: proxy `socks5://user:***@127.0.0.1:1080` uses socks5://"), "{err}");
    assert!(!err.contains("secret"), "the password is not repeated: {err}");
}
