//! [`Monitor`]: one URL to probe, how often, and when its failures raise an alert.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use super::{MonitorId, UserId};
use crate::error::InvalidMonitor;

/// Probe period when none is given.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// Per-probe timeout when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Trailing window of the alert rule when none is given.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The shortest interval a monitor may have.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest interval (and window) a monitor may have.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest monitor name, in characters.
pub const MAX_NAME_LEN: usize = 64;
/// The longest URL, in characters.
pub const MAX_URL_LEN: usize = 2048;

/// What a user asks to monitor, before validation.
///
/// Build one with [`MonitorSpec::new`], adjust it with the `with_*` methods,
/// and turn it into a [`Monitor`] with [`MonitorSpec::build`], which checks every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSpec {
    /// Who owns the monitor; [`UserId::LOCAL`] for embedding applications.
    pub owner: UserId,
    /// Unique per owner: 1 to 64 of `[A-Za-z0-9_.-]`.
    pub name: String,
    /// Absolute http or https URL with a host.
    pub url: String,
    /// An alert opens when more than this many probes fail within `window`.
    pub threshold: u32,
    /// Time between two probes (1 s ..= 24 h).
    pub interval: Duration,
    /// Per-probe timeout, connect to last body byte; shorter than `interval`.
    pub timeout: Duration,
    /// Trailing window of the alert rule.
    pub window: Duration,
}

impl MonitorSpec {
    /// A spec with the default interval, timeout and window, owned by [`UserId::LOCAL`].
    pub fn new(name: impl Into<String>, url: impl Into<String>, threshold: u32) -> Self {
        Self {
            owner: UserId::LOCAL,
            name: name.into(),
            url: url.into(),
            threshold,
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            window: DEFAULT_WINDOW,
        }
    }

    /// Sets the owner.
    pub fn with_owner(mut self, owner: UserId) -> Self {
        self.owner = owner;
        self
    }

    /// Sets the interval.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the per-probe timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the alert window.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Validates the spec and makes a new monitor with a fresh id, created now.
    pub fn build(self) -> Result<Monitor, InvalidMonitor> {
        self.build_with(MonitorId::new(), Utc::now())
    }

    /// Validates the spec and makes a monitor with the given identity.
    ///
    /// Stores use this to rebuild monitors they loaded; updates use it to keep the id.
    pub fn build_with(
        self,
        id: MonitorId,
        created_at: DateTime<Utc>,
    ) -> Result<Monitor, InvalidMonitor> {
        validate_name(&self.name)?;
        let url = validate_url(&self.url)?;
        if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&self.interval) {
            return Err(InvalidMonitor::Interval(self.interval));
        }
        if self.timeout.is_zero() || self.timeout >= self.interval {
            return Err(InvalidMonitor::Timeout {
                timeout: self.timeout,
                interval: self.interval,
            });
        }
        if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&self.window) {
            return Err(InvalidMonitor::Window(self.window));
        }
        if self.window < self.interval {
            return Err(InvalidMonitor::WindowShorterThanInterval {
                window: self.window,
                interval: self.interval,
            });
        }
        let max_probes = max_probes_in_window(self.interval, self.window);
        if self.threshold >= max_probes {
            return Err(InvalidMonitor::Unreachable {
                threshold: self.threshold,
                max_probes,
                max_threshold: max_probes.saturating_sub(1),
                interval: self.interval,
                window: self.window,
            });
        }
        Ok(Monitor {
            id,
            owner: self.owner,
            name: self.name,
            url,
            threshold: self.threshold,
            interval: self.interval,
            timeout: self.timeout,
            window: self.window,
            created_at,
        })
    }
}

/// How many probes can start inside one trailing window.
///
/// The window excludes its far edge, so a probe every `interval` fits exactly
/// `window / interval` (rounded down) times.
fn max_probes_in_window(interval: Duration, window: Duration) -> u32 {
    let probes = window.as_nanos() / interval.as_nanos().max(1);
    u32::try_from(probes).unwrap_or(u32::MAX)
}

