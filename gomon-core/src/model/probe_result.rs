//! [`ProbeResult`]: what one GET of a monitor's URL gave, and whether it counts as a failure.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::MonitorId;

/// Why a probe got no HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProbeError {
    /// No complete response within the monitor's timeout.
    Timeout,
    /// The TCP connection was refused, reset or could not be made.
    Connect,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed (bad certificate, protocol mismatch).
    Tls,
    /// More redirects than the prober follows.
    RedirectLoop,
    /// Anything else: a malformed response, a connection closed mid-response.
    Other,
}

impl ProbeError {
    /// Every variant, in a stable order.
    pub const ALL: [ProbeError; 6] = [
        Self::Timeout,
        Self::Connect,
        Self::Dns,
        Self::Tls,
        Self::RedirectLoop,
        Self::Other,
    ];

    /// A short stable name, used in storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Dns => "dns",
            Self::Tls => "tls",
            Self::RedirectLoop => "redirect_loop",
            Self::Other => "other",
        }
    }

    /// The inverse of [`as_str`](Self::as_str); unknown names map to [`ProbeError::Other`].
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == name)
            .unwrap_or(Self::Other)
    }
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a probe ended with: an HTTP status, or the reason there was none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// The final HTTP status, after redirects.
    Status(u16),
    /// No HTTP response.
    Error(ProbeError),
}

impl ProbeOutcome {
    /// The failure rule of gomon: no response, or a status of 500 or above.
    /// 1xx–4xx count as successes, as they did in GoMon.
    pub fn is_failure(self) -> bool {
        match self {
            Self::Status(status) => status >= 500,
            Self::Error(_) => true,
        }
    }

    /// The HTTP status, if there was a response.
    pub fn status(self) -> Option<u16> {
        match self {
            Self::Status(status) => Some(status),
            Self::Error(_) => None,
        }
    }

    /// The error, if there was no response.
    pub fn error(self) -> Option<ProbeError> {
        match self {
            Self::Status(_) => None,
            Self::Error(e) => Some(e),
        }
    }
}

impl std::fmt::Display for ProbeOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Error(e) => write!(f, "{e}"),
        }
    }
}

/// One probe of one monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// The monitor probed.
    pub monitor: MonitorId,
    /// Wall-clock time the probe started; alert windows and stats use it.
    pub started_at: DateTime<Utc>,
    /// From sending the request to the end of the (capped) body, or to the error.
    pub latency: Duration,
    /// Status or error.
    pub outcome: ProbeOutcome,
}

impl ProbeResult {
    /// See [`ProbeOutcome::is_failure`].
    pub fn is_failure(&self) -> bool {
        self.outcome.is_failure()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_rule_follows_design() {
        for status in [100, 200, 204, 301, 404, 499] {
            assert!(!ProbeOutcome::Status(status).is_failure(), "{status}");
        }
        for status in [500, 503, 599] {
            assert!(ProbeOutcome::Status(status).is_failure(), "{status}");
        }
        for e in ProbeError::ALL {
            assert!(ProbeOutcome::Error(e).is_failure(), "{e}");
        }
    }

    #[test]
    fn error_names_round_trip() {
        for e in ProbeError::ALL {
            assert_eq!(ProbeError::from_name(e.as_str()), e);
        }
        assert_eq!(ProbeError::from_name("bogus"), ProbeError::Other);
    }
}
