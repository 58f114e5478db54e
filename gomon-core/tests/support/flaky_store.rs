//! A store that can be switched "down": writes then fail as `Unavailable`,
//! the way a lost database connection does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gomon_core::{
    Alert, AlertCursor, AlertId, CallStats, Error, Monitor, MonitorId, NewUser, ProbeResult,
    Result, Store, TimeRange, User, UserId,
};
use gomon_store_memory::MemoryStore;

#[derive(Default)]
pub struct FlakyStore {
    inner: MemoryStore,
    down: AtomicBool,
}

impl FlakyStore {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<()> {
        if self.down.load(Ordering::SeqCst) {
            Err(Error::Unavailable("the test switched the store off".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Store for FlakyStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        self.inner.create_user(user).await
    }
    async fn user_by_name(&self, username: &str) -> Result<User> {
        self.inner.user_by_name(username).await
    }
    async fn create_monitor(&self, monitor: &Monitor) -> Result<()> {
        self.inner.create_monitor(monitor).await
    }
    async fn monitor(&self, id: MonitorId) -> Result<Monitor> {
        self.inner.monitor(id).await
    }
    async fn monitor_by_name(&self, owner: UserId, name: &str) -> Result<Monitor> {
        self.inner.monitor_by_name(owner, name).await
    }
    async fn list_monitors(
        &self,
        owner: UserId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Monitor>> {
        self.inner.list_monitors(owner, after, limit).await
    }
    async fn count_monitors(&self, owner: UserId) -> Result<u64> {
        self.inner.count_monitors(owner).await
    }
    async fn all_monitors(&self) -> Result<Vec<Monitor>> {
        self.inner.all_monitors().await
    }
    async fn update_monitor(&self, monitor: &Monitor) -> Result<()> {
        self.inner.update_monitor(monitor).await
    }
    async fn delete_monitor(&self, id: MonitorId) -> Result<()> {
        self.inner.delete_monitor(id).await
    }
    async fn record_results(&self, results: &[ProbeResult]) -> Result<()> {
        self.check()?;
        self.inner.record_results(results).await
    }
    async fn stats(&self, monitor: MonitorId, range: TimeRange) -> Result<CallStats> {
        self.inner.stats(monitor, range).await
    }
    async fn failures_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        self.inner.failures_since(since).await
    }
    async fn open_alert(&self, alert: &Alert) -> Result<()> {
        self.check()?;
        self.inner.open_alert(alert).await
    }
    async fn resolve_alert(&self, id: AlertId, at: DateTime<Utc>) -> Result<()> {
        self.check()?;
        self.inner.resolve_alert(id, at).await
    }
    async fn list_alerts(
        &self,
        monitor: MonitorId,
        before: Option<AlertCursor>,
        limit: usize,
    ) -> Result<Vec<Alert>> {
        self.inner.list_alerts(monitor, before, limit).await
    }
    async fn open_alerts(&self) -> Result<Vec<Alert>> {
        self.inner.open_alerts().await
    }
}
