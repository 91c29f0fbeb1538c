//! Bodies that move a chunk at a time through the hyper transport: a
//! request's stream handed to hyper as it is read ([`OutgoingBody`]), and
//! a successful response's body handed to the caller as it arrives
//! ([`IncomingSource`]), under the same read timeout and stalled-stream
//! protection as a body read whole.

use std::collections::VecDeque;
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::http::ConnectorError;
use crate::http::ConnectorErrorKind;
use crate::primitives::{ByteStream, ByteStreamError, Source};
use crate::timeout::MinimumThroughput;

/// A request body as hyper takes it: bytes in one frame, or a stream's chunks.
pub(super) enum OutgoingBody {
    Bytes(Option<Bytes>),
    Stream { stream: ByteStream, length: Option<u64> },
}

impl hyper::body::Body for OutgoingBody {
    type Data = Bytes;
    type Error = ByteStreamError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, ByteStreamError>>> {
        match self.get_mut() {
            OutgoingBody::Bytes(b) => Poll::Ready(b.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            OutgoingBody::Stream { stream, .. } => stream.poll_next(cx).map(|chunk| chunk.map(|c| c.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutgoingBody::Bytes(b) if b.as_ref().is_none_or(Bytes::is_empty))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutgoingBody::Bytes(b) => SizeHint::with_exact(b.as_ref().map_or(0, Bytes::len) as u64),
            OutgoingBody::Stream { length: Some(n), .. } => SizeHint::with_exact(*n),
            OutgoingBody::Stream { length: None, .. } => SizeHint::default(),
        }
    }
}

/// The limits a body's reading is held to.
#[derive(Debug, Clone, Copy)]
pub(super) struct ReadLimits {
    pub(super) read_timeout: Option<Duration>,
    pub(super) stalled_stream: Option<MinimumThroughput>,
}

impl ReadLimits {
    /// How long to wait for the next bytes: waiting a whole grace window
    /// for nothing is a stall, so the shorter of the two limits.
    pub(super) fn wait(&self) -> Option<Duration> {
        match (self.read_timeout, self.stalled_stream.map(|m| m.grace)) {
            (Some(r), Some(g)) => Some(r.min(g)),
            (r, g) => r.or(g),
        }
    }

    /// The error when a wait of `limit` ran out.
    pub(super) fn waited_too_long(&self, limit: Duration) -> ConnectorError {
        if Some(limit) == self.read_timeout {
            ConnectorError::new(
                ConnectorErrorKind::Timeout,
                format!("no bytes of the response body arrived within the read timeout of {limit:?}"),
            )
        } else {
            stalled(self.stalled_stream)
        }
    }
}

/// A successful response's body as the caller reads it.
pub(super) struct IncomingSource {
    body: hyper::body::Incoming,
    limits: ReadLimits,
    throughput: Option<Throughput>,
    /// The deadline of the current wait, made on the first wait (a timer
    /// needs the runtime, which polling has).
    timer: Option<Pin<Box<Sleep>>>,
    /// True while the body has nothing to give: the wait runs from when
    /// it began, so time the caller spends between reads is not counted.
    waiting: bool,
    length: Option<u64>,
    done: bool,
}

impl IncomingSource {
    pub(super) fn new(body: hyper::body::Incoming, limits: ReadLimits, length: Option<u64>) -> Self {
        IncomingSource {
            body,
            limits,
            throughput: limits.stalled_stream.map(Throughput::new),
            timer: None,
            waiting: false,
            length,
            done: false,
        }
    }

    fn fail(&mut self, e: ConnectorError) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        self.done = true;
        Poll::Ready(Some(Err(ByteStreamError::caused_by("the response body could not be read", e))))
    }
}

impl Source for IncomingSource {
    fn poll_chunk(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => return this.fail(super::hyper_client::classify_hyper(&e, e.to_string())),
                Poll::Ready(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else { continue };
                    let now = Instant::now();
                    this.waiting = false;
                    if let Some(t) = this.throughput.as_mut() {
                        if t.record(now, data.len()) {
                            return this.fail(stalled(this.limits.stalled_stream));
                        }
                    }
                    if let Some(n) = this.length.as_mut() {
                        *n = n.saturating_sub(data.len() as u64);
                    }
                    return Poll::Ready(Some(Ok(data)));
                }
                Poll::Pending => {
                    let Some(wait) = this.limits.wait() else { return Poll::Pending };
                    let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(wait)));
                    if !this.waiting {
                        this.waiting = true;
                        timer.as_mut().reset(Instant::now() + wait);
                    }
                    if timer.as_mut().poll(cx).is_ready() {
                        let e = this.limits.waited_too_long(wait);
                        return this.fail(e);
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    fn exact_size(&self) -> Option<u64> {
        self.length
    }
}

/// Bytes received over the last grace window, to tell a slow body from a live one.
pub(super) struct Throughput {
    minimum: MinimumThroughput,
    started: Instant,
    recent: VecDeque<(Instant, usize)>,
}

impl Throughput {
    pub(super) fn new(minimum: MinimumThroughput) -> Self {
        Throughput { minimum, started: Instant::now(), recent: VecDeque::new() }
    }

    /// Records `n` bytes arriving at `now`; true when the body is stalled:
    /// a whole window has passed and the last window brought fewer bytes
    /// than the minimum rate asks for.
    pub(super) fn record(&mut self, now: Instant, n: usize) -> bool {
        let grace = self.minimum.grace;
        self.recent.push_back((now, n));
        while self.recent.front().is_some_and(|(t, _)| now.duration_since(*t) > grace) {
            self.recent.pop_front();
        }
        if now.duration_since(self.started) < grace {
            return false;
        }
        let received: u64 = self.recent.iter().map(|(_, n)| *n as u64).sum();
        (received as f64) < self.minimum.bytes_per_second as f64 * grace.as_secs_f64()
    }
}

pub(super) fn stalled(minimum: Option<MinimumThroughput>) -> ConnectorError {
    let m = minimum.unwrap_or_default();
    ConnectorError::new(
        ConnectorErrorKind::Timeout,
        format!(
            "the response body stalled: fewer than {} bytes per second over {:?} (stalled-stream protection)",
            m.bytes_per_second, m.grace
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dripping_body_is_stalled_and_a_steady_one_is_not() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let minimum = MinimumThroughput { bytes_per_second: 1, grace: Duration::from_secs(5) };
        // One byte every two seconds: half the minimum rate.
        let mut drip = Throughput { minimum, started: start, recent: Default::default() };
        let stalled_at = (1..10).map(|i| i * 2000).find(|&ms| drip.record(at(ms), 1));
        assert_eq!(stalled_at, Some(6000), "judged once a whole window has passed");
        // A byte every half second is twice the minimum rate, however long it goes on.
        let mut steady = Throughput { minimum, started: start, recent: Default::default() };
        assert!((1..100).all(|i| !steady.record(at(i * 500), 1)));
        // A big first frame does not excuse a later window of nothing much.
        let mut burst = Throughput { minimum, started: start, recent: Default::default() };
        assert!(!burst.record(at(10), 10_000));
        assert!(burst.record(at(6000), 1));
    }
}
