//! # gomon-store-memory
//!
//! [`MemoryStore`]: a [`Store`] held in process memory. It needs no setup, which
//! makes it the default of `gomon-server` and the natural store for embedding
//! gomon in an application that keeps no history across restarts.
//!
//! Results older than a retention horizon (25 h by default, enough for the 24 h
//! stats) are pruned as new results arrive, so memory stays bounded by the
//! number of monitors times the probes in the horizon.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use gomon_core::{
    Alert, AlertCursor, AlertId, CallStats, Error, Monitor, MonitorId, NewUser, ProbeOutcome,
    ProbeResult, Result, Store, TimeRange, User, UserId,
};

/// How long results are kept when no other horizon is set.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(25 * 60 * 60);

/// One stored probe; the monitor and start time are the keys around it.
#[derive(Debug, Clone, Copy)]
struct Sample {
    latency: Duration,
    outcome: ProbeOutcome,
}

/// Everything about one monitor, behind one lock so that a delete removes the
/// monitor, its results and its alerts at once.
#[derive(Debug)]
struct MonitorEntry {
    monitor: Monitor,
    results: BTreeMap<DateTime<Utc>, Sample>,
    /// Oldest first by `(opened_at, id)`.
    alerts: Vec<Alert>,
}

/// Monitor names per owner, kept under one mutex with the id map's writes so
/// that the uniqueness checks and the writes they guard cannot interleave.
#[derive(Debug, Default)]
struct Names {
    by_owner: HashMap<UserId, BTreeMap<String, MonitorId>>,
}

/// A [`Store`] in memory. Cheap to create; clone the `Arc` to share it.
#[derive(Debug)]
pub struct MemoryStore {
    users: DashMap<String, User>,
    monitors: DashMap<MonitorId, MonitorEntry>,
    names: Mutex<Names>,
    retention: TimeDelta,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store with the default 25 h retention.
    pub fn new() -> Self {
        Self::with_retention(DEFAULT_RETENTION)
    }

    /// An empty store that prunes results older than `retention` (measured from
    /// the newest result of the same monitor).
    pub fn with_retention(retention: Duration) -> Self {
        Self {
            users: DashMap::new(),
            monitors: DashMap::new(),
            names: Mutex::new(Names::default()),
            retention: TimeDelta::from_std(retention).unwrap_or(TimeDelta::MAX),
        }
    }

    /// How many results are held in all, for tests and metrics.
    pub fn result_count(&self) -> usize {
        self.monitors.iter().map(|e| e.results.len()).sum()
    }

    fn names(&self) -> MutexGuard<'_, Names> {
        // A panic while holding the lock cannot leave the map half-written
        // (every write is a single insert or remove), so a poisoned lock is safe to reuse.
        self.names.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn monitor_not_found(id: MonitorId) -> Error {
    Error::not_found(format!("monitor {id}"))
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        match self.users.entry(user.username.clone()) {
            Entry::Occupied(_) => Err(Error::Conflict(format!(
                "username {:?} is taken",
                user.username
            ))),
            Entry::Vacant(slot) => {
                let stored = User {
                    id: UserId::new(),
                    username: user.username,
                    password_hash: user.password_hash,
                    created_at: Utc::now(),
                };
                slot.insert(stored.clone());
                Ok(stored)
            }
        }
    }

    async fn user_by_name(&self, username: &str) -> Result<User> {
        self.users
            .get(username)
            .map(|u| u.clone())
            .ok_or_else(|| Error::not_found(format!("user {username:?}")))
    }

    async fn create_monitor(&self, monitor: &Monitor) -> Result<()> {
        let mut names = self.names();
        let owned = names.by_owner.entry(monitor.owner()).or_default();
        if owned.contains_key(monitor.name()) {
            return Err(Error::Conflict(format!(
                "a monitor named {:?} already exists",
                monitor.name()
            )));
        }
        match self.monitors.entry(monitor.id()) {
            Entry::Occupied(_) => Err(Error::Conflict(format!(
                "monitor id {} already exists",
                monitor.id()
            ))),
            Entry::Vacant(slot) => {
                slot.insert(MonitorEntry {
                    monitor: monitor.clone(),
                    results: BTreeMap::new(),
                    alerts: Vec::new(),
                });
                owned.insert(monitor.name().to_owned(), monitor.id());
                Ok(())
            }
        }
    }

