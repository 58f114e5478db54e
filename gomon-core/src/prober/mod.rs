//! The [`Prober`]: one HTTP GET per probe under a global concurrency limit.
//!
//! Plain `http://` probes go through the HTTP/1.1 fast path of the private
//! `fast_http` module (hyper's connection API, driven in the probe's own task); everything else,
//! https in particular, through a shared `reqwest::Client`. Both behave the
//! same: the monitor's timeout covers everything from resolving the name to
//! the last byte read; the body is read and thrown away up to a cap, so a huge
//! or endless response costs at most the cap; redirects are followed up to a
//! limit. The [`Probe`] trait is what the scheduler calls, so tests can swap
//! in a fake.

mod classify;
mod fast_http;

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::HeaderValue;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use self::classify::classify;
use self::fast_http::FastHttp;
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
    /// https probes, and http ones with credentials in the URL: reqwest
    /// follows the redirects itself.
    client: reqwest::Client,
    /// Single requests without redirects, for the https hops of a redirect
    /// chain that started on the fast path (which counts the hops).
    hop_client: reqwest::Client,
    /// `None` only if the user agent is no valid header value, in which case
    /// building the reqwest clients has already failed.
    fast: Option<FastHttp>,
    max_redirects: usize,
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
        let policy = reqwest::redirect::Policy::limited(config.max_redirects);
        let client = reqwest_client(&config, policy)?;
        let hop_client = reqwest_client(&config, reqwest::redirect::Policy::none())?;
        let keep_alive_pool = match config.connection_mode {
            ConnectionMode::Fresh => None,
            // No more connections to one host can be busy at once than
            // probes in flight, so that many idle ones cover every reuse.
            ConnectionMode::KeepAlive => Some(config.concurrency.max(1)),
        };
        let fast = HeaderValue::from_str(&config.user_agent)
            .ok()
            .map(|agent| FastHttp::new(agent, config.body_cap, keep_alive_pool));
        Ok(Self {
            client,
            hop_client,
            fast,
            max_redirects: config.max_redirects,
            permits: Semaphore::new(config.concurrency.max(1)),
            body_cap: config.body_cap,
            clock,
        })
    }

    /// Sends the GET, following redirects, and reads the final body up to
    /// the cap; the caller applies the timeout.
    async fn fetch(&self, monitor: &Monitor) -> ProbeOutcome {
        let url = monitor.url();
        let fast = match &self.fast {
            // Credentials in the URL become an `Authorization` header that
            // reqwest also carries across same-host redirects: leave those
            // probes to reqwest entirely.
            Some(fast) if url.scheme() == "http" && !has_credentials(url) => fast,
            _ => return self.fetch_reqwest(url).await,
        };
        // Redirects are followed here with reqwest's rules (see
        // `redirect_target`): each hop over the fast path if it is plain
        // http, over `hop_client` otherwise.
        let mut current = Cow::Borrowed(url);
        let mut referer = None;
        let mut redirects = 0usize;
        loop {
            let hop = if current.scheme() == "http" && !has_credentials(&current) {
                fast.get(&current, referer.take()).await
            } else {
                self.hop_reqwest(&current, referer.take()).await
            };
            let next = match hop {
                Hop::Done(outcome) => return outcome,
                Hop::Redirect(next) => next,
            };
            // reqwest's `Policy::limited(max)` fails the redirect that would
            // be number max + 1 (and so any redirect if max is 0).
            redirects += 1;
            if redirects > self.max_redirects {
                return ProbeOutcome::Error(ProbeError::RedirectLoop);
            }
            if next.scheme() != "http" && next.scheme() != "https" {
                // reqwest refuses to follow to other schemes with a builder
                // error, which classifies as `Other`.
                return ProbeOutcome::Error(ProbeError::Other);
            }
            referer = make_referer(&next, &current);
            current = Cow::Owned(next);
        }
    }

    /// The whole probe through reqwest, which follows redirects itself.
    async fn fetch_reqwest(&self, url: &Url) -> ProbeOutcome {
        match self.client.get(url.clone()).send().await {
            Ok(response) => self.read_reqwest(response).await,
            Err(e) => ProbeOutcome::Error(classify(&e)),
        }
    }

    /// One request through reqwest, without following a redirect.
    async fn hop_reqwest(&self, url: &Url, referer: Option<HeaderValue>) -> Hop {
        let mut request = self.hop_client.get(url.clone());
        if let Some(referer) = referer {
            request = request.header(reqwest::header::REFERER, referer);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Hop::Done(ProbeOutcome::Error(classify(&e))),
        };
        let location = response.headers().get(reqwest::header::LOCATION);
        match redirect_target(response.status().as_u16(), location, url) {
            Some(next) => Hop::Redirect(next),
            None => Hop::Done(self.read_reqwest(response).await),
        }
    }

    /// Reads a final response's body up to the cap.
    async fn read_reqwest(&self, mut response: reqwest::Response) -> ProbeOutcome {
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

/// The reqwest client for these settings with this redirect policy.
fn reqwest_client(
    config: &ProberConfig,
    policy: reqwest::redirect::Policy,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .redirect(policy)
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
            HeaderValue::from_static("close"),
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
    builder.build().map_err(Error::HttpClient)
}

/// One request of a probe: its final outcome, or where it redirects to.
enum Hop {
    Done(ProbeOutcome),
    Redirect(Url),
}

/// Where a response redirects to, by the rules reqwest (tower-http's
/// `FollowRedirect`) applies: only 301, 302, 303, 307 and 308 redirect, and
/// only with a `Location` that is UTF-8 and resolves against the request's
/// URL. Any other response is final, whatever its status.
fn redirect_target(status: u16, location: Option<&HeaderValue>, base: &Url) -> Option<Url> {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = location?.to_str().ok()?;
    let next = base.join(location).ok()?;
    // tower-http also needs the result as an `http::Uri`.
    next.as_str().parse::<hyper::Uri>().ok()?;
    Some(next)
}

/// The `Referer` reqwest sends on a redirected request: the previous URL
/// without credentials and fragment, and none from https to http.
fn make_referer(next: &Url, previous: &Url) -> Option<HeaderValue> {
    if next.scheme() == "http" && previous.scheme() == "https" {
        return None;
    }
    let mut referer = previous.clone();
    // Both only fail for URLs that cannot have credentials: nothing to remove.
    let _ = referer.set_username("");
    let _ = referer.set_password(None);
    referer.set_fragment(None);
    HeaderValue::from_str(referer.as_str()).ok()
}

fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn redirect_targets_follow_reqwest_rules() {
        let base = url("http://a.example:8080/x/y?q#f");
        let to = |status, location: &str| {
            redirect_target(
                status,
                Some(&HeaderValue::from_str(location).expect("value")),
                &base,
            )
            .map(String::from)
        };
        assert_eq!(to(301, "z").as_deref(), Some("http://a.example:8080/x/z"));
        assert_eq!(
            to(308, "/z?k").as_deref(),
            Some("http://a.example:8080/z?k")
        );
        assert_eq!(
            to(302, "https://b.example/").as_deref(),
            Some("https://b.example/")
        );
        for status in [303, 307] {
            assert!(to(status, "/").is_some());
        }
        for status in [200, 300, 304, 305, 404] {
            assert_eq!(to(status, "/"), None, "{status}");
        }
        assert_eq!(redirect_target(302, None, &base), None);
        assert_eq!(to(302, "http://[bad"), None);
    }

    #[test]
    fn referers_drop_credentials_and_fragment_and_https_to_http() {
        let referer = |next: &str, previous: &str| {
            make_referer(&url(next), &url(previous)).map(|v| v.to_str().expect("ascii").to_owned())
        };
        assert_eq!(
            referer("http://a/next", "http://user:pw@a/prev?q#frag").as_deref(),
            Some("http://a/prev?q")
        );
        assert_eq!(
            referer("https://a/", "http://a/prev").as_deref(),
            Some("http://a/prev")
        );
        assert_eq!(referer("http://a/", "https://a/prev"), None);
    }
}
