//! The [`Store`] implementation: each method delegates to the module that owns
//! its table (users, monitors, results, stats, alerts).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gomon_core::{
    Alert, AlertCursor, AlertId, CallStats, Monitor, MonitorId, NewUser, ProbeResult, Result,
    Store, TimeRange, User, UserId,
};

use crate::PostgresStore;

#[async_trait]
impl Store for PostgresStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        self.create_user_row(user).await
    }

    async fn user_by_name(&self, username: &str) -> Result<User> {
        self.user_row_by_name(username).await
    }

    async fn create_monitor(&self, monitor: &Monitor) -> Result<()> {
        self.insert_monitor(monitor).await
    }

    async fn monitor(&self, id: MonitorId) -> Result<Monitor> {
        self.monitor_row(id).await
    }

    async fn monitor_by_name(&self, owner: UserId, name: &str) -> Result<Monitor> {
        self.monitor_row_by_name(owner, name).await
    }

    async fn list_monitors(
        &self,
        owner: UserId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Monitor>> {
        self.monitor_page(owner, after, limit).await
    }

    async fn count_monitors(&self, owner: UserId) -> Result<u64> {
        self.monitor_count(owner).await
    }

    async fn all_monitors(&self) -> Result<Vec<Monitor>> {
        self.every_monitor().await
    }

    async fn update_monitor(&self, monitor: &Monitor) -> Result<()> {
        self.replace_monitor(monitor).await
    }

    async fn delete_monitor(&self, id: MonitorId) -> Result<()> {
        self.remove_monitor(id).await
    }

    async fn record_results(&self, results: &[ProbeResult]) -> Result<()> {
        self.insert_results(results).await
    }

    async fn stats(&self, monitor: MonitorId, range: TimeRange) -> Result<CallStats> {
        self.stats_of(monitor, range).await
    }

    async fn failures_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        self.failures_from(since).await
    }

    async fn open_alert(&self, alert: &Alert) -> Result<()> {
        self.insert_alert(alert).await
    }

    async fn resolve_alert(&self, id: AlertId, at: DateTime<Utc>) -> Result<()> {
        self.resolve_alert_row(id, at).await
    }

    async fn list_alerts(
        &self,
        monitor: MonitorId,
        before: Option<AlertCursor>,
        limit: usize,
    ) -> Result<Vec<Alert>> {
        self.alert_page(monitor, before, limit).await
    }

    async fn open_alerts(&self) -> Result<Vec<Alert>> {
        self.open_alert_rows().await
    }
}
