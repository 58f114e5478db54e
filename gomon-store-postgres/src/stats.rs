//! Stats over a time range: whole UTC hours from the rollup, the partial hours at
//! the edges from the raw results, added up in one SQL statement.
//!
//! The rollup is written in the same statement as the results it counts, so the
//! sum is exact, not an estimate. A 24 h window reads at most 25 rollup rows and
//! two partial hours of raw rows, each an index range scan (index-only for raw
//! rows, whose index includes `failed` and `latency_us`).

use chrono::{DateTime, Utc};
use gomon_core::{CallStats, Error, MonitorId, Result, TimeRange};

use crate::codec::duration;
use crate::{PostgresStore, error};

/// UNION ALL of two range scans rather than one scan with an OR, which the
/// planner may turn into a bitmap scan that reads the table.
const STATS: &str = "
WITH raw AS (
    SELECT failed, latency_us FROM results
    WHERE monitor_id = $1 AND started_at >= $2 AND started_at < $3
    UNION ALL
    SELECT failed, latency_us FROM results
    WHERE monitor_id = $1 AND started_at >= $4 AND started_at < $5
), r AS (
    SELECT count(*) FILTER (WHERE NOT failed) AS successes,
           count(*) FILTER (WHERE failed) AS failures,
           coalesce(sum(latency_us), 0) AS latency_us
    FROM raw
), h AS (
    SELECT coalesce(sum(successes), 0) AS successes,
           coalesce(sum(failures), 0) AS failures,
           coalesce(sum(latency_us), 0) AS latency_us
    FROM results_hourly
    WHERE monitor_id = $1 AND hour >= $3 AND hour < $4
)
SELECT EXISTS (SELECT 1 FROM monitors WHERE id = $1),
       (r.successes + h.successes)::bigint,
       (r.failures + h.failures)::bigint,
       (r.latency_us + h.latency_us)::bigint
FROM r, h
";

const HOUR: i64 = 3600;

/// How a range splits: raw rows in `[start, first_hour)` and `[last_hour, end)`,
/// rollup rows for the hours in `[first_hour, last_hour)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Split {
    pub(crate) start: DateTime<Utc>,
    pub(crate) first_hour: DateTime<Utc>,
    pub(crate) last_hour: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
}

/// The first instant that PostgreSQL's timestamptz and chrono both represent
/// comfortably; ranges are clamped to it (nothing is stored outside).
fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(-62_135_596_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC) // 0001-01-01
}

fn latest() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC) // 9999-12-31
}

fn hour_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp().div_euclid(HOUR) * HOUR, 0).unwrap_or(t)
}

fn hour_ceil(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = hour_floor(t);
    if floor == t {
        t
    } else {
        DateTime::from_timestamp(floor.timestamp() + HOUR, 0).unwrap_or(t)
    }
}

impl Split {
    pub(crate) fn of(range: TimeRange) -> Self {
        let start = range.start.clamp(earliest(), latest());
        let end = range.end.clamp(start, latest());
        let (first_hour, last_hour) = (hour_ceil(start), hour_floor(end));
        if first_hour < last_hour {
            Split {
                start,
                first_hour,
                last_hour,
                end,
            }
        } else {
            // No whole hour inside: everything is raw, and the second raw range
            // and the rollup range are empty.
            Split {
                start,
                first_hour: end,
                last_hour: end,
                end,
            }
        }
    }
}

impl PostgresStore {
    pub(crate) async fn stats_of(&self, monitor: MonitorId, range: TimeRange) -> Result<CallStats> {
        let split = Split::of(range);
        let (found, successes, failures, latency_us): (bool, i64, i64, i64) = sqlx::query_as(STATS)
            .bind(monitor.0)
            .bind(split.start)
            .bind(split.first_hour)
            .bind(split.last_hour)
            .bind(split.end)
            .fetch_one(&self.pool)
            .await
            .map_err(error::map)?;
        if !found {
            return Err(Error::not_found(format!("monitor {monitor}")));
        }
        Ok(CallStats {
            successes: u64::try_from(successes).unwrap_or(0),
            failures: u64::try_from(failures).unwrap_or(0),
            total_latency: duration(latency_us),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, h, m, s)
            .single()
            .expect("valid")
    }

    #[test]
    fn whole_hours_go_to_the_rollup_and_edges_to_raw_rows() {
        let split = Split::of(TimeRange::new(t(1, 30, 0), t(5, 10, 0)));
        assert_eq!(split.first_hour, t(2, 0, 0));
        assert_eq!(split.last_hour, t(5, 0, 0));
        // Aligned bounds leave no raw edge.
        let split = Split::of(TimeRange::new(t(1, 0, 0), t(3, 0, 0)));
        assert_eq!(
            (split.start, split.first_hour, split.last_hour, split.end),
            (t(1, 0, 0), t(1, 0, 0), t(3, 0, 0), t(3, 0, 0))
        );
    }

    #[test]
    fn a_range_within_one_hour_is_all_raw() {
        let split = Split::of(TimeRange::new(t(1, 10, 0), t(1, 50, 0)));
        assert_eq!(
            (split.first_hour, split.last_hour),
            (t(1, 50, 0), t(1, 50, 0))
        );
        let us = TimeDelta::microseconds(1);
        let split = Split::of(TimeRange::new(t(1, 0, 0) + us, t(2, 0, 0)));
        assert_eq!(split.first_hour, split.end);
    }

    #[test]
    fn extreme_and_reversed_ranges_are_clamped() {
        let split = Split::of(TimeRange::last(std::time::Duration::MAX, t(0, 0, 0)));
        assert_eq!(split.start, earliest());
        let reversed = Split::of(TimeRange::new(t(2, 0, 0), t(1, 0, 0)));
        assert_eq!(reversed.start, reversed.end);
    }
}
