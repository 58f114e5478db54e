//! The [`Store`] trait: where monitors, results, alerts and users live.
//!
//! gomon-core never touches a database itself; it talks to an `Arc<dyn Store>`.
//! Backends (`gomon-store-memory`, `gomon-store-postgres`) implement this trait and
//! prove it with the conformance suite in [`crate::conformance`] (feature `test-util`).
//!
//! # Contract
//!
//! * **Not found.** A method addressing one monitor, alert or user that does not
//!   exist returns [`Error::NotFound`](crate::Error::NotFound). Methods that list
//!   return an empty list instead.
//! * **Uniqueness.** Usernames are unique; monitor ids are unique; monitor names
//!   are unique per owner (two owners may both have `api`); a monitor has at most
//!   one open alert. Breaking any of these returns [`Error::Conflict`](crate::Error::Conflict)
//!   and changes nothing.
//! * **Owner isolation** is the caller's job at the API layer, but every
//!   owner-scoped method here ([`monitor_by_name`](Store::monitor_by_name),
//!   [`list_monitors`](Store::list_monitors), [`count_monitors`](Store::count_monitors))
//!   sees only that owner's monitors.
//! * **Time ranges** are half-open, `[start, end)`: see [`TimeRange`].
//! * **Precision.** Timestamps and latencies are kept to the microsecond (at
//!   least); monitor durations to the millisecond.
//! * **Results** are written in batches. A batch is atomic (all stored or none),
//!   and idempotent per `(monitor, started_at)`: a batch retried after an error
//!   whose outcome was unknown does not count a probe twice. Results of a monitor
//!   that no longer exists are discarded, because deleting a monitor deletes its
//!   results.
//! * **Ordering.** Monitor lists are ordered by name, alert lists newest first by
//!   `(opened_at, id)`, failure lists oldest first by `started_at`.
//! * **Transient failures** (the backend cannot be reached) are reported as
//!   [`Error::Unavailable`](crate::Error::Unavailable) so callers know to retry.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;
use crate::model::{
    Alert, AlertCursor, AlertId, CallStats, Monitor, MonitorId, NewUser, ProbeResult, TimeRange,
    User, UserId,
};

/// Persistent state of gomon. See the [module docs](self) for the contract.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates a user with a fresh id. `Conflict` if the username is taken.
    async fn create_user(&self, user: NewUser) -> Result<User>;

    /// The user with this exact username. `NotFound` if there is none.
    async fn user_by_name(&self, username: &str) -> Result<User>;

    /// Stores a new monitor. `Conflict` if its id exists or its owner already has
    /// a monitor of that name.
    async fn create_monitor(&self, monitor: &Monitor) -> Result<()>;

    /// The monitor with this id, whatever its owner. `NotFound` if none.
    async fn monitor(&self, id: MonitorId) -> Result<Monitor>;

    /// The owner's monitor of that name. `NotFound` if the owner has none, even
    /// if another owner has one of that name.
    async fn monitor_by_name(&self, owner: UserId, name: &str) -> Result<Monitor>;

    /// Up to `limit` of the owner's monitors ordered by name, starting after the
    /// name `after` when given (keyset pagination).
    async fn list_monitors(
        &self,
        owner: UserId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Monitor>>;

    /// How many monitors the owner has.
    async fn count_monitors(&self, owner: UserId) -> Result<u64>;

    /// Every monitor of every owner, ordered by id: what the scheduler loads at start.
    async fn all_monitors(&self) -> Result<Vec<Monitor>>;

    /// Replaces the stored monitor that has this monitor's id. `NotFound` if there
    /// is none; `Conflict` if a rename collides with another of the owner's monitors.
    async fn update_monitor(&self, monitor: &Monitor) -> Result<()>;

    /// Deletes the monitor with its results and alerts. `NotFound` if none.
    async fn delete_monitor(&self, id: MonitorId) -> Result<()>;

    /// Stores a batch of results, atomically and idempotently (see the contract).
    async fn record_results(&self, results: &[ProbeResult]) -> Result<()>;

    /// Successes, failures and summed latency of the monitor's probes that
    /// started in `range`. `NotFound` if the monitor does not exist.
    async fn stats(&self, monitor: MonitorId, range: TimeRange) -> Result<CallStats>;

    /// Every failed result of any monitor with `started_at >= since`, oldest
    /// first: what the alert policy is rebuilt from after a restart.
    async fn failures_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>>;

    /// Stores a newly opened alert. `NotFound` if its monitor does not exist;
    /// `Conflict` if the monitor already has an open alert.
    async fn open_alert(&self, alert: &Alert) -> Result<()>;

    /// Marks an alert resolved at `at`. `NotFound` if no such alert. Resolving an
    /// already resolved alert keeps its first resolution time and is not an error.
    async fn resolve_alert(&self, id: AlertId, at: DateTime<Utc>) -> Result<()>;

    /// Up to `limit` of the monitor's alerts, newest first, strictly older than
    /// `before` when given. An unknown monitor has no alerts.
    async fn list_alerts(
        &self,
        monitor: MonitorId,
        before: Option<AlertCursor>,
        limit: usize,
    ) -> Result<Vec<Alert>>;

    /// Every open alert of every monitor.
    async fn open_alerts(&self) -> Result<Vec<Alert>>;
}
