//! [`TestStore`]: a [`PostgresStore`] that owns its test database, so that the
//! database is dropped when the conformance macro drops the store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gomon_core::{
    Alert, AlertCursor, AlertId, CallStats, Monitor, MonitorId, NewUser, ProbeResult, Result,
    Store, TimeRange, User, UserId,
};
use gomon_store_postgres::PostgresStore;

use super::TestDb;

/// Fields drop in order: the pool first, then the database.
#[derive(Debug)]
pub struct TestStore {
    pub store: PostgresStore,
    pub db: TestDb,
}

#[async_trait]
impl Store for TestStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        self.store.create_user(user).await
    }
    async fn user_by_name(&self, username: &str) -> Result<User> {
        self.store.user_by_name(username).await
    }
    async fn create_monitor(&self, monitor: &Monitor) -> Result<()> {
        self.store.create_monitor(monitor).await
    }
    async fn monitor(&self, id: MonitorId) -> Result<Monitor> {
        self.store.monitor(id).await
    }
    async fn monitor_by_name(&self, owner: UserId, name: &str) -> Result<Monitor> {
        self.store.monitor_by_name(owner, name).await
    }
    async fn list_monitors(
        &self,
        owner: UserId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Monitor>> {
        self.store.list_monitors(owner, after, limit).await
    }
    async fn count_monitors(&self, owner: UserId) -> Result<u64> {
        self.store.count_monitors(owner).await
    }
    async fn all_monitors(&self) -> Result<Vec<Monitor>> {
        self.store.all_monitors().await
    }
    async fn update_monitor(&self, monitor: &Monitor) -> Result<()> {
        self.store.update_monitor(monitor).await
    }
    async fn delete_monitor(&self, id: MonitorId) -> Result<()> {
        self.store.delete_monitor(id).await
    }
    async fn record_results(&self, results: &[ProbeResult]) -> Result<()> {
        self.store.record_results(results).await
    }
    async fn stats(&self, monitor: MonitorId, range: TimeRange) -> Result<CallStats> {
        self.store.stats(monitor, range).await
    }
    async fn failures_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        self.store.failures_since(since).await
    }
    async fn open_alert(&self, alert: &Alert) -> Result<()> {
        self.store.open_alert(alert).await
    }
    async fn resolve_alert(&self, id: AlertId, at: DateTime<Utc>) -> Result<()> {
        self.store.resolve_alert(id, at).await
    }
    async fn list_alerts(
        &self,
        monitor: MonitorId,
        before: Option<AlertCursor>,
        limit: usize,
    ) -> Result<Vec<Alert>> {
        self.store.list_alerts(monitor, before, limit).await
    }
    async fn open_alerts(&self) -> Result<Vec<Alert>> {
        self.store.open_alerts().await
    }
}
