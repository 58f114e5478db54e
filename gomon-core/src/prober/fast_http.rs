//! The HTTP/1.1 fast path for plain `http://` probes.
//!
//! reqwest sends every request through hyper-util's legacy client: it clones
//! its connector stack, checks a connection out of a pool, re-parses the URL,
//! and hands the request to a separate connection task, which costs
//! cross-thread wake-ups. For a probe (one GET, body discarded) that overhead
//! was most of the prober's CPU time. Here a probe is one
//! `hyper::client::conn::http1` exchange whose connection is driven by the
//! probe's own task: the connection future is polled next to the request
//! future, so no other task is involved.
//!
//! - Fresh mode: a new TCP connection per probe (`Connection: close`), dropped
//!   after the response.
//! - Keep-alive mode: idle connections wait in a small per-host pool together
//!   with their (unpolled) connection futures. Only connections whose previous
//!   response was read to the end go back. A pooled connection that turns out
//!   to be closed before the request was written is replaced by a new one,
//!   as hyper-util's pool does.
//!
//! Redirects are not followed here: a redirect is returned as [`Hop::Redirect`]
//! and the prober decides (it counts hops and may continue over https).

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use futures_util::future::{self, Either};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::client::conn::http1;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;
use url::{Host, Position, Url};

use super::classify::{classify_connect, classify_hyper};
use super::{Hop, redirect_target};
use crate::model::{ProbeError, ProbeOutcome};

type ReqBody = Empty<Bytes>;
/// Boxed: hyper's connection is large (about 700 bytes), and the probe's
/// future would otherwise carry it and copy it at every move.
type Conn = Box<http1::Connection<TokioIo<TcpStream>, ReqBody>>;
type Sender = http1::SendRequest<ReqBody>;

/// How long an idle pooled connection may wait before it is closed: the same
/// as reqwest's (hyper-util's) default pool idle timeout.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// How long the preferred address family gets before the other one is tried
/// as well (RFC 8305 "happy eyeballs"), as hyper-util's connector does.
const FALLBACK_DELAY: Duration = Duration::from_millis(300);

/// Sends one GET over HTTP/1.1 and reads the body up to a cap.
pub(super) struct FastHttp {
    /// The headers every request carries, built once: `Host` (a placeholder,
    /// replaced in place per request, so it stays first), `User-Agent`,
    /// `Accept`, and `Connection: close` in fresh mode.
    headers: HeaderMap,
    body_cap: usize,
    /// `Some` in keep-alive mode.
    pool: Option<Pool>,
    builder: http1::Builder,
}

/// Why an exchange on one connection failed.
enum Failure {
    /// The request was never written (the connection was found closed): it
    /// can be sent again on another connection. (Boxed: this is the rare case.)
    NotSent(Box<Request<ReqBody>>, hyper::Error),
    /// It failed after (possibly) being written: this is the probe's result.
    Failed(ProbeError),
}

impl FastHttp {
    /// `keep_alive_pool`: `Some(idle connections kept per host)` for
    /// keep-alive mode, `None` for a fresh connection per probe.
    pub(super) fn new(
        user_agent: HeaderValue,
        body_cap: usize,
        keep_alive_pool: Option<usize>,
    ) -> Self {
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(header::HOST, HeaderValue::from_static(""));
        headers.insert(header::USER_AGENT, user_agent);
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        if keep_alive_pool.is_none() {
            // Fresh mode: see `Prober::with_clock` for why the server is told.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Self {
            headers,
            body_cap,
            pool: keep_alive_pool.map(Pool::new),
            builder: http1::Builder::new(),
        }
    }

    /// GETs `url` (scheme `http`), sending `referer` if given. The caller
    /// applies the probe's timeout around this.
    pub(super) async fn get(&self, url: &Url, referer: Option<HeaderValue>) -> Hop {
        match self.try_get(url, referer).await {
            Ok(hop) => hop,
            Err(error) => Hop::Done(ProbeOutcome::Error(error)),
        }
    }