/// Checks a monitor name against the rules [`MonitorSpec::build`] applies:
/// 1 to 64 of `[A-Za-z0-9_.-]`. Callers that look monitors up by a name from
/// outside can refuse impossible names before asking a store.
pub fn validate_name(name: &str) -> Result<(), InvalidMonitor> {
    if name.is_empty() {
        return Err(InvalidMonitor::EmptyName);
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(InvalidMonitor::NameTooLong { max: MAX_NAME_LEN });
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(InvalidMonitor::NameCharacters);
    }
    Ok(())
}

fn validate_url(raw: &str) -> Result<Url, InvalidMonitor> {
    if raw.len() > MAX_URL_LEN {
        return Err(InvalidMonitor::UrlTooLong { max: MAX_URL_LEN });
    }
    let url = Url::parse(raw).map_err(|e| InvalidMonitor::UrlSyntax(e.to_string()))?;
    // Parsing percent-encodes (a space becomes %20), so the stored form can be
    // longer than the input: the limit applies to what is stored.
    if url.as_str().len() > MAX_URL_LEN {
        return Err(InvalidMonitor::UrlTooLong { max: MAX_URL_LEN });
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(InvalidMonitor::UrlScheme(url.scheme().to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(InvalidMonitor::UrlHost);
    }
    Ok(url)
}

/// A validated monitor: every field obeys the rules checked by [`MonitorSpec::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    id: MonitorId,
    owner: UserId,
    name: String,
    url: Url,
    threshold: u32,
    interval: Duration,
    timeout: Duration,
    window: Duration,
    created_at: DateTime<Utc>,
}

impl Monitor {
    /// The monitor's identifier.
    pub fn id(&self) -> MonitorId {
        self.id
    }
    /// The owner.
    pub fn owner(&self) -> UserId {
        self.owner
    }
    /// The name, unique per owner.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The URL probed.
    pub fn url(&self) -> &Url {
        &self.url
    }
    /// Failures in the window above which an alert opens.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }
    /// Time between two probes.
    pub fn interval(&self) -> Duration {
        self.interval
    }
    /// Per-probe timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// Trailing window of the alert rule.
    pub fn window(&self) -> Duration {
        self.window
    }
    /// When the monitor was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// The spec this monitor was built from, to change and [`build_with`](MonitorSpec::build_with) again.
    pub fn to_spec(&self) -> MonitorSpec {
        MonitorSpec {
            owner: self.owner,
            name: self.name.clone(),
            url: self.url.to_string(),
            threshold: self.threshold,
            interval: self.interval,
            timeout: self.timeout,
            window: self.window,
        }
    }

    /// Applies a changed spec, keeping this monitor's id and creation time.
    pub fn updated(&self, spec: MonitorSpec) -> Result<Monitor, InvalidMonitor> {
        spec.build_with(self.id, self.created_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> MonitorSpec {
        MonitorSpec::new("api", "https://example.com/health", 2)
    }

    #[test]
    fn a_valid_spec_builds_with_defaults() {
        let m = spec().build().expect("valid");
        assert_eq!(m.name(), "api");
        assert_eq!(m.url().as_str(), "https://example.com/health");
        assert_eq!(m.interval(), DEFAULT_INTERVAL);
        assert_eq!(m.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(m.window(), DEFAULT_WINDOW);
        assert_eq!(m.owner(), UserId::LOCAL);
    }

    #[test]
    fn names_are_checked() {
        let err = |name: &str| {
            MonitorSpec {
                name: name.into(),
                ..spec()
            }
            .build()
            .unwrap_err()
        };
        assert_eq!(err(""), InvalidMonitor::EmptyName);
        assert_eq!(
            err(&"a".repeat(65)),
            InvalidMonitor::NameTooLong { max: 64 }
        );
        assert_eq!(err("has space"), InvalidMonitor::NameCharacters);
        assert_eq!(err("ünï"), InvalidMonitor::NameCharacters);
        assert!(
            MonitorSpec {
                name: "a".repeat(64),
                ..spec()
            }
            .build()
            .is_ok()
        );
        assert!(
            MonitorSpec {
                name: "A-b_c.9".into(),
                ..spec()
            }
            .build()
            .is_ok()
        );
    }

    #[test]
    fn urls_are_checked() {
        let err = |url: &str| {
            MonitorSpec {
                url: url.into(),
                ..spec()
            }
            .build()
            .unwrap_err()
        };
        assert!(matches!(err("not a url"), InvalidMonitor::UrlSyntax(_)));
        assert_eq!(
            err("ftp://example.com/"),
            InvalidMonitor::UrlScheme("ftp".into())
        );
        assert_eq!(
            err("file:///etc/passwd"),
            InvalidMonitor::UrlScheme("file".into())
        );
        assert!(matches!(
            err("http://"),
            InvalidMonitor::UrlSyntax(_) | InvalidMonitor::UrlHost
        ));
        let long = format!("http://example.com/{}", "a".repeat(2048));
        assert_eq!(err(&long), InvalidMonitor::UrlTooLong { max: 2048 });
        // Short enough as typed, too long once percent-encoded as stored.
        let spaces = format!("http://e.com/{}", " x".repeat(1000));
        assert!(spaces.len() <= MAX_URL_LEN);
        assert_eq!(err(&spaces), InvalidMonitor::UrlTooLong { max: 2048 });
        assert!(
            MonitorSpec {
                url: "http://127.0.0.1:8080/x?y=1".into(),
                ..spec()
            }
            .build()
            .is_ok()
        );
    }

    #[test]
    fn interval_and_timeout_are_checked() {
        let s = spec();
        assert_eq!(
            s.clone()
                .with_interval(Duration::from_millis(999))
                .build()
                .unwrap_err(),
            InvalidMonitor::Interval(Duration::from_millis(999))
        );
        assert!(matches!(
            s.clone()
                .with_interval(MAX_INTERVAL + Duration::from_secs(1))
                .build(),
            Err(InvalidMonitor::Interval(_))
        ));
        assert!(matches!(
            s.clone().with_timeout(DEFAULT_INTERVAL).build(),
            Err(InvalidMonitor::Timeout { .. })
        ));
        assert!(matches!(
            s.clone().with_timeout(Duration::ZERO).build(),
            Err(InvalidMonitor::Timeout { .. })
        ));
        assert!(matches!(
            s.with_window(Duration::ZERO).build(),
            Err(InvalidMonitor::Window(_))
        ));
    }

    #[test]
    fn a_threshold_that_can_never_fire_is_refused_with_the_reason() {
        // 5 minutes at one probe a minute: at most 5 failures fit, so 4 is the most that can fire.
        assert!(MonitorSpec::new("a", "http://h/", 4).build().is_ok());
        let err = MonitorSpec::new("a", "http://h/", 5).build().unwrap_err();
        assert_eq!(
            err,
            InvalidMonitor::Unreachable {
                threshold: 5,
                max_probes: 5,
                max_threshold: 4,
                interval: DEFAULT_INTERVAL,
                window: DEFAULT_WINDOW,
            }
        );
        let message = err.to_string();
        assert!(message.contains("can never be exceeded"), "{message}");
        assert!(
            message.contains("largest threshold that can fire is 4"),
            "{message}"
        );
        // A window shorter than the interval holds no probe at all: nothing can fire,
        // and the message says what to change rather than naming a threshold.
        let err = MonitorSpec::new("a", "http://h/", 0)
            .with_window(Duration::from_secs(30))
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            InvalidMonitor::WindowShorterThanInterval { .. }
        ));
        assert!(err.to_string().contains("at least one interval"), "{err}");
    }

    #[test]
    fn updating_keeps_identity() {
        let m = spec().build().expect("valid");
        let changed = m
            .updated(m.to_spec().with_interval(Duration::from_secs(30)))
            .expect("valid");
        assert_eq!(changed.id(), m.id());
        assert_eq!(changed.created_at(), m.created_at());
        assert_eq!(changed.interval(), Duration::from_secs(30));
    }
}
