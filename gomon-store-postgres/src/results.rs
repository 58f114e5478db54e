//! Results: batched ingest with its hourly rollup, and the failures the alert
//! policy is rebuilt from.

use chrono::{DateTime, Utc};
use gomon_core::{MonitorId, ProbeResult, Result};
use uuid::Uuid;

use crate::codec::{duration, micros, outcome, outcome_columns};
use crate::{PostgresStore, error};

/// One statement for a whole batch: the arrays are six parameters whatever the
/// batch size, so there is no bind-parameter limit (GoMon broke at ~9 300 rows).
///
/// * `live` locks each monitor of the batch once, `FOR KEY SHARE`, in id order:
///   results of unknown or deleted monitors join nothing and are dropped, and a
///   concurrent `delete_monitor` waits for this statement's transaction, then
///   deletes what it inserted (see `remove_monitor`). This replaces a foreign key,
///   which would cost a trigger and a lock per row.
/// * `ON CONFLICT DO NOTHING` on `(monitor_id, started_at)` makes retries and
///   duplicates within the batch harmless, and `RETURNING` yields only the rows
///   really inserted, so the rollup below never counts a probe twice.
/// * The rollup upsert adds those rows per `(monitor, UTC hour)`, ordered so that
///   concurrent batches take row locks in the same order.
///
/// Being one statement, the batch and its rollup are atomic.
const INGEST: &str = "
WITH input AS (
    SELECT * FROM UNNEST($1::uuid[], $2::timestamptz[], $3::bigint[], $4::integer[],
                         $5::text[], $6::boolean[])
        AS t(monitor_id, started_at, latency_us, status, error, failed)
),
live AS (
    SELECT id FROM monitors WHERE id = ANY($7::uuid[]) ORDER BY id FOR KEY SHARE
),
inserted AS (
    INSERT INTO results (monitor_id, started_at, latency_us, status, error, failed)
    SELECT i.monitor_id, i.started_at, i.latency_us, i.status, i.error, i.failed
    FROM input i JOIN live ON live.id = i.monitor_id
    ON CONFLICT (monitor_id, started_at) DO NOTHING
    RETURNING monitor_id, started_at, latency_us, failed
)
INSERT INTO results_hourly AS h (monitor_id, hour, successes, failures, latency_us)
SELECT monitor_id, date_trunc('hour', started_at, 'UTC'),
       count(*) FILTER (WHERE NOT failed), count(*) FILTER (WHERE failed), sum(latency_us)::bigint
FROM inserted
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (monitor_id, hour) DO UPDATE SET
    successes = h.successes + EXCLUDED.successes,
    failures = h.failures + EXCLUDED.failures,
    latency_us = h.latency_us + EXCLUDED.latency_us
";

/// `(monitor_id, started_at, latency_us, status, error)` of a stored result.
type FailureRow = (Uuid, DateTime<Utc>, i64, Option<i32>, Option<String>);

/// The batch as column arrays, the shape `UNNEST` takes.
#[derive(Default)]
struct Columns {
    monitor: Vec<Uuid>,
    started_at: Vec<DateTime<Utc>>,
    latency_us: Vec<i64>,
    status: Vec<Option<i32>>,
    error: Vec<Option<&'static str>>,
    failed: Vec<bool>,
}

impl Columns {
    fn of(results: &[ProbeResult]) -> Self {
        let n = results.len();
        let mut c = Columns {
            monitor: Vec::with_capacity(n),
            started_at: Vec::with_capacity(n),
            latency_us: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
            error: Vec::with_capacity(n),
            failed: Vec::with_capacity(n),
        };
        for r in results {
            let (status, error) = outcome_columns(r.outcome);
            c.monitor.push(r.monitor.0);
            c.started_at.push(r.started_at);
            c.latency_us.push(micros(r.latency));
            c.status.push(status);
            c.error.push(error);
            c.failed.push(r.is_failure());
        }
        c
    }
}

impl PostgresStore {
    pub(crate) async fn insert_results(&self, results: &[ProbeResult]) -> Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        let columns = Columns::of(results);
        let mut monitors = columns.monitor.clone();
        monitors.sort_unstable();
        monitors.dedup();
        sqlx::query(INGEST)
            .bind(&columns.monitor)
            .bind(&columns.started_at)
            .bind(&columns.latency_us)
            .bind(&columns.status)
            .bind(&columns.error)
            .bind(&columns.failed)
            .bind(&monitors)
            .execute(&self.pool)
            .await
            .map_err(error::map)?;
        Ok(())
    }

    pub(crate) async fn failures_from(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        // A range scan of results_started_at; monitor_id only makes ties stable.
        let rows: Vec<FailureRow> = sqlx::query_as(
            "SELECT monitor_id, started_at, latency_us, status, error FROM results
             WHERE started_at >= $1 AND failed
             ORDER BY started_at, monitor_id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(error::map)?;
        rows.into_iter()
            .map(|(monitor, started_at, latency_us, status, error)| {
                Ok(ProbeResult {
                    monitor: MonitorId(monitor),
                    started_at,
                    latency: duration(latency_us),
                    outcome: outcome(status, error.as_deref())?,
                })
            })
            .collect()
    }
}