    async fn try_get(&self, url: &Url, referer: Option<HeaderValue>) -> Result<Hop, ProbeError> {
        // A valid monitor URL, and any redirect target `Url::join` accepts for
        // the http scheme, has a host; the `None`s here are defensive.
        let host = url.host().ok_or(ProbeError::Other)?;
        let port = url.port_or_known_default().ok_or(ProbeError::Other)?;
        // The host and, unless it is the scheme's default (which `Url` never
        // keeps: `Url::port` is then `None`), the port: the Host header
        // exactly as reqwest writes it, taken from the URL's serialization
        // without a copy. It is also the pool key.
        let authority = &url[Position::BeforeHost..Position::AfterPort];
        // Origin-form request target: path and query, never the fragment.
        let target = Uri::try_from(&url[Position::BeforePath..Position::AfterQuery])
            .map_err(|_| ProbeError::Other)?;
        let mut request = self.request(target, authority, referer)?;

        loop {
            let pooled = self.pool.as_ref().and_then(|pool| pool.take(authority));
            let reused = pooled.is_some();
            let (mut sender, conn) = match pooled {
                Some(pair) => pair,
                None => self.connect(&host, port).await?,
            };
            let mut conn = Some(conn);
            let exchange = self.exchange(&mut sender, request, reused, url);
            match drive(&mut conn, exchange).await {
                Ok((hop, complete)) => {
                    if let (Some(pool), Some(conn), true) = (&self.pool, conn, complete) {
                        pool.put(authority, sender, conn);
                    }
                    return Ok(hop);
                }
                // A pooled connection the server had closed while it was idle:
                // try again on another one (at worst a new one, which is never
                // retried), as hyper-util's pool does.
                Err(Failure::NotSent(unsent, _)) if reused => request = *unsent,
                Err(Failure::NotSent(_, error)) => return Err(classify_hyper(&error)),
                Err(Failure::Failed(error)) => return Err(error),
            }
        }
    }

    /// The GET with the headers reqwest would send.
    fn request(
        &self,
        target: Uri,
        authority: &str,
        referer: Option<HeaderValue>,
    ) -> Result<Request<ReqBody>, ProbeError> {
        let mut headers = self.headers.clone();
        headers.insert(
            header::HOST,
            HeaderValue::from_str(authority).map_err(|_| ProbeError::Other)?,
        );
        if let Some(referer) = referer {
            headers.insert(header::REFERER, referer);
        }
        let mut request = Request::new(Empty::new());
        *request.uri_mut() = target;
        *request.headers_mut() = headers;
        Ok(request)
    }

    /// Sends the request and reads the response; `Ok` carries whether the
    /// response was read to its end (only then can the connection be reused).
    async fn exchange(
        &self,
        sender: &mut Sender,
        request: Request<ReqBody>,
        reused: bool,
        url: &Url,
    ) -> Result<(Hop, bool), Failure> {
        // A pooled connection may still be finishing its previous response
        // (its future was last polled before the end of that body was
        // processed); wait until it takes a new request, or learn it closed.
        if reused && !sender.is_ready() {
            if let Err(error) = sender.ready().await {
                return Err(Failure::NotSent(Box::new(request), error));
            }
        }
        let response = match sender.try_send_request(request).await {
            Ok(response) => response,
            Err(mut error) => {
                return Err(match error.take_message() {
                    Some(request) => Failure::NotSent(Box::new(request), error.into_error()),
                    None => Failure::Failed(classify_hyper(error.error())),
                });
            }
        };
        let status = response.status().as_u16();
        if let Some(next) = redirect_target(status, response.headers().get(header::LOCATION), url) {
            // Like reqwest, the redirect's own body is not read; the
            // connection is reusable only if it had none left.
            let complete = response.body().is_end_stream();
            return Ok((Hop::Redirect(next), complete));
        }
        let mut body = response.into_body();
        match read_capped(&mut body, self.body_cap).await {
            Ok(complete) => Ok((Hop::Done(ProbeOutcome::Status(status)), complete)),
            // The status line arrived but the body broke off: a visitor got a
            // broken page, so this is no success.
            Err(error) => Err(Failure::Failed(classify_hyper(&error))),
        }
    }

    /// Resolves the host, connects, and sets up HTTP/1.1 on the socket.
    async fn connect(&self, host: &Host<&str>, port: u16) -> Result<(Sender, Conn), ProbeError> {
        let stream = match host {
            // An IP literal: nothing to resolve, one address.
            Host::Ipv4(ip) => TcpStream::connect(SocketAddr::new((*ip).into(), port)).await,
            Host::Ipv6(ip) => TcpStream::connect(SocketAddr::new((*ip).into(), port)).await,
            Host::Domain(name) => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((*name, port))
                    .await
                    .map_err(|_| ProbeError::Dns)?
                    .collect();
                if addrs.is_empty() {
                    return Err(ProbeError::Dns);
                }
                connect_happy_eyeballs(&addrs).await
            }
        }
        .map_err(|e| classify_connect(&e))?;
        if self.pool.is_some() {
            // Pooled connections get what reqwest gives them: no Nagle delay
            // between requests, and TCP keep-alive and a user timeout so that a
            // dead idle connection is noticed. A fresh connection carries a
            // single write, which Nagle never delays, and lives for one probe
            // bounded by its timeout: those would be system calls for nothing.
            configure_pooled(&stream).map_err(|e| classify_connect(&e))?;
        }
        // `handshake` only sets up buffers; no I/O happens before the request.
        let (sender, conn) = self
            .builder
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| classify_hyper(&e))?;
        Ok((sender, Box::new(conn)))
    }
}

