//! The [`Prober`]: one HTTP GET per probe under a global concurrency limit.
//!
//! Every probe goes through one shared `reqwest::Client`. The monitor's timeout
//! covers everything from connecting to the last byte read; the body is read and
//! thrown away up to a cap, so a huge or endless response costs at most the cap.
//! The [`Probe`] trait is what the scheduler calls, so tests can swap in a fake.

use std::error::Error as _;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::clock::{Clock, SystemClock};
use crate::model::{Monitor, ProbeError, ProbeOutcome, ProbeResult};
use crate::{Error, Result};

/// Anything that can probe a monitor: the real [`Prober`] or a test fake.
#[async_trait]
pub trait Probe: Send + Sync + 'static {
    /// Probes the monitor once. Never fails: a missing response is a result too.
    async fn probe(&self, monitor: &Monitor) -> ProbeResult;
}

/// Whether probes reuse connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConnectionMode {
    /// A new connection (DNS, TCP, TLS) for every probe: what a first-time
    /// visitor sees, so slow handshakes show up in latency. The default.
    #[default]
    Fresh,
    /// Pooled keep-alive connections: cheaper, but hides handshake problems.
    KeepAlive,
}

/// Settings of the [`Prober`].
#[derive(Debug, Clone)]
pub struct ProberConfig {
    /// Probes in flight at once, across all monitors. Default 64.
    pub concurrency: usize,
    /// Bytes of body read (and discarded) at most. Default 64 KiB.
    pub body_cap: usize,
    /// Redirects followed before the probe fails as a redirect loop. Default 10.
    pub max_redirects: usize,
    /// Fresh connection per probe (default) or keep-alive.
    pub connection_mode: ConnectionMode,
    /// Sent as `User-Agent`. Default `gomon/<version>`.
    pub user_agent: String,
}

impl Default for ProberConfig {
    fn default() -> Self {
        Self {
            concurrency: 64,
            body_cap: 64 * 1024,
            max_redirects: 10,
            connection_mode: ConnectionMode::Fresh,
            user_agent: format!("gomon/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Sends the GETs. Cheap to share: hold it in an `Arc`.
pub struct Prober {
    client: reqwest::Client,
    permits: Semaphore,
    body_cap: usize,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Prober {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prober")
            .field("available_permits", &self.permits.available_permits())
            .field("body_cap", &self.body_cap)
            .finish_non_exhaustive()
    }
}

impl Prober {
    /// A prober with these settings, timestamping with the system clock.
    pub fn new(config: ProberConfig) -> Result<Self> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A prober with these settings, timestamping probes with `clock`.
    pub fn with_clock(config: ProberConfig, clock: Arc<dyn Clock>) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(config.user_agent)
            .redirect(reqwest::redirect::Policy::limited(config.max_redirects))
            // Probes check the target itself, not whatever proxy the host environment names.
            .no_proxy()
            .tcp_nodelay(true);
        if config.connection_mode == ConnectionMode::Fresh {
            let mut headers = reqwest::header::HeaderMap::new();
            // Say up front that the connection will not be reused (RFC 9112
            // 9.6), as a one-off visitor would: the server closes it after the
            // response, so the TIME_WAIT state stays on the server's side
            // rather than filling this host's ephemeral ports, which made
            // every connect() search longer for a free port.
            headers.insert(
                reqwest::header::CONNECTION,
                reqwest::header::HeaderValue::from_static("close"),
            );
            builder = builder
                .pool_max_idle_per_host(0)
                .default_headers(headers)
                // A connection lives for one probe, bounded by its timeout:
                // TCP keep-alive and user timeouts would be four system calls
                // per probe that can never matter.
                .tcp_keepalive(None)
                .tcp_keepalive_interval(None)
                .tcp_keepalive_retries(None)
                .tcp_user_timeout(None);
        }
        let client = builder.build().map_err(Error::HttpClient)?;
        Ok(Self {
            client,
            permits: Semaphore::new(config.concurrency.max(1)),
            body_cap: config.body_cap,
            clock,
        })
    }

    /// Sends the GET and reads the body up to the cap; the caller applies the timeout.
    async fn fetch(&self, monitor: &Monitor) -> ProbeOutcome {
        let mut response = match self.client.get(monitor.url().clone()).send().await {
            Ok(response) => response,
            Err(e) => return ProbeOutcome::Error(classify(&e)),
        };
        let status = response.status().as_u16();
        let mut read = 0usize;
        while read < self.body_cap {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) => break,
                // The status line arrived but the body broke off: a visitor got a
                // broken page, so this is no success.
                Err(e) => return ProbeOutcome::Error(classify(&e)),
            }
        }
        // Dropping an unfinished response closes its connection: the rest of a
        // huge body is never read.
        ProbeOutcome::Status(status)
    }
}

#[async_trait]
impl Probe for Prober {
    async fn probe(&self, monitor: &Monitor) -> ProbeResult {
        // The semaphore is never closed, so acquire cannot fail; waiting for a
        // permit is not part of the probe's time.
        let _permit = self.permits.acquire().await;
        let started_at = self.clock.now();
        let start = Instant::now();
        let outcome = tokio::time::timeout(monitor.timeout(), self.fetch(monitor))
            .await
            .unwrap_or(ProbeOutcome::Error(ProbeError::Timeout));
        ProbeResult {
            monitor: monitor.id(),
            started_at,
            latency: start.elapsed(),
            outcome,
        }
    }
}

/// Maps a reqwest error to why there was no response.
fn classify(error: &reqwest::Error) -> ProbeError {
    if error.is_timeout() {
        return ProbeError::Timeout;
    }
    if error.is_redirect() {
        return ProbeError::RedirectLoop;
    }
    // reqwest has no typed DNS or TLS errors: look through the cause chain.
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return ProbeError::Dns;
        }
        if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
            return ProbeError::Tls;
        }
        source = cause.source();
    }
    if error.is_connect() {
        return ProbeError::Connect;
    }
    ProbeError::Other
}
