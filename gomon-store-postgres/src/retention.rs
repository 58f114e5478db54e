//! Retention: deletes raw results and hourly rollups past their horizons.
//!
//! Deletion goes in chunks of [`Retention::chunk`] rows, each its own short
//! transaction, so ingest and stats never wait long behind it and the work can
//! stop between chunks. Raw results go first (30 days by default); rollups stay
//! much longer (400 days) because they are small, so stats over old ranges are
//! still answered, at hour granularity, from the rollup.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use gomon_core::Result;
use tokio_util::sync::CancellationToken;

use crate::{PostgresStore, error};

/// How long raw results are kept by default.
pub const DEFAULT_RESULTS_HORIZON: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// How long hourly rollups are kept by default.
pub const DEFAULT_ROLLUPS_HORIZON: Duration = Duration::from_secs(400 * 24 * 60 * 60);

/// What to delete and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// Raw results that started more than this long ago are deleted.
    pub results: Duration,
    /// Rollup hours that began more than this long ago are deleted. Never
    /// shorter than `results` in effect: the rollup must cover what stats read.
    pub rollups: Duration,
    /// Rows deleted per statement (and transaction).
    pub chunk: usize,
    /// Time between two passes of [`PostgresStore::run_retention`].
    pub every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            results: DEFAULT_RESULTS_HORIZON,
            rollups: DEFAULT_ROLLUPS_HORIZON,
            chunk: 10_000,
            every: Duration::from_secs(60 * 60),
        }
    }
}

/// What one pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Raw results deleted.
    pub results: u64,
    /// Rollup rows deleted.
    pub rollups: u64,
}

/// Chunked deletes: each picks at most `$2` of the oldest rows through the
/// table's time index and deletes them by physical address (a TID scan). The
/// more obvious `WHERE (key) IN (SELECT key ... LIMIT)` is planned as a hash
/// semi-join over a sequential scan of the whole table, once per chunk.
const PRUNE_RESULTS: &str = "
DELETE FROM results WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM results WHERE started_at < $1 ORDER BY started_at LIMIT $2))
";
/// A rollup row updated (by a late result) between the pick and the delete has
/// moved, so it is skipped by this chunk and deleted by the next pass.
const PRUNE_ROLLUPS: &str = "
DELETE FROM results_hourly WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM results_hourly WHERE hour < $1 ORDER BY hour LIMIT $2))
";

fn horizon(now: DateTime<Utc>, age: Duration) -> DateTime<Utc> {
    let age = TimeDelta::from_std(age).unwrap_or(TimeDelta::MAX);
    now.checked_sub_signed(age)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl PostgresStore {
    /// One retention pass as of `now`: deletes, in chunks, results older than
    /// `policy.results` and rollup hours older than `policy.rollups`.
    pub async fn prune(&self, policy: &Retention, now: DateTime<Utc>) -> Result<Pruned> {
        self.prune_until(policy, now, &CancellationToken::new())
            .await
    }

    /// Runs a retention pass now and then every `policy.every` until `cancel`
    /// fires. Errors are logged and the next pass tries again. Spawn it:
    /// `tokio::spawn(store.clone().run_retention(policy, cancel))`.
    pub async fn run_retention(self, policy: Retention, cancel: CancellationToken) {
        loop {
            match self.prune_until(&policy, Utc::now(), &cancel).await {
                Ok(pruned) => tracing::debug!(?pruned, "retention pass done"),
                Err(e) => tracing::warn!(error = %e, "retention pass failed, will retry"),
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(policy.every) => {}
            }
        }
    }

    async fn prune_until(
        &self,
        policy: &Retention,
        now: DateTime<Utc>,
        cancel: &CancellationToken,
    ) -> Result<Pruned> {
        let results_horizon = horizon(now, policy.results);
        let rollups_horizon = horizon(now, policy.rollups.max(policy.results));
        Ok(Pruned {
            results: self
                .delete_chunks(PRUNE_RESULTS, results_horizon, policy.chunk, cancel)
                .await?,
            rollups: self
                .delete_chunks(PRUNE_ROLLUPS, rollups_horizon, policy.chunk, cancel)
                .await?,
        })
    }

    async fn delete_chunks(
        &self,
        statement: &str,
        before: DateTime<Utc>,
        chunk: usize,
        cancel: &CancellationToken,
    ) -> Result<u64> {
        let chunk = i64::try_from(chunk.max(1)).unwrap_or(i64::MAX);
        let mut deleted = 0;
        while !cancel.is_cancelled() {
            let done = sqlx::query(statement)
                .bind(before)
                .bind(chunk)
                .execute(&self.pool)
                .await
                .map_err(error::map)?;
            deleted += done.rows_affected();
            if done.rows_affected() < chunk.unsigned_abs() {
                break;
            }
        }
        Ok(deleted)
    }
}
