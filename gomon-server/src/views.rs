//! The JSON shapes of the `/v1` API, requests and responses, with their
//! OpenAPI schemas.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gomon_core::{Alert, CallStats, Monitor, TimeRange, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Sign-up or log-in credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// 3–32 of `[A-Za-z0-9_.-]`.
    pub username: String,
    /// 8–128 characters.
    pub password: String,
}

/// A user account (never with its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// The user's id.
    pub id: Uuid,
    /// The login name.
    pub username: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.0,
            username: user.username.clone(),
            created_at: user.created_at,
        }
    }
}

/// A bearer token for the `Authorization` header.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

/// A monitor to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMonitor {
    /// 1–64 of `[A-Za-z0-9_.-]`, unique among your monitors.
    pub name: String,
    /// Absolute http or https URL, at most 2 048 characters.
    pub url: String,
    /// An alert opens when more than this many probes fail within the window.
    pub threshold: u32,
    /// Time between probes, e.g. `30s` (server default if absent).
    pub interval: Option<String>,
    /// Per-probe timeout, shorter than the interval, e.g. `10s`.
    pub timeout: Option<String>,
    /// Alert window, e.g. `5m`.
    pub window: Option<String>,
}

/// Changes to a monitor; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMonitor {
    /// A new name.
    pub name: Option<String>,
    /// A new URL.
    pub url: Option<String>,
    /// A new threshold.
    pub threshold: Option<u32>,
    /// A new interval.
    pub interval: Option<String>,
    /// A new timeout.
    pub timeout: Option<String>,
    /// A new window.
    pub window: Option<String>,
}

/// A monitor as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorView {
    /// The monitor's id.
    pub id: Uuid,
    /// The name, unique per user.
    pub name: String,
    /// The URL probed.
    pub url: String,
    /// Failures in the window above which an alert opens.
    pub threshold: u32,
    /// Time between probes, e.g. `30s`.
    pub interval: String,
    /// Per-probe timeout.
    pub timeout: String,
    /// Alert window.
    pub window: String,
    /// When the monitor was created.
    pub created_at: DateTime<Utc>,
}

/// Formats a duration the way the API accepts it: `30s`, `5m`, `1h 30m`.
pub fn duration_text(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

impl From<&Monitor> for MonitorView {
    fn from(m: &Monitor) -> Self {
        Self {
            id: m.id().0,
            name: m.name().to_owned(),
            url: m.url().to_string(),
            threshold: m.threshold(),
            interval: duration_text(m.interval()),
            timeout: duration_text(m.timeout()),
            window: duration_text(m.window()),
            created_at: m.created_at(),
        }
    }
}

/// One page of monitors, ordered by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorPage {
    /// The monitors of this page.
    pub monitors: Vec<MonitorView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query of paginated lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page, 1–1000 (default 50).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query of the stats route.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// How far back to count, e.g. `24h` (default), `1h`, `7d`; at most 400 days.
    pub window: Option<String>,
}

/// Probe counts over a window ending now.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    /// The window asked for.
    pub window: String,
    /// Start of the window (inclusive).
    pub from: DateTime<Utc>,
    /// End of the window (exclusive): now.
    pub to: DateTime<Utc>,
    /// Probes with a status below 500.
    pub successes: u64,
    /// Probes with no response or a status of 500 or above.
    pub failures: u64,
    /// successes / (successes + failures); absent when there were no probes.
    pub uptime: Option<f64>,
    /// Mean probe latency in milliseconds; absent when there were no probes.
    pub mean_latency_ms: Option<f64>,
}

impl StatsView {
    /// The view of `stats` counted over `range` (`window` as the user wrote it).
    pub fn new(window: String, range: TimeRange, stats: &CallStats) -> Self {
        Self {
            window,
            from: range.start,
            to: range.end,
            successes: stats.successes,
            failures: stats.failures,
            uptime: stats.uptime(),
            mean_latency_ms: stats.mean_latency().map(|d| d.as_secs_f64() * 1000.0),
        }
    }
}

/// An alert as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// The alert's id.
    pub id: Uuid,
    /// Start time of the failed probe that opened it.
    pub opened_at: DateTime<Utc>,
    /// When a whole window passed without failure; absent while open.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Failures in the window when it opened.
    pub failures: u32,
    /// HTTP status of the probe that opened it, if it got a response.
    pub last_status: Option<u16>,
    /// Why the probe that opened it got no response (`timeout`, `connect`, ...).
    pub last_error: Option<String>,
}

impl From<&Alert> for AlertView {
    fn from(a: &Alert) -> Self {
        Self {
            id: a.id.0,
            opened_at: a.opened_at,
            resolved_at: a.resolved_at,
            failures: a.failures,
            last_status: a.last_outcome.status(),
            last_error: a.last_outcome.error().map(|e| e.as_str().to_owned()),
        }
    }
}

/// One page of alerts, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertPage {
    /// The alerts of this page.
    pub alerts: Vec<AlertView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}
