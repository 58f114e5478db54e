//! Monitors: create, read, list, update and delete.

use gomon_core::{Error, Monitor, MonitorId, Result, UserId};
use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;

use crate::codec::{MONITOR_COLUMNS, MonitorRow, micros};
use crate::{PostgresStore, error};

fn not_found(id: MonitorId) -> Error {
    Error::not_found(format!("monitor {id}"))
}

/// Binds `$1`..`$8` of an INSERT or UPDATE: id, owner, name, url, threshold,
/// interval, timeout, window (in the column order of `monitors`).
fn bind_content<'q>(
    query: Query<'q, Postgres, PgArguments>,
    m: &'q Monitor,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(m.id().0)
        .bind(m.owner().0)
        .bind(m.name())
        .bind(m.url().as_str())
        .bind(i64::from(m.threshold()))
        .bind(micros(m.interval()))
        .bind(micros(m.timeout()))
        .bind(micros(m.window()))
}

fn monitors(rows: Vec<MonitorRow>) -> Result<Vec<Monitor>> {
    rows.into_iter().map(MonitorRow::into_monitor).collect()
}

impl PostgresStore {
    pub(crate) async fn insert_monitor(&self, m: &Monitor) -> Result<()> {
        bind_content(sqlx::query(
            "INSERT INTO monitors
                 (id, owner_id, name, url, threshold, interval_us, timeout_us, window_us, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ), m)
        .bind(m.created_at())
        .execute(&self.pool)
        .await
        .map_err(error::map)?;
        Ok(())
    }

    pub(crate) async fn monitor_row(&self, id: MonitorId) -> Result<Monitor> {
        let row: Option<MonitorRow> = sqlx::query_as(&format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(error::map)?;
        row.ok_or_else(|| not_found(id))?.into_monitor()
    }

    pub(crate) async fn monitor_row_by_name(&self, owner: UserId, name: &str) -> Result<Monitor> {
        let row: Option<MonitorRow> = sqlx::query_as(&format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors WHERE owner_id = $1 AND name = $2"
        ))
        .bind(owner.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(error::map)?;
        row.ok_or_else(|| Error::not_found(format!("monitor {name:?}")))?
            .into_monitor()
    }

    pub(crate) async fn monitor_page(
        &self,
        owner: UserId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Monitor>> {
        // Keyset pagination on the (owner_id, name) unique index; the name column
        // is COLLATE "C", so `>` and ORDER BY agree with byte order.
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<MonitorRow> = sqlx::query_as(&format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors
             WHERE owner_id = $1 AND ($2::text IS NULL OR name > $2)
             ORDER BY name LIMIT $3"
        ))
        .bind(owner.0)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(error::map)?;
        monitors(rows)
    }

    pub(crate) async fn monitor_count(&self, owner: UserId) -> Result<u64> {
        let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM monitors WHERE owner_id = $1")
            .bind(owner.0)
            .fetch_one(&self.pool)
            .await
            .map_err(error::map)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub(crate) async fn every_monitor(&self) -> Result<Vec<Monitor>> {
        // uuid order in PostgreSQL is byte order, as MonitorId's Ord.
        let rows: Vec<MonitorRow> = sqlx::query_as(&format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(error::map)?;
        monitors(rows)
    }

    pub(crate) async fn replace_monitor(&self, m: &Monitor) -> Result<()> {
        // created_at is identity, not content: an update keeps the stored one.
        let done = bind_content(
            sqlx::query(
                "UPDATE monitors SET owner_id = $2, name = $3, url = $4, threshold = $5,
                 interval_us = $6, timeout_us = $7, window_us = $8
             WHERE id = $1",
            ),
            m,
        )
        .execute(&self.pool)
        .await
        .map_err(error::map)?;
        if done.rows_affected() == 0 {
            return Err(not_found(m.id()));
        }
        Ok(())
    }

    pub(crate) async fn remove_monitor(&self, id: MonitorId) -> Result<()> {
        // Three statements in one transaction, in this order, and not one
        // statement with CTEs: deleting the monitor row waits for any batch being
        // ingested for it (ingest holds FOR KEY SHARE on it), and only a *later*
        // statement's snapshot sees the results that batch committed. Alerts go
        // by their cascading foreign key.
        let mut tx = self.pool.begin().await.map_err(error::map)?;
        let done = sqlx::query("DELETE FROM monitors WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(error::map)?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        for table in ["results", "results_hourly"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE monitor_id = $1"))
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(error::map)?;
        }
        tx.commit().await.map_err(error::map)
    }
}
