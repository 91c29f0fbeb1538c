//! HTTP proxies, as curl reads them: `https_proxy` / `HTTPS_PROXY` for
//! HTTPS endpoints (reached through an HTTP `CONNECT` tunnel, so TLS runs end
//! to end with the service), `http_proxy` for plain HTTP ones (requests go to
//! the proxy in absolute form; the upper-case `HTTP_PROXY` is ignored, as
//! curl ignores it, because a CGI environment lets a request set it), and
//! `no_proxy` / `NO_PROXY` for hosts reached directly: `*`, or a
//! comma-separated list of host names (each also matching its subdomains,
//! a leading `.` optional), IP addresses and `host:port` entries.
//!
//! A proxy URL is `http://[user:password@]host[:port]` (port 80 by default);
//! its credentials go in `Proxy-Authorization: Basic`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::env::OsEnv;

/// Which proxy, if any, each endpoint goes through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: Vec<String>,
}

/// One proxy: where it listens and the `Proxy-Authorization` value, if any.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub(crate) authority: String,
    pub(crate) authorization: Option<String>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = if self.authorization.is_some() { "** redacted **" } else { "none" };
        write!(f, "Proxy({}, authorization: {auth})", self.authority)
    }
}

/// A proxy URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProxy(String);

impl std::fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidProxy {}

impl ProxyConfig {
    /// No proxy at all.
    pub fn none() -> Self {
        ProxyConfig::default()
    }

    /// Sends HTTPS endpoints through the proxy at `url`.
    pub fn https(mut self, url: &str) -> Result<Self, InvalidProxy> {
        self.https = Some(parse(url)?);
        Ok(self)
    }

    /// Sends plain HTTP endpoints through the proxy at `url`.
    pub fn http(mut self, url: &str) -> Result<Self, InvalidProxy> {
        self.http = Some(parse(url)?);
        Ok(self)
    }

    /// Reaches the hosts of `list` (`no_proxy` syntax) directly.
    pub fn no_proxy(mut self, list: &str) -> Self {
        self.no_proxy = list.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
        self
    }

    /// The proxies the environment names (see the module documentation).
    pub fn from_env(env: &OsEnv) -> Result<Self, InvalidProxy> {
        let mut config = ProxyConfig::none();
        if let Some(url) = env.var("https_proxy").or_else(|| env.var("HTTPS_PROXY")).filter(|v| !v.is_empty()) {
            config = config.https(&url).map_err(|e| InvalidProxy(format!("https_proxy: {e}")))?;
        }
        if let Some(url) = env.var("http_proxy").filter(|v| !v.is_empty()) {
            config = config.http(&url).map_err(|e| InvalidProxy(format!("http_proxy: {e}")))?;
        }
        if let Some(list) = env.var("no_proxy").or_else(|| env.var("NO_PROXY")) {
            config = config.no_proxy(&list);
        }
        Ok(config)
    }

    /// The proxy for a request to `scheme://host:port`, or `None` to go direct.
    pub(crate) fn for_endpoint(&self, scheme: &str, host: &str, port: u16) -> Option<&Proxy> {
        let proxy = if scheme == "https" { self.https.as_ref() } else { self.http.as_ref() }?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let bypass = self.no_proxy.iter().any(|entry| {
            if entry == "*" {
                return true;
            }
            let (name, entry_port) = match entry.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') => (n, p.parse::<u16>().ok()),
                _ => (entry.as_str(), None),
            };
            let name = name.trim_start_matches('.');
            let host_matches = host == name || host.ends_with(&format!(".{name}"));
            host_matches && entry_port.is_none_or(|p| p == port)
        });
        (!bypass).then_some(proxy)
    }
}

fn parse(url: &str) -> Result<Proxy, InvalidProxy> {
    let bad = |why: &str| InvalidProxy(format!("proxy `{}` {why}", redact(url)));
    let rest = match url.split_once("://") {
        Some(("http", rest)) => rest,
        Some((scheme, _)) => return Err(bad(&format!("uses {scheme}://; only http:// proxies are supported"))),
        None => url,
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains('/') {
        return Err(bad("has a path; a proxy is only host and port"));
    }
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    if hostport.is_empty() {
        return Err(bad("has no host"));
    }
    let has_port = hostport.rsplit_once(':').is_some_and(|(h, p)| !h.ends_with(']') || !p.is_empty()) && !hostport.ends_with(']');
    let authority = if has_port { hostport.to_owned() } else { format!("{hostport}:80") };
    let authorization =
        userinfo.map(|u| format!("Basic {}", crate::primitives::base64_encode(crate::encoding::percent_decode(u).as_bytes())));
    Ok(Proxy { authority, authorization })
}

/// The URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    match url.rsplit_once('@') {
        Some((before, after)) => {
            let scheme_end = before.find("://").map_or(0, |i| i + 3);
            let user = before[scheme_end..].split(':').next().unwrap_or("");
            format!("{}{user}:***@{after}", &before[..scheme_end])
        }
        None => url.to_owned(),
    }
}

/// A connection, direct or through a proxy; `absolute_form` tells hyper to
/// send plain-HTTP requests to the proxy with the whole URL.
pub(crate) struct Proxied {
    io: TokioIo<TcpStream>,
    absolute_form: bool,
}

impl Connection for Proxied {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.absolute_form)
    }
}

