//! The emulator's server: the shared bounded serve loop (`serve.rs`) on a
//! loopback (or any) address, each request decoded and answered under the
//! state's lock. Stopping stops accepting, lets in-flight requests finish,
//! then returns.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming as Body;
use hyper::{Request, Response};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::errors::{Code, ServiceError};
use crate::serve::{read_body, BodyError, Bounds};
use crate::sigv4::Incoming;
use crate::state::State;
use crate::wire::{self, Context};

/// The emulator's bounds: BatchMeterUsage must stay under 1 MB; the rest as [`Bounds::default`].
pub const BOUNDS: Bounds = Bounds {
    max_connections: 512,
    head_timeout: Duration::from_secs(10),
    body_timeout: Duration::from_secs(30),
    max_body: 1024 * 1024,
    drain: Duration::from_secs(10),
};

/// The emulator's clock.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What changes while the emulator runs.
struct Live {
    /// The configuration, extended by subscriptions made at run time.
    config: Config,
    minted: u64,
    state: State,
    limiter: crate::quota::Limiter,
    faults: crate::faults::Faults,
}

struct Shared {
    /// The billed state, the quotas' buckets and the armed faults, decided under one lock.
    live: Mutex<Live>,
    clock: Clock,
    started: SystemTime,
    request_ids: std::sync::atomic::AtomicU64,
}

/// A running emulator. Dropping it without [`stop`](Running::stop) aborts the server.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// `http://ADDRESS:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, finishes in-flight requests (for at most
    /// the drain time of [`BOUNDS`]), and returns.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// How to run an emulator.
#[derive(Clone)]
pub struct Options {
    /// The address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The SQLite file that keeps the state across restarts; in memory without it.
    pub data: Option<std::path::PathBuf>,
    /// The clock (the system clock unless a test injects one).
    pub clock: Clock,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").field("listen", &self.listen).field("data", &self.data).finish_non_exhaustive()
    }
}

impl Options {
    /// In memory on `listen`, with the system clock.
    pub fn new(listen: SocketAddr) -> Self {
        Options { listen, data: None, clock: Arc::new(SystemTime::now) }
    }
}

/// Starts an emulator of `config` on `listen` (port 0 picks a free one), in memory, with the system clock.
pub async fn start(config: Config, listen: SocketAddr) -> std::io::Result<Running> {
    start_with(config, Options::new(listen)).await
}

/// [`start`] with an injected clock, for tests.
pub async fn start_with_clock(config: Config, listen: SocketAddr, clock: Clock) -> std::io::Result<Running> {
    start_with(config, Options { clock, ..Options::new(listen) }).await
}

/// Starts an emulator as `options` say; a `--data` file that cannot be opened is an error naming it.
pub async fn start_with(config: Config, options: Options) -> std::io::Result<Running> {
    let Options { listen, data, clock } = options;
    let state = match &data {
        Some(path) => State::open(path).map_err(std::io::Error::other)?,
        None => State::default(),
    };
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let started = clock();
    let mut faults = crate::faults::Faults::default();
    for f in &config.faults {
        faults.arm(f.clone()).map_err(std::io::Error::other)?;
    }
    let live = Live { config, minted: 0, state, limiter: crate::quota::Limiter::default(), faults };
    let shared = Arc::new(Shared { live: Mutex::new(live), clock, started, request_ids: Default::default() });
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(serve(listener, shared, stopped));
    Ok(Running { addr, stop, task: Some(task) })
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, stopped: watch::Receiver<bool>) {
    crate::serve::serve(listener, BOUNDS, stopped, move |req| {
        let shared = shared.clone();
        async move { answer(&shared, req).await.ok_or(DroppedByFault) }
    })
    .await;
}

/// An armed fault closed the connection instead of answering; hyper closes it when the service fails.
#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the connection was dropped by an armed fault")
    }
}

impl std::error::Error for DroppedByFault {}