    async fn monitor(&self, id: MonitorId) -> Result<Monitor> {
        self.monitors
            .get(&id)
            .map(|e| e.monitor.clone())
            .ok_or_else(|| monitor_not_found(id))
    }

    async fn monitor_by_name(&self, owner: UserId, name: &str) -> Result<Monitor> {
        let id = self
            .names()
            .by_owner
            .get(&owner)
            .and_then(|owned| owned.get(name).copied());
        id.and_then(|id| self.monitors.get(&id).map(|e| e.monitor.clone()))
            .ok_or_else(|| Error::not_found(format!("monitor {name:?}")))
    }

    async fn list_monitors(
        &self,
        owner: UserId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Monitor>> {
        let ids: Vec<MonitorId> = {
            let names = self.names();
            let Some(owned) = names.by_owner.get(&owner) else {
                return Ok(Vec::new());
            };
            let range = match after {
                Some(after) => owned.range::<str, _>((
                    std::ops::Bound::Excluded(after),
                    std::ops::Bound::Unbounded,
                )),
                None => owned.range::<str, _>(..),
            };
            range.take(limit).map(|(_, &id)| id).collect()
        };
        Ok(ids
            .into_iter()
            .filter_map(|id| self.monitors.get(&id).map(|e| e.monitor.clone()))
            .collect())
    }

    async fn count_monitors(&self, owner: UserId) -> Result<u64> {
        let names = self.names();
        Ok(names.by_owner.get(&owner).map_or(0, |m| m.len() as u64))
    }

    async fn all_monitors(&self) -> Result<Vec<Monitor>> {
        let mut all: Vec<Monitor> = self.monitors.iter().map(|e| e.monitor.clone()).collect();
        all.sort_by_key(Monitor::id);
        Ok(all)
    }

    async fn update_monitor(&self, monitor: &Monitor) -> Result<()> {
        let mut names = self.names();
        let mut entry = self
            .monitors
            .get_mut(&monitor.id())
            .ok_or_else(|| monitor_not_found(monitor.id()))?;
        let old = entry.monitor.clone();
        let renamed = old.owner() != monitor.owner() || old.name() != monitor.name();
        if renamed {
            let taken = names
                .by_owner
                .get(&monitor.owner())
                .is_some_and(|owned| owned.contains_key(monitor.name()));
            if taken {
                return Err(Error::Conflict(format!(
                    "a monitor named {:?} already exists",
                    monitor.name()
                )));
            }
            if let Some(owned) = names.by_owner.get_mut(&old.owner()) {
                owned.remove(old.name());
            }
            names
                .by_owner
                .entry(monitor.owner())
                .or_default()
                .insert(monitor.name().to_owned(), monitor.id());
        }
        entry.monitor = monitor.clone();
        Ok(())
    }

    async fn delete_monitor(&self, id: MonitorId) -> Result<()> {
        let mut names = self.names();
        let (_, entry) = self
            .monitors
            .remove(&id)
            .ok_or_else(|| monitor_not_found(id))?;
        if let Some(owned) = names.by_owner.get_mut(&entry.monitor.owner()) {
            owned.remove(entry.monitor.name());
            if owned.is_empty() {
                names.by_owner.remove(&entry.monitor.owner());
            }
        }
        Ok(())
    }

    async fn record_results(&self, results: &[ProbeResult]) -> Result<()> {
        for r in results {
            // A monitor deleted while its results were queued: its history is gone by design.
            let Some(mut entry) = self.monitors.get_mut(&r.monitor) else {
                continue;
            };
            let sample = Sample {
                latency: r.latency,
                outcome: r.outcome,
            };
            entry.results.entry(r.started_at).or_insert(sample);
            prune(&mut entry.results, self.retention);
        }
        Ok(())
    }

    async fn stats(&self, monitor: MonitorId, range: TimeRange) -> Result<CallStats> {
        let entry = self
            .monitors
            .get(&monitor)
            .ok_or_else(|| monitor_not_found(monitor))?;
        let mut stats = CallStats::default();
        if range.start >= range.end {
            return Ok(stats);
        }
        for sample in entry.results.range(range.start..range.end).map(|(_, s)| s) {
            if sample.outcome.is_failure() {
                stats.failures += 1;
            } else {
                stats.successes += 1;
            }
            stats.total_latency += sample.latency;
        }
        Ok(stats)
    }

    async fn failures_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        let mut failures: Vec<ProbeResult> = Vec::new();
        for entry in self.monitors.iter() {
            let id = entry.monitor.id();
            failures.extend(
                entry
                    .results
                    .range(since..)
                    .filter(|(_, s)| s.outcome.is_failure())
                    .map(|(&started_at, s)| ProbeResult {
                        monitor: id,
                        started_at,
                        latency: s.latency,
                        outcome: s.outcome,
                    }),
            );
        }
        failures.sort_by_key(|r| r.started_at);
        Ok(failures)
    }