impl hyper::rt::Read for Proxied {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: hyper::rt::ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Proxied {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// The TCP connector under TLS: direct, or to the proxy with a `CONNECT`
/// tunnel for HTTPS endpoints.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    pub(crate) inner: HttpConnector,
    pub(crate) proxies: Arc<ProxyConfig>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<http::Uri> for ProxyConnector {
    type Response = Proxied;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Proxied, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let mut inner = self.inner.clone();
        let proxies = self.proxies.clone();
        Box::pin(async move {
            let scheme = dst.scheme_str().unwrap_or("http").to_owned();
            let host = dst.host().unwrap_or_default().to_owned();
            let port = dst.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
            let Some(proxy) = proxies.for_endpoint(&scheme, &host, port).cloned() else {
                let io = inner.call(dst).await?;
                return Ok(Proxied { io, absolute_form: false });
            };
            let proxy_uri: http::Uri = format!("http://{}", proxy.authority).parse()?;
            let io = inner.call(proxy_uri).await.map_err(|e| format!("cannot reach the proxy {}: {e}", proxy.authority))?;
            if scheme != "https" {
                return Ok(Proxied { io, absolute_form: true });
            }
            let tunnel = connect_tunnel(io.into_inner(), &host, port, proxy.authorization.as_deref()).await?;
            Ok(Proxied { io: TokioIo::new(tunnel), absolute_form: false })
        })
    }
}

/// Asks the proxy on `stream` for a tunnel to `host:port`, and returns the
/// stream once it answers 2xx.
async fn connect_tunnel(stream: TcpStream, host: &str, port: u16, authorization: Option<&str>) -> Result<TcpStream, BoxError> {
    let target = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = authorization {
        head.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    write_all(&stream, head.as_bytes()).await?;
    // The proxy's answer is a short head; nothing of the tunnel follows until
    // the client speaks, but it is read a byte at a time all the same, so that
    // nothing after the head could be taken from the tunnel.
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() > 8192 {
            return Err("the proxy's answer to CONNECT is longer than 8 KiB".into());
        }
        let Some(byte) = read_byte(&stream).await? else {
            return Err("the proxy closed the connection instead of answering CONNECT".into());
        };
        answer.push(byte);
    }
    let status_line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned();
    let ok = status_line.split_whitespace().nth(1).is_some_and(|code| code.starts_with('2'));
    if ok {
        Ok(stream)
    } else {
        Err(format!("the proxy refused the tunnel to {target}: {status_line}").into())
    }
}

// The tunnel's two I/O steps use the socket's own readiness API rather than
// tokio's `io-util` extension traits: that feature is this crate's alone in
// the graph and adds about 1.5 s to tokio's debug build, for two loops.

/// Writes all of `bytes` to `stream`.
async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One byte from `stream`, or `None` at its end.
async fn read_byte(stream: &TcpStream) -> io::Result<Option<u8>> {
    let mut byte = [0u8; 1];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut byte) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(byte[0])),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_no_proxy_as_curl_reads_them() {
        let p =
            ProxyConfig::none().https("http://user:p%40ss@proxy.corp:3128").unwrap().no_proxy(".internal, localhost,10.0.0.1, api.x:8443");
        let proxy = p.for_endpoint("https", "metering.marketplace.us-east-1.amazonaws.com", 443).unwrap();
        assert_eq!(proxy.authority, "proxy.corp:3128");
        assert_eq!(proxy.authorization.as_deref(), Some("Basic dXNlcjpwQHNz"), "user:p@ss");
        assert!(format!("{proxy:?}").contains("redacted"));
        for (host, port) in [("a.internal", 443), ("internal", 443), ("localhost", 443), ("10.0.0.1", 443), ("api.x", 8443)] {
            assert!(p.for_endpoint("https", host, port).is_none(), "{host}:{port} goes direct");
        }
        assert!(p.for_endpoint("https", "api.x", 443).is_some(), "the port must match");
        assert!(p.for_endpoint("https", "notinternal", 443).is_some(), "a suffix matches only at a dot");
        assert!(p.for_endpoint("http", "anything", 80).is_none(), "no http proxy set");
        assert!(ProxyConfig::none().https("http://p").unwrap().no_proxy("*").for_endpoint("https", "h", 443).is_none());
        assert_eq!(ProxyConfig::none().https("p.corp").unwrap().https.unwrap().authority, "p.corp:80");
        let err = ProxyConfig::none().https("https://u:secret@p").unwrap_err().to_string();
        assert!(err.contains("only http:// proxies") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let env = OsEnv::fake([("HTTPS_PROXY", "http://a:1"), ("HTTP_PROXY", "http://cgi-set:2"), ("NO_PROXY", "x")], []);
        let p = ProxyConfig::from_env(&env).unwrap();
        assert_eq!(p.for_endpoint("https", "h", 443).map(|p| p.authority.as_str()), Some("a:1"));
        assert!(p.for_endpoint("http", "h", 80).is_none(), "upper-case HTTP_PROXY is ignored");
        assert!(p.for_endpoint("https", "x", 443).is_none());
        let env = OsEnv::fake([("https_proxy", "http://lower:1"), ("HTTPS_PROXY", "http://upper:2"), ("http_proxy", "http://h:3")], []);
        let p = ProxyConfig::from_env(&env).unwrap();
        assert_eq!(p.for_endpoint("https", "h", 443).map(|p| p.authority.as_str()), Some("lower:1"), "lower case wins");
        assert_eq!(p.for_endpoint("http", "h", 80).map(|p| p.authority.as_str()), Some("h:3"));
        assert!(ProxyConfig::from_env(&OsEnv::fake([("https_proxy", "socks5://s:1")], [])).is_err());
    }
}