/// Polls `fut` and the connection in the calling task until `fut` is done.
///
/// This is what keeps the probe in one task: the connection future (which
/// writes the request and reads the response into the body channel) and the
/// request future share a waker, so progress on the socket never needs a
/// wake-up of another task or thread. The connection is polled without
/// `shutdown()`: closing the socket is enough. When it completes (the server
/// closed, or `Connection: close` finished the exchange), it is dropped
/// there and then, which also fails any request still queued on it.
async fn drive<F: Future>(conn: &mut Option<Conn>, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        let Some(connection) = conn.as_mut() else {
            return Poll::Pending;
        };
        // Its result does not matter: an error reaches `fut` through hyper.
        if connection.poll_without_shutdown(cx).is_ready() {
            *conn = None;
        }
        // The connection has probably just made progress for `fut` (sent the
        // request, delivered the response): look now rather than after a
        // round through the scheduler.
        fut.as_mut().poll(cx)
    })
    .await
}

/// Reads and discards the body up to `cap` bytes; `Ok(true)` if it ended.
async fn read_capped(body: &mut Incoming, cap: usize) -> Result<bool, hyper::Error> {
    let mut read = 0usize;
    while read < cap {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    read += data.len();
                }
            }
            Some(Err(error)) => return Err(error),
            None => return Ok(true),
        }
    }
    Ok(body.is_end_stream())
}

/// Connects to the first address that answers, trying each address family in
/// order and starting the other family after [`FALLBACK_DELAY`] (or at once
/// if the preferred one fails), like hyper-util's `HttpConnector`.
async fn connect_happy_eyeballs(addrs: &[SocketAddr]) -> io::Result<TcpStream> {
    let preferred_v6 = addrs.first().is_some_and(SocketAddr::is_ipv6);
    let (preferred, fallback): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.iter().partition(|a| a.is_ipv6() == preferred_v6);
    if fallback.is_empty() {
        return connect_in_order(&preferred).await;
    }
    let first = pin!(connect_in_order(&preferred));
    let delay = pin!(tokio::time::sleep(FALLBACK_DELAY));
    let second = pin!(connect_in_order(&fallback));
    let (result, other) = match future::select(first, delay).await {
        Either::Left((result, _)) => (result, Either::Right(second)),
        Either::Right(((), first)) => match future::select(first, second).await {
            Either::Left((result, second)) => (result, Either::Right(second)),
            Either::Right((result, first)) => (result, Either::Left(first)),
        },
    };
    match result {
        Ok(stream) => Ok(stream),
        Err(_) => other.await,
    }
}

/// Tries the addresses one after the other; the last error if none answers.
async fn connect_in_order(addrs: &[SocketAddr]) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// reqwest's defaults for its pooled connections.
fn configure_pooled(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let socket = socket2::SockRef::from(stream);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(15))
        .with_interval(Duration::from_secs(15))
        .with_retries(3);
    socket.set_tcp_keepalive(&keepalive)?;
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    socket.set_tcp_user_timeout(Some(Duration::from_secs(30)))?;
    Ok(())
}

/// Idle keep-alive connections per `host[:port]`, newest last.
struct Pool {
    max_idle_per_host: usize,
    state: Mutex<PoolState>,
}

struct PoolState {
    hosts: HashMap<Box<str>, Vec<Idle>>,
    last_sweep: Instant,
}

/// A connection between two probes. Its future is not polled while it waits
/// here; the next probe that takes it drives it again.
struct Idle {
    sender: Sender,
    conn: Conn,
    since: Instant,
}

impl Pool {
    fn new(max_idle_per_host: usize) -> Self {
        Self {
            max_idle_per_host,
            state: Mutex::new(PoolState {
                hosts: HashMap::new(),
                last_sweep: Instant::now(),
            }),
        }
    }

    /// The most recently used idle connection to `authority` that is not
    /// known to be closed or expired.
    fn take(&self, authority: &str) -> Option<(Sender, Conn)> {
        // A panic while holding the lock cannot leave the map inconsistent:
        // carry on with it.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let idle = state.hosts.get_mut(authority)?;
        while let Some(entry) = idle.pop() {
            if !entry.sender.is_closed() && entry.since.elapsed() < IDLE_TIMEOUT {
                return Some((entry.sender, entry.conn));
            }
        }
        None
    }

    /// Keeps a connection whose last response was read to the end, unless
    /// the host already has its share of idle ones.
    fn put(&self, authority: &str, sender: Sender, conn: Conn) {
        if sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if now.duration_since(state.last_sweep) >= IDLE_TIMEOUT {
            // Hosts no longer probed would otherwise keep their sockets forever.
            state.last_sweep = now;
            state.hosts.retain(|_, idle| {
                idle.retain(|e| now.duration_since(e.since) < IDLE_TIMEOUT);
                !idle.is_empty()
            });
        }
        let entry = Idle {
            sender,
            conn,
            since: now,
        };
        match state.hosts.get_mut(authority) {
            Some(idle) if idle.len() >= self.max_idle_per_host => {}
            Some(idle) => idle.push(entry),
            None => {
                state.hosts.insert(authority.into(), vec![entry]);
            }
        }
    }
}