    async fn open_alert(&self, alert: &Alert) -> Result<()> {
        let mut entry = self
            .monitors
            .get_mut(&alert.monitor)
            .ok_or_else(|| monitor_not_found(alert.monitor))?;
        if entry.alerts.iter().any(Alert::is_open) {
            return Err(Error::Conflict(format!(
                "monitor {} already has an open alert",
                alert.monitor
            )));
        }
        let key = (alert.opened_at, alert.id);
        let at = entry.alerts.partition_point(|a| (a.opened_at, a.id) < key);
        entry.alerts.insert(at, alert.clone());
        Ok(())
    }

    async fn resolve_alert(&self, id: AlertId, at: DateTime<Utc>) -> Result<()> {
        for mut entry in self.monitors.iter_mut() {
            if let Some(alert) = entry.alerts.iter_mut().find(|a| a.id == id) {
                alert.resolved_at.get_or_insert(at);
                return Ok(());
            }
        }
        Err(Error::not_found(format!("alert {id}")))
    }

    async fn list_alerts(
        &self,
        monitor: MonitorId,
        before: Option<AlertCursor>,
        limit: usize,
    ) -> Result<Vec<Alert>> {
        let Some(entry) = self.monitors.get(&monitor) else {
            return Ok(Vec::new());
        };
        let end = match before {
            Some(c) => entry
                .alerts
                .partition_point(|a| (a.opened_at, a.id) < (c.opened_at, c.id)),
            None => entry.alerts.len(),
        };
        Ok(entry.alerts[..end]
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }

    async fn open_alerts(&self) -> Result<Vec<Alert>> {
        Ok(self
            .monitors
            .iter()
            .flat_map(|e| {
                e.alerts
                    .iter()
                    .filter(|a| a.is_open())
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect())
    }
}

/// Drops results older than `retention` before the newest one.
///
/// Called after each insert: the oldest key is checked first, so the common case
/// (nothing to prune) costs one comparison.
fn prune(results: &mut BTreeMap<DateTime<Utc>, Sample>, retention: TimeDelta) {
    let Some((&newest, _)) = results.last_key_value() else {
        return;
    };
    let Some(horizon) = newest.checked_sub_signed(retention) else {
        return;
    };
    while let Some(entry) = results.first_entry() {
        if *entry.key() >= horizon {
            break;
        }
        entry.remove();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gomon_core::conformance::{at, monitor, result};

    use super::*;

    async fn new_store() -> Arc<dyn Store> {
        Arc::new(MemoryStore::new())
    }

    gomon_core::conformance_tests!(new_store);

    /// The suite again on the concrete type, not through `dyn Store`.
    mod concrete {
        use super::*;

        async fn new_store() -> Arc<MemoryStore> {
            Arc::new(MemoryStore::new())
        }

        gomon_core::conformance_tests!(new_store);
    }

    #[tokio::test]
    async fn results_past_the_retention_horizon_are_pruned() {
        let store = MemoryStore::with_retention(Duration::from_secs(3600));
        let m = monitor(UserId::new(), "pruned");
        store.create_monitor(&m).await.expect("create");
        // One result a minute for three hours.
        for minute in 0..180 {
            let r = result(m.id(), at(minute * 60), ProbeOutcome::Status(200));
            store.record_results(&[r]).await.expect("record");
        }
        // Kept: the newest (minute 179) and everything back to exactly one hour before it.
        assert_eq!(store.result_count(), 61);
        let old = store
            .stats(m.id(), TimeRange::new(at(0), at(118 * 60)))
            .await
            .expect("stats");
        assert_eq!(old.total(), 0);
    }
}