/// The response to `req`, or `None` when an armed fault drops the connection.
async fn answer(shared: &Shared, req: Request<Body>) -> Option<Response<Full<Bytes>>> {
    let id = shared.request_ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let request_id = format!("00000000-0000-4000-8000-{id:012x}");
    let (parts, body) = req.into_parts();
    let body = match read_body(body, &BOUNDS).await {
        Ok(collected) => collected,
        Err(BodyError::TooLarge) => {
            let e = ServiceError::new(Code::Serialization, format!("the request body is larger than {} bytes, or broken", BOUNDS.max_body));
            return Some(respond(413, "application/x-amz-json-1.1", e.body(), &request_id));
        }
        Err(BodyError::TooSlow) => {
            let e = ServiceError::new(Code::Serialization, "the request body did not arrive in time");
            return Some(respond(408, "application/x-amz-json-1.1", e.body(), &request_id));
        }
    };
    let headers: Vec<(String, String)> =
        parts.headers.iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let incoming = Incoming {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    let now = (shared.clock)();
    let (answer, ticket) = {
        let mut guard = shared.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Live { config, minted, state, limiter, faults } = &mut *guard;
        let answer = wire::handle(Context { config, minted, state, now, started: shared.started, limiter, faults }, &incoming);
        (answer, state.take_ticket())
    };
    // An answer that depends on a row still being written waits, outside the lock, for its group commit.
    if let Some(ticket) = ticket {
        if let Err(why) = ticket.wait().await {
            let e = crate::errors::unavailable(why.to_string());
            return Some(respond(e.code.wire().1, "application/x-amz-json-1.1", e.body(), &request_id));
        }
    }
    if let Some(minted) = &answer.follow_up {
        // The token goes to the seller's sign-up endpoint outside the lock, as the buyer's browser would take it there.
        let delivery = match &minted.fulfillment_url {
            Some(url) => match deliver_token(url, &minted.token).await {
                Ok(status) => serde_json::json!({ "url": url, "status": status }),
                Err(e) => serde_json::json!({ "url": url, "error": e }),
            },
            None => serde_json::json!({ "error": "the product has no fulfillment_url" }),
        };
        if answer.back_to_page {
            let mut response = respond(303, "text/plain; charset=utf-8", String::new(), &request_id);
            response.headers_mut().insert("location", hyper::header::HeaderValue::from_static("/emulator/"));
            return Some(response);
        }
        let mut body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        body["fulfillment"] = delivery;
        return Some(respond(200, "application/json", body.to_string(), &request_id));
    }
    // The wait is outside the lock: a delayed answer holds up no other request.
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    if answer.drop_connection {
        return None;
    }
    let cbor = answer.protocol == wire::Protocol::RpcV2Cbor;
    let mut response = respond(answer.status, answer.content_type, answer.body, &request_id);
    if let Some(Ok(value)) = answer.error_type.as_deref().map(hyper::header::HeaderValue::from_str) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    if cbor {
        response.headers_mut().insert("smithy-protocol", hyper::header::HeaderValue::from_static("rpc-v2-cbor"));
    }
    Some(response)
}

/// How long delivering a registration token to a fulfilment URL may take.
pub const FULFILLMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// POSTs `x-amzn-marketplace-token=TOKEN` to an `http://` fulfilment URL; the HTTP status it answered.
async fn deliver_token(url: &str, token: &str) -> Result<u16, String> {
    let rest =
        url.strip_prefix("http://").ok_or_else(|| format!("only http:// fulfilment URLs can be reached from the emulator, not `{url}`"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let body =
        format!("x-amzn-marketplace-token={}", token.replace('%', "%25").replace('&', "%26").replace('=', "%3D").replace('+', "%2B"));
    let exchange = crate::admin::request(authority, "POST", path, "application/x-www-form-urlencoded", &body);
    let answered =
        tokio::time::timeout(FULFILLMENT_TIMEOUT, exchange).await.map_err(|_| format!("no answer within {FULFILLMENT_TIMEOUT:?}"))?;
    answered.map(|(status, _)| status)
}

fn respond(status: u16, content_type: &'static str, body: impl Into<Bytes>, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert("content-type", hyper::header::HeaderValue::from_static(content_type));
    if let Ok(v) = hyper::header::HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}
