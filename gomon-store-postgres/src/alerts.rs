//! Alerts: open (at most one per monitor, enforced by a partial unique index),
//! resolve, and list newest first.

use chrono::{DateTime, Utc};
use gomon_core::{Alert, AlertCursor, AlertId, Error, MonitorId, Result};

use crate::PostgresStore;
use crate::codec::{ALERT_COLUMNS, AlertRow, outcome_columns};
use crate::error::{self, FOREIGN_KEY_VIOLATION, sqlstate};

fn alerts(rows: Vec<AlertRow>) -> Result<Vec<Alert>> {
    rows.into_iter().map(AlertRow::into_alert).collect()
}

impl PostgresStore {
    pub(crate) async fn insert_alert(&self, alert: &Alert) -> Result<()> {
        let (status, error) = outcome_columns(alert.last_outcome);
        // A second open alert of the monitor breaks alerts_one_open_per_monitor
        // (Conflict) even when two processes race; an unknown monitor breaks the
        // foreign key (NotFound).
        sqlx::query(
            "INSERT INTO alerts (id, monitor_id, opened_at, resolved_at, failures, status, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(alert.id.0)
        .bind(alert.monitor.0)
        .bind(alert.opened_at)
        .bind(alert.resolved_at)
        .bind(i64::from(alert.failures))
        .bind(status)
        .bind(error)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if sqlstate(&e).as_deref() == Some(FOREIGN_KEY_VIOLATION) {
                Error::not_found(format!("monitor {}", alert.monitor))
            } else {
                error::map(e)
            }
        })?;
        Ok(())
    }

    pub(crate) async fn resolve_alert_row(&self, id: AlertId, at: DateTime<Utc>) -> Result<()> {
        // COALESCE keeps the first resolution time; the row still matches, so an
        // already resolved alert is found and not an error.
        let done =
            sqlx::query("UPDATE alerts SET resolved_at = COALESCE(resolved_at, $2) WHERE id = $1")
                .bind(id.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(error::map)?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(format!("alert {id}")));
        }
        Ok(())
    }

    pub(crate) async fn alert_page(
        &self,
        monitor: MonitorId,
        before: Option<AlertCursor>,
        limit: usize,
    ) -> Result<Vec<Alert>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Two statements rather than one with `$2 IS NULL OR ...`, so that each
        // is planned as a plain range scan of alerts_monitor_opened.
        let rows: Vec<AlertRow> = match before {
            None => {
                sqlx::query_as(&format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts WHERE monitor_id = $1
                 ORDER BY opened_at DESC, id DESC LIMIT $2"
                ))
                .bind(monitor.0)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
            }
            Some(cursor) => {
                sqlx::query_as(&format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts
                 WHERE monitor_id = $1 AND (opened_at, id) < ($2, $3)
                 ORDER BY opened_at DESC, id DESC LIMIT $4"
                ))
                .bind(monitor.0)
                .bind(cursor.opened_at)
                .bind(cursor.id.0)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(error::map)?;
        alerts(rows)
    }

    pub(crate) async fn open_alert_rows(&self) -> Result<Vec<Alert>> {
        // The predicate matches alerts_one_open_per_monitor, which holds exactly these rows.
        let rows: Vec<AlertRow> = sqlx::query_as(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE resolved_at IS NULL
             ORDER BY opened_at, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(error::map)?;
        alerts(rows)
    }
}
