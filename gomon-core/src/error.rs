//! The one error type of gomon-core, shared by the store backends.

use std::time::Duration;

/// Result alias used across gomon-core and its store backends.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in gomon-core or a [`Store`](crate::Store).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A monitor, user or alert does not exist (or belongs to someone else).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `monitor "api"`.
        what: String,
    },

    /// The write would break a uniqueness rule (duplicate name, second open alert).
    #[error("conflict: {0}")]
    Conflict(String),

    /// Input that breaks a domain rule; the message says which and why.
    #[error(transparent)]
    Invalid(#[from] InvalidMonitor),

    /// The store cannot be reached right now; the operation may succeed if retried.
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// The monitoring loop has shut down and no longer accepts commands.
    #[error("gomon is shut down")]
    ShutDown,

    /// The HTTP client could not be built (bad TLS setup and the like).
    #[error("cannot build the HTTP client")]
    HttpClient(#[source] reqwest::Error),

    /// Any other store failure; retrying is not expected to help.
    #[error("store error")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Why a monitor definition was refused by [`MonitorSpec::validate`](crate::MonitorSpec).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidMonitor {
    /// The name is empty.
    #[error("the monitor name is empty")]
    EmptyName,
    /// The name is longer than [`MAX_NAME_LEN`](crate::model::MAX_NAME_LEN).
    #[error("the monitor name is longer than {max} characters")]
    NameTooLong {
        /// The limit.
        max: usize,
    },
    /// The name has a character outside `[A-Za-z0-9_.-]`.
    #[error("the monitor name may only contain letters, digits, '_', '.' and '-'")]
    NameCharacters,
    /// The URL does not parse.
    #[error("the url is not a valid absolute URL: {0}")]
    UrlSyntax(String),
    /// The URL is longer than [`MAX_URL_LEN`](crate::model::MAX_URL_LEN).
    #[error("the url is longer than {max} characters")]
    UrlTooLong {
        /// The limit.
        max: usize,
    },
    /// The scheme is not http or https.
    #[error("the url scheme must be http or https, not {0:?}")]
    UrlScheme(String),
    /// The URL has no host.
    #[error("the url has no host")]
    UrlHost,
    /// The interval is outside 1 s ..= 24 h.
    #[error("the interval must be between 1s and 24h, not {0:?}")]
    Interval(Duration),
    /// The timeout is zero or not shorter than the interval.
    #[error(
        "the timeout ({timeout:?}) must be above zero and shorter than the interval ({interval:?})"
    )]
    Timeout {
        /// The requested timeout.
        timeout: Duration,
        /// The monitor's interval.
        interval: Duration,
    },
    /// The window is outside 1 s ..= 24 h.
    #[error("the window must be between 1s and 24h, not {0:?}")]
    Window(Duration),
    /// The window is shorter than the interval: no probe, so no alert, fits in it.
    #[error(
        "the window ({window:?}) must be at least one interval ({interval:?}): a shorter \
         window never holds a probe, so no alert could ever open"
    )]
    WindowShorterThanInterval {
        /// The requested window.
        window: Duration,
        /// The monitor's interval.
        interval: Duration,
    },
    /// The threshold can never be exceeded at this interval and window.
    #[error(
        "a threshold of {threshold} can never be exceeded: one probe every {interval:?} gives at \
         most {max_probes} probes in a {window:?} window, so the largest threshold that can fire \
         is {max_threshold}"
    )]
    Unreachable {
        /// The requested threshold.
        threshold: u32,
        /// Probes that fit in one window.
        max_probes: u32,
        /// `max_probes - 1`: the largest threshold that can still open an alert.
        max_threshold: u32,
        /// The monitor's interval.
        interval: Duration,
        /// The monitor's window.
        window: Duration,
    },
}
