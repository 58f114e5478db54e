//! [`AppState`]: what every handler shares: the store, the monitoring loop,
//! the token keys and the request-level settings.

use std::sync::Arc;
use std::time::Duration;

use gomon_core::{Clock, Gomon, Store};

use crate::auth::Tokens;
use crate::config::{Config, SignupMode};

/// Request-level rules taken from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Most monitors one user may have.
    pub max_monitors_per_user: u64,
    /// Interval of monitors created without one.
    pub default_interval: Duration,
    /// Timeout of monitors created without one.
    pub default_timeout: Duration,
    /// Window of monitors created without one.
    pub default_window: Duration,
    /// Whether sign-up is open.
    pub signup_open: bool,
}

impl Settings {
    /// The settings of a configuration.
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_monitors_per_user: config.max_monitors_per_user,
            default_interval: config.default_interval,
            default_timeout: config.default_timeout,
            default_window: config.default_window,
            signup_open: config.signup == SignupMode::Open,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_monitors_per_user: 100,
            default_interval: Duration::from_secs(30),
            default_timeout: Duration::from_secs(10),
            default_window: Duration::from_secs(300),
            signup_open: true,
        }
    }
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    gomon: Gomon,
    tokens: Tokens,
    settings: Settings,
    clock: Arc<dyn Clock>,
    create_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.0.settings)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a running monitoring loop and its store.
    pub fn new(gomon: Gomon, tokens: Tokens, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self(Arc::new(Inner {
            store: gomon.store().clone(),
            gomon,
            tokens,
            settings,
            clock,
            create_lock: tokio::sync::Mutex::new(()),
        }))
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        &*self.0.store
    }

    /// The monitoring loop.
    pub fn gomon(&self) -> &Gomon {
        &self.0.gomon
    }

    /// Token issuing and checking.
    pub fn tokens(&self) -> &Tokens {
        &self.0.tokens
    }

    /// Request-level settings.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// Held while a monitor is counted against the per-user limit and created.
    pub(crate) fn create_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.0.create_lock
    }

    /// Wall-clock time, for token expiry and stats windows.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.clock.now()
    }
}
